import type { InjectionToken } from 'tsyringe';

/** The transport's sizing a signaling policy computes its batch from. */
export interface SignalingSizing {
  /** The request limit after device clamping (re_max_requests). */
  readonly maxRequests: number;
  /** The Send Queue depth (max_send_wr). */
  readonly maxSendWr: number;
}

/** One post on the Send Queue: the Send and the FastReg WRs chained before it. */
export interface SendPost {
  /** WRs in this post: 1 (the Send) + chained REG_MR WRs. */
  readonly wrs: number;
  /** The Send-lifetime policy forces a completion for this Send. */
  readonly force: boolean;
}

/** Per-connection signaling state (the kernel's re_send_count). */
export interface SignalCounter {
  /** Whether this post's Send carries IB_SEND_SIGNALED; updates the countdown. */
  signal(post: SendPost): boolean;
  /** The batch this connection was sized with (re_send_batch). */
  readonly batch: number;
}

/**
 * When a Send asks for a completion. Providers such as mlx5 free Send Queue slots only when a
 * signaled completion is reaped, so a transport must signal now and then; each signaled
 * completion retires every earlier unsignaled Send in ring order.
 */
export interface SignalingPolicy {
  readonly name: string;
  /** Fresh state for a new connection (rebuilt on every connect). */
  attach(sizing: SignalingSizing): SignalCounter;
}

export const SIGNALING_POLICY: InjectionToken<SignalingPolicy> = Symbol('rdmalab.xprtrdma.SignalingPolicy');
