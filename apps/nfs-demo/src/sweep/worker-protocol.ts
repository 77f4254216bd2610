import type { SeedOutcome } from './run-seed.js';

/** Pool → worker. */
export type WorkerRequest = { readonly type: 'seed'; readonly seed: number } | { readonly type: 'stop' };

/** Worker → pool: one seed's outcome, or the error that kept it from producing one. */
export type WorkerReply =
  | { readonly type: 'outcome'; readonly outcome: SeedOutcome }
  | { readonly type: 'error'; readonly seed: number; readonly message: string };
