// Compiles native/raw-ipv4.c into dist/native/raw-ipv4.node with the system C compiler, without node-gyp.
// Optional: with no compiler or no Node headers it says so in one line and exits 0 (UdpLink then sends
// through node:dgram), so the package still builds where only Node and npm exist.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'native', 'raw-ipv4.c');
const outDir = join(root, 'dist', 'native');
const output = join(outDir, 'raw-ipv4.node');

/** node_api.h from the `node-api-headers` npm package: works where Node was installed without headers. */
function packagedHeaders() {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('node-api-headers/package.json')), 'include');
  } catch {
    return undefined;
  }
}

function includeDir() {
  const candidates = [
    process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, 'include', 'node'),
    join(dirname(dirname(process.execPath)), 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
    packagedHeaders(),
  ];
  return candidates.find((dir) => dir && existsSync(join(dir, 'node_api.h')));
}

function compiler() {
  for (const cc of [process.env.CC, 'cc', 'gcc', 'clang']) {
    if (!cc) continue;
    try {
      execFileSync(cc, ['--version'], { stdio: 'ignore' });
      return cc;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

const include = includeDir();
const cc = compiler();
if (process.platform !== 'linux' || include === undefined || cc === undefined) {
  const why =
    process.platform !== 'linux'
      ? `platform ${process.platform} is not Linux`
      : cc === undefined
        ? 'no C compiler (cc/gcc/clang)'
        : 'no Node headers (node_api.h)';
  console.log(`@rdmalab/rxe: raw-socket sender unavailable (${why}); links will send through node:dgram`);
  process.exit(0);
}
mkdirSync(outDir, { recursive: true });
try {
  execFileSync(
    cc,
    [
      '-O2',
      '-shared',
      '-fPIC',
      '-Wall',
      '-Wextra',
      '-DNODE_GYP_MODULE_NAME=raw_ipv4',
      `-I${include}`,
      '-o',
      output,
      source,
    ],
    { stdio: 'inherit' },
  );
} catch (error) {
  console.log(
    `@rdmalab/rxe: raw-socket sender unavailable (compile failed: ${error.message}); links will send through node:dgram`,
  );
  process.exit(0);
}
