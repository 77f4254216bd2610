import { Buffer } from 'node:buffer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NfsMount } from '../../src/client/nfs-mount.js';
import { NfsError } from '../../src/errors.js';

/** Makes a fresh mount of an empty export; `cacheBytes` is the page cache limit to use. */
export type MountFactory = (options: { cacheBytes: number }) => Promise<NfsMount>;

/** A deterministic pattern so corruption at any offset shows. */
export function pattern(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

async function expectCode(p: Promise<unknown>, code: string): Promise<NfsError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(NfsError);
  expect((err as NfsError).code).toBe(code);
  return err as NfsError;
}

/**
 * The client test-suite every server runs: the rdmalab server (memory and directory stores) and
 * nfs-ganesha. `root` is a directory name unique to this run under the export.
 */
export function clientSuite(
  name: string,
  makeMount: MountFactory,
  options: { cacheBytes?: number } = {},
): void {
  const cacheBytes = options.cacheBytes ?? 256 * 1024;
  describe(`NFS client against ${name}`, () => {
    let fs: NfsMount;
    const root = `/t${process.pid}-${Math.floor(Math.random() * 1e6)}`;

    beforeAll(async () => {
      fs = await makeMount({ cacheBytes });
      await fs.mkdir(root);
    });
    afterAll(async () => {
      await fs?.unmount();
    });

    it('creates a tree, stats it and lists it with file types', async () => {
      expect(await fs.mkdir(`${root}/a/b/c`, { recursive: true })).toBe(`${root}/a`);
      await fs.writeFile(`${root}/a/hello.txt`, 'hello, nfs');
      await fs.writeFile(`${root}/a/b/empty`, new Uint8Array(0));
      expect(await fs.readFile(`${root}/a/hello.txt`, 'utf8')).toBe('hello, nfs');
      const st = await fs.stat(`${root}/a/hello.txt`);
      expect(st.isFile()).toBe(true);
      expect(st.size).toBe(10);
      expect((await fs.stat(`${root}/a/b`)).isDirectory()).toBe(true);
      const entries = await fs.readdir(`${root}/a`, { withFileTypes: true });
      const byName = Object.fromEntries(
        entries.map((e) => [e.name, e.isDirectory() ? 'dir' : e.isFile() ? 'file' : '?']),
      );
      expect(byName).toEqual({ b: 'dir', 'hello.txt': 'file' });
      expect((await fs.readdir(`${root}/a/b`)).sort()).toEqual(['c', 'empty']);
      expect(await fs.mkdir(`${root}/a/b`, { recursive: true })).toBeUndefined();
    });

    it('appends, and reads and writes at offsets through an open handle', async () => {
      const p = `${root}/offsets.bin`;
      await fs.writeFile(p, 'abc');
      await fs.appendFile(p, 'def');
      expect(await fs.readFile(p, 'utf8')).toBe('abcdef');
      const fh = await fs.open(p, 'r+');
      await fh.write(Buffer.from('XY'), 0, 2, 2);
      await fh.write(Buffer.from('!'), 0, 1, 10); // past the end: a hole of zeros
      const buf = Buffer.alloc(11);
      const { bytesRead } = await fh.read(buf, 0, 11, 0);
      expect(bytesRead).toBe(11);
      expect([...buf]).toEqual([...Buffer.from('abXYef'), 0, 0, 0, 0, 0x21]);
      expect((await fh.stat()).size).toBe(11);
      await fh.sync();
      await fh.close();
      await expectCode(fh.read(buf), 'EBADF');
      expect((await fs.stat(p)).size).toBe(11);
      const wfh = await fs.open(p, 'w'); // truncates
      expect((await wfh.stat()).size).toBe(0);
      await wfh.close();
      expect((await fs.readFile(p)).length).toBe(0);
    });

    it('writes and reads back files larger than the page cache, byte for byte', async () => {
      const size = cacheBytes * 3 + 12345;
      const data = pattern(size, 7);
      await fs.writeFile(`${root}/big.bin`, data);
      expect(fs.cacheStats.pages).toBeLessThanOrEqual(fs.cacheStats.limit);
      const back = await fs.readFile(`${root}/big.bin`);
      expect(back.length).toBe(size);
      expect(Buffer.compare(back, Buffer.from(data))).toBe(0);
      expect(fs.cacheStats.evictions).toBeGreaterThan(0);
      expect(fs.cacheStats.pages).toBeLessThanOrEqual(fs.cacheStats.limit);
      // Random-offset reads through a handle agree with the pattern.
      const fh = await fs.open(`${root}/big.bin`);
      for (const at of [0, 4095, 4096, size - 1, Math.floor(size / 2) + 3]) {
        const b = new Uint8Array(100);
        const { bytesRead } = await fh.read(b, 0, 100, at);
        expect(bytesRead).toBe(Math.min(100, size - at));
        expect(b.subarray(0, bytesRead)).toEqual(data.subarray(at, at + bytesRead));
      }
      await fh.close();
    });

    it('renames files and directories', async () => {
      await fs.mkdir(`${root}/r1`);
      await fs.writeFile(`${root}/r1/x`, 'x-data');
      await fs.rename(`${root}/r1/x`, `${root}/r1/y`);
      await expectCode(fs.stat(`${root}/r1/x`), 'ENOENT');
      expect(await fs.readFile(`${root}/r1/y`, 'utf8')).toBe('x-data');
      await fs.rename(`${root}/r1`, `${root}/r2`);
      expect(await fs.readFile(`${root}/r2/y`, 'utf8')).toBe('x-data');
      await fs.writeFile(`${root}/r2/z`, 'z-data');
      await fs.rename(`${root}/r2/z`, `${root}/r2/y`); // replaces
      expect(await fs.readdir(`${root}/r2`)).toEqual(['y']);
      expect(await fs.readFile(`${root}/r2/y`, 'utf8')).toBe('z-data');
    });

    it('lists a directory with more entries than one READDIR reply holds', async () => {
      const dir = `${root}/many`;
      await fs.mkdir(dir);
      const names: string[] = [];
      // ~100 bytes of XDR per entry: 200 entries need several 8 KiB READDIR replies.
      for (let i = 0; i < 200; i++)
        names.push(`entry-with-a-name-long-enough-to-fill-replies-quickly-${String(i).padStart(4, '0')}`);
      for (let i = 0; i < names.length; i += 20) {
        await Promise.all(names.slice(i, i + 20).map((n) => fs.writeFile(`${dir}/${n}`, '')));
      }
      expect((await fs.readdir(dir)).sort()).toEqual(names);
      const typed = await fs.readdir(dir, { withFileTypes: true });
      expect(typed.length).toBe(200);
      expect(typed.every((d) => d.isFile())).toBe(true);
      for (const n of names) await fs.unlink(`${dir}/${n}`);
      expect(await fs.readdir(dir)).toEqual([]);
      await fs.rmdir(dir);
    });

    it('maps NFS errors to node errors with the NFS status', async () => {
      const noent = await expectCode(fs.readFile(`${root}/nope`), 'ENOENT');
      expect(noent.nfsStatusName).toBe('NFS3ERR_NOENT');
      expect(noent.syscall).toBe('open');
      await fs.writeFile(`${root}/file`, 'f');
      await fs.mkdir(`${root}/dir`);
      await fs.writeFile(`${root}/dir/inner`, 'i');
      await expectCode(fs.mkdir(`${root}/dir`), 'EEXIST');
      await expectCode(fs.open(`${root}/file`, 'wx'), 'EEXIST');
      await expectCode(fs.readdir(`${root}/file`), 'ENOTDIR');
      await expectCode(fs.writeFile(`${root}/file/sub`, 'x'), 'ENOTDIR');
      await expectCode(fs.readFile(`${root}/dir`), 'EISDIR');
      await expectCode(fs.rmdir(`${root}/dir`), 'ENOTEMPTY');
      await expectCode(fs.rmdir(`${root}/file`), 'ENOTDIR');
      const long = await expectCode(fs.writeFile(`${root}/${'n'.repeat(256)}`, 'x'), 'ENAMETOOLONG');
      expect(long.nfsStatusName).toBe('NFS3ERR_NAMETOOLONG');
    });

    it('removes everything it made', async () => {
      const walk = async (dir: string): Promise<void> => {
        for (const e of await fs.readdir(dir, { withFileTypes: true })) {
          const p = `${dir}/${e.name}`;
          if (e.isDirectory()) {
            await walk(p);
            await fs.rmdir(p);
          } else {
            await fs.unlink(p);
          }
        }
      };
      await walk(root);
      expect(await fs.readdir(root)).toEqual([]);
      await fs.rmdir(root);
      await expectCode(fs.stat(root), 'ENOENT');
    });
  });
}
