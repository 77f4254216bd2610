// Sums the per-package vitest JSON reports (test-results/vitest.json) into one closing line.
import fs from 'node:fs';
import path from 'node:path';

const roots = ['packages', 'apps'].filter((d) => fs.existsSync(d));
let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
for (const root of roots) {
  for (const name of fs.readdirSync(root)) {
    const pkgDir = path.join(root, name);
    if (!fs.existsSync(path.join(pkgDir, 'package.json'))) continue;
    const report = path.join(pkgDir, 'test-results', 'vitest.json');
    if (!fs.existsSync(report)) {
      missing.push(pkgDir);
      continue;
    }
    const r = JSON.parse(fs.readFileSync(report, 'utf8'));
    passed += r.numPassedTests ?? 0;
    failed += r.numFailedTests ?? 0;
    skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  }
}
for (const m of missing) console.log(`tests: no report from ${m}`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
