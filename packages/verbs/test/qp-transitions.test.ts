import { describe, expect, it } from 'vitest';
import { AccessFlags, checkQpTransition, Mtu, QpState, VerbsError } from '../src/index.js';

const toInit = { state: QpState.INIT, pkeyIndex: 0, port: 1, accessFlags: AccessFlags.REMOTE_READ } as const;
const toRtr = {
  state: QpState.RTR,
  av: { destIp: '10.0.0.2', srcIp: '10.0.0.1' },
  pathMtu: Mtu.MTU_1024,
  destQpNum: 17,
  rqPsn: 0,
  maxDestRdAtomic: 16,
  minRnrTimer: 12,
} as const;
const toRts = {
  state: QpState.RTS,
  sqPsn: 0,
  maxRdAtomic: 0,
  retryCnt: 6,
  rnrRetry: 0,
  timeout: 14,
} as const;

function codeOf(fn: () => void): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof VerbsError) return e.code;
    throw e;
  }
  return undefined;
}

describe('checkQpTransition (RC rows of the modify-QP table)', () => {
  it('accepts RESET -> INIT -> RTR -> RTS with the required attributes', () => {
    expect(() => checkQpTransition(QpState.RESET, toInit)).not.toThrow();
    expect(() => checkQpTransition(QpState.INIT, toRtr)).not.toThrow();
    expect(() => checkQpTransition(QpState.RTR, toRts)).not.toThrow();
  });

  it('rejects skipping a state with EINVAL naming both states', () => {
    expect(() => checkQpTransition(QpState.RESET, toRts)).toThrow(/RESET -> RTS is not allowed/);
    expect(codeOf(() => checkQpTransition(QpState.INIT, toRts))).toBe('EINVAL');
  });

  it('names the missing attribute', () => {
    const { minRnrTimer: _omit, ...withoutTimer } = toRtr;
    expect(() => checkQpTransition(QpState.INIT, withoutTimer)).toThrow(/requires attribute minRnrTimer/);
  });

  it('rejects out-of-range attributes', () => {
    expect(() => checkQpTransition(QpState.RTR, { ...toRts, retryCnt: 8 })).toThrow(
      /retryCnt=8 is outside 0..7/,
    );
    expect(() => checkQpTransition(QpState.RTR, { ...toRts, sqPsn: 1 << 24 })).toThrow(/sqPsn/);
  });

  it('allows any state to go to ERR or RESET, and nothing but RESET out of ERR', () => {
    for (const s of [QpState.RESET, QpState.INIT, QpState.RTR, QpState.RTS, QpState.ERR]) {
      expect(() => checkQpTransition(s, { state: QpState.ERR })).not.toThrow();
      expect(() => checkQpTransition(s, { state: QpState.RESET })).not.toThrow();
    }
    expect(codeOf(() => checkQpTransition(QpState.ERR, toRts))).toBe('EINVAL');
  });
});
