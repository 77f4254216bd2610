import { QpState, qpStateName } from './constants/qp-state.js';
import { VerbsError } from './errors.js';
import type { QpAttributes } from './queue-pair.js';

type AttrName = Exclude<keyof QpAttributes, 'state'>;

/**
 * The RC rows of the modify-QP table (IBA 10.3.1; ibv_modify_qp(3)): which transitions exist and
 * which attributes each requires. Every backend validates `modify` with {@link checkQpTransition}, so
 * they agree on what is EINVAL.
 */
const transitions: ReadonlyMap<QpState, ReadonlyMap<QpState, readonly AttrName[]>> = new Map([
  [
    QpState.RESET,
    new Map<QpState, readonly AttrName[]>([
      [QpState.RESET, []],
      [QpState.INIT, ['pkeyIndex', 'port', 'accessFlags']],
    ]),
  ],
  [
    QpState.INIT,
    new Map<QpState, readonly AttrName[]>([
      [QpState.INIT, []],
      [QpState.RTR, ['av', 'pathMtu', 'destQpNum', 'rqPsn', 'maxDestRdAtomic', 'minRnrTimer']],
    ]),
  ],
  [
    QpState.RTR,
    new Map<QpState, readonly AttrName[]>([
      [QpState.RTS, ['sqPsn', 'maxRdAtomic', 'retryCnt', 'rnrRetry', 'timeout']],
    ]),
  ],
  [
    QpState.RTS,
    new Map<QpState, readonly AttrName[]>([
      [QpState.RTS, []],
      [QpState.SQD, []],
    ]),
  ],
  [
    QpState.SQD,
    new Map<QpState, readonly AttrName[]>([
      [QpState.RTS, []],
      [QpState.SQD, []],
    ]),
  ],
  [QpState.SQE, new Map<QpState, readonly AttrName[]>([[QpState.RTS, []]])],
  [QpState.ERR, new Map<QpState, readonly AttrName[]>()],
]);

const ranges: Partial<Record<AttrName, readonly [number, number]>> = {
  rqPsn: [0, 0xffffff],
  sqPsn: [0, 0xffffff],
  destQpNum: [1, 0xffffff],
  retryCnt: [0, 7],
  rnrRetry: [0, 7],
  timeout: [0, 31],
  minRnrTimer: [0, 31],
  pathMtu: [1, 5],
  maxDestRdAtomic: [0, 255],
  maxRdAtomic: [0, 255],
  pkeyIndex: [0, 0xffff],
  port: [1, 255],
};

/**
 * Validate a modify-QP request from `current`. Any state may go to RESET or ERR. Throws VerbsError
 * EINVAL naming the transition, the missing attribute, or the attribute out of range.
 */
export function checkQpTransition(current: QpState, attrs: Partial<QpAttributes> & { state: QpState }): void {
  const target = attrs.state;
  for (const [name, [lo, hi]] of Object.entries(ranges) as [AttrName, readonly [number, number]][]) {
    const value = attrs[name];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < lo || value > hi) {
      throw new VerbsError('EINVAL', `modify QP: attribute ${name}=${String(value)} is outside ${lo}..${hi}`);
    }
  }
  if (target === QpState.RESET || target === QpState.ERR) return;
  const row = transitions.get(current);
  const required = row?.get(target);
  if (!required) {
    throw new VerbsError(
      'EINVAL',
      `modify QP: transition ${qpStateName(current)} -> ${qpStateName(target)} is not allowed for an RC QP`,
    );
  }
  for (const name of required) {
    if (attrs[name] === undefined) {
      throw new VerbsError(
        'EINVAL',
        `modify QP: ${qpStateName(current)} -> ${qpStateName(target)} requires attribute ${name}`,
      );
    }
  }
}
