import 'reflect-metadata';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandRegistry, main, nfsCommand, serveCommand } from '../src/index.js';
import { captureIo } from './cli-io.js';

const registry = new CommandRegistry().register(serveCommand).register(nfsCommand);

async function waitForLine(io: { stdout: string; stderr: string }, pattern: RegExp, ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const m = pattern.exec(io.stdout);
    if (m) return m;
    if (Date.now() > deadline)
      throw new Error(`no ${pattern} in stdout:\n${io.stdout}\nstderr:\n${io.stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('rdmalab serve + rdmalab nfs over TCP on 127.0.0.1', () => {
  const stop = new AbortController();
  const serverIo = captureIo(stop.signal);
  let served: Promise<number>;
  let port = 0;
  const dir = mkdtempSync(join(tmpdir(), 'rdmalab-nfs-cli-'));

  // File and directory modes below assume the common umask (put and mkdir apply it, as cp and mkdir do).
  const savedUmask = process.umask(0o022);

  beforeAll(async () => {
    served = main(['serve', '--listen', '127.0.0.1:0', '--no-rpcbind'], serverIo, registry);
    const m = await waitForLine(serverIo, /listening on 127\.0\.0\.1:(\d+)/);
    port = Number(m[1]);
    await waitForLine(serverIo, /serving until Ctrl-C/);
  });

  afterAll(async () => {
    process.umask(savedUmask);
    stop.abort();
    await served;
  });

  async function nfs(...args: string[]) {
    const io = captureIo();
    const code = await main(
      ['nfs', '--server', `127.0.0.1:${port}`, '--mount-port', String(port), ...args],
      io,
      registry,
    );
    return { code, out: io.stdout, err: io.stderr };
  }

  it('prints where it listens and that it did not register with rpcbind', () => {
    expect(port).toBeGreaterThan(0);
    expect(serverIo.stdout).toContain('exporting an in-memory file system as "/"');
    expect(serverIo.stdout).toContain('not registering with rpcbind (--no-rpcbind)');
  });

  it('mkdir, put, ls, ls -l, stat, cat, get, mv, rm, rmdir', async () => {
    expect(await nfs('mkdir', '/docs')).toMatchObject({ code: 0 });
    expect(await nfs('mkdir', '-p', '/docs/deep/er')).toMatchObject({ code: 0 });

    const local = join(dir, 'notes.txt');
    writeFileSync(local, 'hello over NFSv3\n');
    const put = await nfs('put', local, '/docs/notes.txt');
    expect(put.code).toBe(0);
    expect(put.err).toContain('17 bytes');

    // A binary file over several WRITEs (1 MiB wsize), read back through get.
    const big = Buffer.alloc(3 * 1024 * 1024 + 123);
    for (let i = 0; i < big.length; i++) big[i] = (i * 131 + (i >> 12)) & 0xff;
    writeFileSync(join(dir, 'big.bin'), big);
    expect((await nfs('put', join(dir, 'big.bin'), '/docs')).code).toBe(0); // into the directory

    const ls = await nfs('ls', '/docs');
    expect(ls).toMatchObject({ code: 0, out: 'big.bin\ndeep\nnotes.txt\n' });

    const long = await nfs('ls', '-l', '/docs');
    expect(long.code).toBe(0);
    const lines = long.out.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    const uid = process.getuid?.() ?? 0;
    expect(lines[0]).toMatch(
      new RegExp(`^-rw-r--r-- +1 +${uid} +\\d+ +${big.length} \\w{3} [ \\d]\\d +\\S+ big\\.bin$`),
    );
    expect(lines[1]).toMatch(/^drwxr-xr-x +\d+ .* deep$/);
    expect(lines[2]).toMatch(/^-rw-r--r-- +1 .* 17 .* notes\.txt$/);

    const stat = await nfs('stat', '/docs/notes.txt');
    expect(stat.code).toBe(0);
    expect(stat.out).toContain('  File: /docs/notes.txt');
    expect(stat.out).toMatch(/Size: 17 .* regular file/);
    expect(stat.out).toContain('Access: (0644/-rw-r--r--)');

    expect(await nfs('cat', '/docs/notes.txt')).toMatchObject({ code: 0, out: 'hello over NFSv3\n' });

    const back = join(dir, 'big.back');
    expect((await nfs('get', '/docs/big.bin', back)).code).toBe(0);
    expect(Buffer.compare(readFileSync(back), big)).toBe(0);

    expect((await nfs('mv', '/docs/notes.txt', '/docs/deep')).code).toBe(0);
    expect((await nfs('ls', '/docs/deep')).out).toBe('er\nnotes.txt\n');
    expect((await nfs('mv', '/docs/deep/notes.txt', '/renamed.txt')).code).toBe(0);
    expect((await nfs('cat', '/renamed.txt')).out).toBe('hello over NFSv3\n');

    expect((await nfs('rm', '/renamed.txt')).code).toBe(0);
    expect((await nfs('rm', '/docs/big.bin')).code).toBe(0);
    expect((await nfs('rmdir', '/docs/deep/er')).code).toBe(0);
    expect((await nfs('rmdir', '/docs/deep')).code).toBe(0);
    expect((await nfs('rmdir', '/docs')).code).toBe(0);
    expect(await nfs('ls')).toMatchObject({ code: 0, out: '' });
  });

  it('NFS errors exit 1 with the Node-style code', async () => {
    const missing = await nfs('cat', '/nope.txt');
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/ENOENT.*\/nope\.txt/);

    expect((await nfs('mkdir', '/full')).code).toBe(0);
    writeFileSync(join(dir, 'f'), 'x');
    expect((await nfs('put', join(dir, 'f'), '/full/f')).code).toBe(0);
    const notEmpty = await nfs('rmdir', '/full');
    expect(notEmpty.code).toBe(1);
    expect(notEmpty.err).toContain('ENOTEMPTY');
    const exists = await nfs('mkdir', '/full');
    expect(exists.code).toBe(1);
    expect(exists.err).toContain('EEXIST');

    const noLocal = await nfs('put', join(dir, 'does-not-exist'), '/x');
    expect(noLocal.code).toBe(1);
    expect(noLocal.err).toContain('ENOENT');

    const noExport = await nfs('--export', '/elsewhere', 'ls');
    expect(noExport.code).toBe(1);
    expect(noExport.err).toContain('ENOENT');
  });

  it('bad usage exits 2 and names what was wrong', async () => {
    const cases: [string[], RegExp][] = [
      [['nfs', 'ls'], /--server is required/],
      [['nfs', '--server', '127.0.0.1:99999', 'ls'], /port must be a number 0-65535, got "99999"/],
      [['nfs', '--server', '127.0.0.1', 'frob'], /unknown nfs command "frob"; valid: ls, stat/],
      [['nfs', '--server', '127.0.0.1', 'mv', '/a'], /mv takes FROM TO, got 1 operand/],
      [['nfs', '--server', '127.0.0.1', '-l', 'cat', '/a'], /-l applies to ls only/],
      [
        ['nfs', '--server', '127.0.0.1', '--transport', 'udp', 'ls'],
        /--transport must be one of tcp, rdma, got "udp"/,
      ],
      [
        ['nfs', '--server', '127.0.0.1', '--backend', 'sim', 'ls'],
        /--backend applies to --transport rdma only/,
      ],
      [
        ['nfs', '--server', '127.0.0.1', '--timeo', '0', 'ls'],
        /--timeo must be 1-6000 tenths of a second, got "0"/,
      ],
      [
        ['nfs', '--server', '127.0.0.1', '--source', '127.0.0.1', 'ls'],
        /--source applies to --transport rdma --backend rxe only/,
      ],
      [
        ['nfs', '--server', '127.0.0.1', '--transport', 'rdma', '--source', 'host', 'ls'],
        /--source must be an IPv4 address, got "host"/,
      ],
      [
        ['serve', '--transport', 'rdma', '--listen', '127.0.0.2:0'],
        /--listen: rdma needs a fixed rdma_cm port/,
      ],
      [['serve', '--listen', '127.0.0.1:x'], /--listen: port must be a number/],
      [['serve', '--transport', 'rdma', '--backend', 'ib'], /--backend must be one of sim, rxe, got "ib"/],
      [['serve', '--export', join(dir, 'missing-dir')], /--export .*missing-dir/],
      [['serve', '--bogus'], /bogus/],
    ];
    for (const [argv, message] of cases) {
      const io = captureIo();
      expect(await main(argv, io, registry), argv.join(' ')).toBe(2);
      expect(io.stderr).toMatch(message);
    }
  });

  it('--backend sim says the simulated fabric lives inside one process (exit 2)', async () => {
    for (const argv of [
      ['serve', '--transport', 'rdma', '--backend', 'sim', '--listen', '127.0.0.1:0'],
      ['nfs', '--server', '127.0.0.1', '--transport', 'rdma', '--backend', 'sim', 'ls'],
    ]) {
      const io = captureIo();
      expect(await main(argv, io, registry)).toBe(2);
      expect(io.stderr).toMatch(/--backend sim: the simulated RoCE fabric lives inside one process/);
      expect(io.stderr).toMatch(/rdmalab demo/);
    }
  });

  it('a server that is not there is ECONNREFUSED, exit 1', async () => {
    const io = captureIo();
    expect(await main(['nfs', '--server', '127.0.0.1:1', '--mount-port', '1', 'ls'], io, registry)).toBe(1);
    expect(io.stderr).toContain('ECONNREFUSED: cannot reach mountd on 127.0.0.1:1');
  });
});

describe('rdmalab serve --export DIR', () => {
  it('serves a directory on disk; files put there land in it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'rdmalab-export-'));
    writeFileSync(join(root, 'existing.txt'), 'from disk\n');
    const stop = new AbortController();
    const serverIo = captureIo(stop.signal);
    const served = main(
      ['serve', '--listen', '127.0.0.1:0', '--mount-port', '0', '--export', root, '--no-rpcbind'],
      serverIo,
      registry,
    );
    const m = await waitForLine(serverIo, /listening on 127\.0\.0\.1:(\d+), MOUNT also on port (\d+)/);
    const [port, mountPort] = [m[1]!, m[2]!];
    expect(mountPort).not.toBe(port);
    const run = async (...args: string[]) => {
      const io = captureIo();
      const code = await main(
        ['nfs', '--server', `127.0.0.1:${port}`, '--mount-port', mountPort, ...args],
        io,
        registry,
      );
      return { code, out: io.stdout, err: io.stderr };
    };
    expect(await run('cat', '/existing.txt')).toMatchObject({ code: 0, out: 'from disk\n' });
    const local = join(root, '..', `${root.split('/').pop()}-upload.txt`);
    writeFileSync(local, 'to disk\n');
    expect((await run('put', local, '/uploaded.txt')).code).toBe(0);
    expect(readFileSync(join(root, 'uploaded.txt'), 'utf8')).toBe('to disk\n');
    stop.abort();
    expect(await served).toBe(0);
    expect(serverIo.stderr).toMatch(/stopped after \d+ replies/);
  });
});
