import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));

describe('importing the package', () => {
  it('works in a fresh process without the caller loading reflect-metadata', () => {
    // turbo runs this package's build before its tests; run `pnpm build` first when using vitest alone.
    expect(existsSync(dist), `${dist} is missing: build the package first`).toBe(true);
    const r = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', `await import(${JSON.stringify(dist)});`],
      {
        encoding: 'utf8',
      },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
