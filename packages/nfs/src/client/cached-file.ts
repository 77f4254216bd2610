import { PAGE_SIZE } from '@rdmalab/kernel';
import { COMMIT3, READ3, SETATTR3, WRITE3 } from '../codec/nfs3.js';
import type { Fattr3, NfsTime, WccData } from '../codec/types.js';
import { type Nfs3ErrStat, Nfs3Stat, StableHow } from '../constants.js';
import type { Nfs3Rpc } from './nfs3-rpc.js';
import type { CachedPage, PageCache, PageOwner } from './page-cache.js';

/** I/O parameters shared by the files of one mount. */
export interface FileIoOptions {
  readonly rpc: Nfs3Rpc;
  /** READ size, bytes (a multiple of PAGE_SIZE). */
  readonly rsize: number;
  /** WRITE size, bytes (a multiple of PAGE_SIZE). */
  readonly wsize: number;
  /** READs or WRITEs in flight at once per file. */
  readonly maxInflight: number;
  /** How WRITEs are sent: UNSTABLE (then COMMIT, the default), DATA_SYNC or FILE_SYNC. */
  readonly stable: StableHow;
  readonly counters: FileIoCounters;
}

/** Client-side I/O counters of a mount. */
export interface FileIoCounters {
  readRpcs: number;
  writeRpcs: number;
  commitRpcs: number;
  /** Pages written again because a COMMIT's verifier differed from the WRITE's (server restart). */
  rewrittenPages: number;
  bytesRead: number;
  bytesWritten: number;
}

/** A failure a server answered with a status, thrown by file I/O; the fs layer turns it into an NfsError. */
export class NfsStatusFailure extends Error {
  override readonly name = 'NfsStatusFailure';
  constructor(
    readonly status: Nfs3ErrStat,
    readonly procedure: string,
  ) {
    super(`${procedure} answered status ${status}`);
  }
}

const MAX_WRITEBACK_ROUNDS = 8;

/**
 * One file's pages in the page cache (the kernel's nfs_inode and its address_space): reads fill
 * pages with rsize READs placed straight into the pages; writes dirty pages, which go out as
 * wsize WRITEs, several in flight; UNSTABLE writes are committed and written again when the
 * COMMIT's verifier is not the one their WRITE returned.
 */
export class CachedFile implements PageOwner {
  readonly pages = new Map<number, CachedPage>();
  /** Size as this client sees it (includes writes not yet sent). */
  size: number;
  attrs: Fattr3;
  openCount = 0;
  private readonly reading = new Map<number, Promise<void>>();

  constructor(
    readonly name: string,
    readonly fh: Uint8Array,
    attrs: Fattr3,
    private readonly cache: PageCache,
    private readonly io: FileIoOptions,
  ) {
    this.attrs = attrs;
    this.size = attrs.size;
    cache.register(this);
  }

  get hasDirty(): boolean {
    for (const p of this.pages.values()) if (p.state === 'dirty' || p.state === 'unstable') return true;
    return false;
  }

  dropPage(p: CachedPage): void {
    if (this.pages.get(p.index) === p) this.pages.delete(p.index);
  }

  /**
   * Close-to-open: attributes fetched at open. If the file changed on the server since they were
   * last seen and nothing here is unwritten, the cached pages are stale and go.
   */
  revalidate(fresh: Fattr3): void {
    const old = this.attrs;
    const changed =
      fresh.size !== old.size || !sameTime(fresh.mtime, old.mtime) || !sameTime(fresh.ctime, old.ctime);
    this.attrs = fresh;
    if (changed && !this.hasDirty) {
      this.invalidate();
      this.size = fresh.size;
    }
  }

  /** Drop every page that holds nothing unwritten. */
  invalidate(): void {
    for (const p of [...this.pages.values()]) {
      if (p.state === 'clean') {
        this.pages.delete(p.index);
        this.cache.release(p);
      }
    }
  }

  /** Read into `dst` from file offset `pos`; returns the bytes read (short at end of file). */
  async read(pos: number, dst: Uint8Array): Promise<number> {
    const end = Math.min(pos + dst.length, this.size);
    if (pos >= end) return 0;
    // A window at a time, so a read larger than the cache does not evict its own pages before copying.
    const windowBytes = Math.max(PAGE_SIZE, Math.floor(this.cache.limit / 2) * PAGE_SIZE);
    for (let at = pos; at < end; ) {
      const stop = Math.min(end, Math.floor(at / PAGE_SIZE) * PAGE_SIZE + windowBytes);
      await this.fill(Math.floor(at / PAGE_SIZE), Math.floor((stop - 1) / PAGE_SIZE));
      while (at < stop) {
        const p = this.pages.get(Math.floor(at / PAGE_SIZE));
        if (p === undefined || p.state === 'reading') {
          // Evicted between fill and copy (another reader needed the room): fill again.
          break;
        }
        const inPage = at % PAGE_SIZE;
        const n = Math.min(PAGE_SIZE - inPage, stop - at);
        dst.set(p.page.bytes.subarray(inPage, inPage + n), at - pos);
        this.cache.touch(p);
        at += n;
      }
    }
    return end - pos;
  }

