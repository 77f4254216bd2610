import type { SendPost, SignalCounter, SignalingPolicy, SignalingSizing } from './policy.js';

/**
 * Signal every Send, as nvme-rdma has since 2019 and iSER since 2021.
 *
 * What it gets wrong: nothing; it costs one Send completion per RPC.
 */
export class SignalEverySend implements SignalingPolicy {
  readonly name = 'every-send';
  attach(_sizing: SignalingSizing): SignalCounter {
    return {
      batch: 1,
      signal(_post: SendPost): boolean {
        return true;
      },
    };
  }
}
