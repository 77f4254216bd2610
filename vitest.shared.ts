import { defineConfig } from 'vitest/config';

/**
 * Shared by every package's vitest.config.ts.
 * - Tests resolve sibling packages to their TypeScript sources through the `@rdmalab/source`
 *   export condition, so a test never runs against a stale dist/.
 * - tsyringe's parameter decorators need legacy decorators in Oxc (Vite 8's compiler).
 */
export const sharedConfig = defineConfig({
  oxc: { decorator: { legacy: true } },
  resolve: { conditions: ['@rdmalab/source'] },
  ssr: { resolve: { conditions: ['@rdmalab/source'] } },
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    benchmark: { include: ['bench/**/*.bench.ts'] },
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