  /** Write `src` at file offset `pos` into the cache (sent later by flush). */
  async write(pos: number, src: Uint8Array): Promise<void> {
    let at = pos;
    const end = pos + src.length;
    while (at < end) {
      const index = Math.floor(at / PAGE_SIZE);
      const inPage = at - index * PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - inPage, end - at);
      const p = await this.pageForWrite(index, n === PAGE_SIZE);
      p.page.bytes.set(src.subarray(at - pos, at - pos + n), inPage);
      p.state = 'dirty';
      p.dirtyGen++;
      this.cache.touch(p);
      at += n;
      if (at > this.size) this.size = at;
    }
    // Throttle a writer that dirties faster than it sends (balance_dirty_pages).
    let dirty = 0;
    for (const p of this.pages.values()) if (p.state === 'dirty') dirty++;
    if (dirty * 2 >= this.cache.limit || dirty * PAGE_SIZE >= this.io.wsize * this.io.maxInflight)
      await this.flush();
  }

  /** Send every dirty page (does not COMMIT). */
  async flush(stable: StableHow = this.io.stable): Promise<void> {
    for (let round = 0; round < MAX_WRITEBACK_ROUNDS; round++) {
      const dirty = [...this.pages.values()]
        .filter((p) => p.state === 'dirty')
        .sort((a, b) => a.index - b.index);
      if (dirty.length === 0) return;
      const runs = runsOf(dirty, this.io.wsize / PAGE_SIZE);
      await runLimited(runs, this.io.maxInflight, (run) => this.writeRun(run, stable));
    }
  }

  /** COMMIT unstable pages; pages whose WRITE verifier differs from the COMMIT's are dirtied again. */
  async commit(): Promise<boolean> {
    const unstable = [...this.pages.values()].filter((p) => p.state === 'unstable');
    if (unstable.length === 0) return true;
    this.io.counters.commitRpcs++;
    const res = await this.io.rpc.call(COMMIT3, { file: this.fh, offset: 0, count: 0 });
    if (res.status !== 0) throw new NfsStatusFailure(res.status, 'COMMIT');
    this.takeWcc(res.ok.wcc);
    let allSame = true;
    for (const p of unstable) {
      if (p.state !== 'unstable') continue;
      if (p.verf !== undefined && sameBytes(p.verf, res.ok.verf)) {
        p.state = 'clean';
      } else {
        p.state = 'dirty';
        this.io.counters.rewrittenPages++;
        allSame = false;
      }
      p.verf = undefined;
    }
    return allSame;
  }

  /** Flush and commit until everything written here is stable on the server. */
  async writeback(): Promise<void> {
    for (let round = 0; round < MAX_WRITEBACK_ROUNDS; round++) {
      await this.flush();
      if (await this.commit()) {
        if (!this.hasDirty) return;
      }
    }
    if (this.hasDirty) throw new NfsStatusFailure(Nfs3Stat.NFS3ERR_IO, 'COMMIT');
  }

  /** Set the size on the server (SETATTR) and drop or zero the cached bytes past it. */
  async truncate(size: number): Promise<void> {
    for (const p of [...this.pages.values()]) {
      if (p.index * PAGE_SIZE >= size) {
        if (p.state === 'writeback' || p.state === 'reading') continue;
        this.pages.delete(p.index);
        this.cache.release(p);
      } else if ((p.index + 1) * PAGE_SIZE > size) {
        p.page.bytes.fill(0, size - p.index * PAGE_SIZE);
      }
    }
    const res = await this.io.rpc.call(SETATTR3, { object: this.fh, attributes: { size } });
    if (res.status !== 0) throw new NfsStatusFailure(res.status, 'SETATTR');
    this.size = size;
    this.takeWcc(res.ok.wcc);
  }

  /** Release every page (the file is forgotten). Unwritten data is lost: write back first. */
  forget(): void {
    for (const p of this.pages.values()) this.cache.release(p);
    this.pages.clear();
    this.cache.unregister(this);
  }

  takeAttrs(a: Fattr3 | undefined): void {
    if (a !== undefined) this.attrs = a;
  }

  private takeWcc(wcc: WccData): void {
    this.takeAttrs(wcc.after);
  }

  private async pageForWrite(index: number, whole: boolean): Promise<CachedPage> {
    await this.reading.get(index);
    const have = this.pages.get(index);
    if (have !== undefined) return have;
    // A partial write into a page that has data on the server reads it first (read-modify-write).
    if (!whole && index * PAGE_SIZE < this.size) {
      await this.fill(index, index);
      const filled = this.pages.get(index);
      if (filled !== undefined) return filled;
    }
    const p = await this.cache.allocate(this, index, 'clean');
    p.page.bytes.fill(0);
    this.pages.set(index, p);
    return p;
  }

  /** Make pages [first, last] present, issuing READs for runs of missing pages. */
  private async fill(first: number, last: number): Promise<void> {
    const waits: Promise<void>[] = [];
    const missing: number[] = [];
    for (let i = first; i <= last; i++) {
      const pending = this.reading.get(i);
      if (pending !== undefined) waits.push(pending);
      else if (this.pages.has(i)) this.cache.hits++;
      else missing.push(i);
    }
    const maxRunPages = Math.max(1, Math.min(this.io.rsize / PAGE_SIZE, Math.floor(this.cache.limit / 4)));
    const runs: number[][] = [];
    for (const i of missing) {
      const run = runs[runs.length - 1];
      if (run !== undefined && run[run.length - 1] === i - 1 && run.length < maxRunPages) run.push(i);
      else runs.push([i]);
    }
    await runLimited(runs, this.io.maxInflight, (run) => this.readRun(run));
    await Promise.all(waits);
  }

  private async readRun(indices: number[]): Promise<void> {
    let done!: () => void;
    const pending = new Promise<void>((resolve) => {
      done = resolve;
    });
    for (const i of indices) this.reading.set(i, pending);
    const got: CachedPage[] = [];
    try {
      for (const i of indices) got.push(await this.cache.allocate(this, i, 'reading'));
      this.cache.misses += got.length;
      const offset = indices[0]! * PAGE_SIZE;
      const length = got.length * PAGE_SIZE;
      this.io.counters.readRpcs++;
      const res = await this.io.rpc.call(
        READ3,
        { file: this.fh, offset, count: length },
        { replyPages: { pages: got.map((p) => p.page), base: 0, length } },
      );
      if (res.status !== 0) throw new NfsStatusFailure(res.status, 'READ');
      const n = res.ok.count;
      this.io.counters.bytesRead += n;
      this.takeAttrs(res.ok.attributes);
      // Past what the server returned (end of file, a hole) the page reads as zeros.
      for (let k = 0; k < got.length; k++) {
        const from = Math.max(0, n - k * PAGE_SIZE);
        if (from < PAGE_SIZE) got[k]!.page.bytes.fill(0, from);
      }
      for (const p of got) {
        p.state = 'clean';
        this.pages.set(p.index, p);
      }
    } catch (e) {
      for (const p of got) this.cache.release(p);
      throw e;
    } finally {
      for (const i of indices) if (this.reading.get(i) === pending) this.reading.delete(i);
      done();
    }
  }

  private async writeRun(run: CachedPage[], stable: StableHow): Promise<void> {
    const offset = run[0]!.index * PAGE_SIZE;
    const length = Math.min(run.length * PAGE_SIZE, this.size - offset);
    const gens = run.map((p) => p.dirtyGen);
    if (length <= 0) {
      for (const p of run) p.state = 'clean';
      return;
    }
    for (const p of run) p.state = 'writeback';
    try {
      this.io.counters.writeRpcs++;
      const res = await this.io.rpc.call(WRITE3, {
        file: this.fh,
        offset,
        count: length,
        stable,
        data: { pages: run.map((p) => p.page), base: 0, length },
      });
      if (res.status !== 0) throw new NfsStatusFailure(res.status, 'WRITE');
      this.takeWcc(res.ok.wcc);
      this.io.counters.bytesWritten += res.ok.count;
      const fullPages = res.ok.count >= length ? run.length : Math.floor(res.ok.count / PAGE_SIZE);
      run.forEach((p, k) => {
        if (p.dirtyGen !== gens[k] || k >= fullPages) p.state = 'dirty';
        else if (res.ok.committed === StableHow.UNSTABLE) {
          p.state = 'unstable';
          p.verf = res.ok.verf;
        } else p.state = 'clean';
      });
    } catch (e) {
      for (const p of run) if (p.state === 'writeback') p.state = 'dirty';
      throw e;
    }
  }
}

/** Consecutive pages grouped into runs of at most `max`. */
function runsOf(pages: CachedPage[], max: number): CachedPage[][] {
  const runs: CachedPage[][] = [];
  for (const p of pages) {
    const run = runs[runs.length - 1];
    if (run !== undefined && run[run.length - 1]!.index === p.index - 1 && run.length < max) run.push(p);
    else runs.push([p]);
  }
  return runs;
}

/** Run `work` over `items` with at most `limit` in flight; rejects with the first failure once all settled. */
async function runLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < items.length && failure === undefined) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure.error;
}

function sameTime(a: NfsTime, b: NfsTime): boolean {
  return a.seconds === b.seconds && a.nseconds === b.nseconds;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
