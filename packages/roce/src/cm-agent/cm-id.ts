import {
  AccessFlags,
  type CmAddress,
  type CmEvent,
  type CmEventHandler,
  CmEventType,
  type CmId,
  type ConnParams,
  type CreateQpOptions,
  type ProtectionDomain,
  QpState,
  type QueuePair,
  VerbsError,
} from '@rdmalab/verbs';
import type { CmMad } from '../cm/codec.js';
import {
  CMA_REQ_ULP_PRIVATE_DATA_BYTES,
  decodeCmaReqPrivateData,
  encodeCmaReqPrivateData,
  ipServiceId,
} from '../cm/ip-private-data.js';
import {
  CM_PRIVATE_DATA_BYTES,
  type CmDrep,
  type CmDreq,
  type CmMessage,
  type CmPath,
  type CmRej,
  CmRejectReason,
  type CmRep,
  type CmReq,
  type CmRtu,
} from '../cm/messages.js';
import { IB_DEFAULT_PKEY_FULL } from '../wire/constants.js';
import { ipv4ToGid } from '../wire/ip-address.js';
import type { CmAgent } from './cm-agent.js';
import { cmRetryTimeoutNs } from './cm-timing.js';
import type { GsiDevice } from './gsi-device.js';

/** Where a CM id is in its life (a simplification of the IB CM state diagram, IBA 12.9). */
export type CmIdState =
  | 'idle'
  | 'bound'
  | 'route-resolved'
  | 'listening'
  | 'req-sent'
  | 'req-received'
  | 'rep-sent'
  | 'established'
  | 'dreq-sent'
  | 'timewait'
  | 'rejected'
  | 'unreachable'
  | 'destroyed';

/** REJ "message rejected" values (IBA 12.6.7 table 108). */
const REJECTED_REQ = 0;
const REJECTED_REP = 1;

/** rdma_cm's IB LIDs on RoCE are the permissive LID (cm.c, IB_LID_PERMISSIVE). */
const LID_PERMISSIVE = 0xffff;
/** RoCEv2 hop limit rdma_cm puts in the path (IPV6_DEFAULT_HOPLIMIT). */
const ROCE_HOP_LIMIT = 64;
/** QP access rdma_cm grants an RC QP (cma.c cma_init_conn_qp / ib_cm_init_qp_attr). */
const RC_QP_ACCESS = AccessFlags.LOCAL_WRITE | AccessFlags.REMOTE_WRITE | AccessFlags.REMOTE_READ;

const EMPTY = new Uint8Array(0);

interface Peer {
  commId: number;
  qpn: number;
  startingPsn: number;
  responderResources: number;
  initiatorDepth: number;
  retryCount: number;
  rnrRetryCount: number;
  pathMtu: number;
  ackTimeout: number;
}

/**
 * One rdma_cm id of a {@link CmAgent}. Active: resolveRoute → createQp → connect (REQ) → REP → QP
 * RTR+RTS, RTU, ESTABLISHED. Passive: bind → listen → REQ → CONNECT_REQUEST(newId) → newId.createQp →
 * accept (QP RTR+RTS, REP) → RTU → ESTABLISHED. Either side: disconnect → QP ERR, DREQ → DREP →
 * DISCONNECTED on both.
 */
export class AgentCmId implements CmId {
  #state: CmIdState = 'idle';
  #local: CmAddress | undefined;
  #remote: CmAddress | undefined;
  #device: GsiDevice | undefined;
  #qp: QueuePair | undefined;
  #commId = 0;
  #tid = 0n;
  #startingPsn = 0;
  #peer: Peer | undefined;
  #params: Required<Omit<ConnParams, 'privateData'>> = {
    responderResources: 0,
    initiatorDepth: 0,
    retryCount: 7,
    rnrRetryCount: 7,
  };
  /** The last REQ / REP / DREQ / DREP / RTU sent: resent on timeout or on a duplicate from the peer. */
  #lastSent: CmMad | undefined;
  #retries = 0;
  #timer: { cancel(): boolean } | undefined;
  #serviceId = 0n;
  /** The listener this id came from (passive side). */
  #listener: AgentCmId | undefined;

  constructor(
    private readonly agent: CmAgent,
    private readonly handler: CmEventHandler,
  ) {}

  get state(): CmIdState {
    return this.#state;
  }
  get local(): CmAddress | undefined {
    return this.#local;
  }
  get remote(): CmAddress | undefined {
    return this.#remote;
  }
  get device(): GsiDevice | undefined {
    return this.#device;
  }
  get qp(): QueuePair | undefined {
    return this.#qp;
  }
  get listening(): boolean {
    return this.#state === 'listening';
  }
  get serviceId(): bigint {
    return this.#serviceId;
  }

  bind(address: CmAddress): void {
    this.checkAlive('bind');
    if (this.#state !== 'idle') throw new VerbsError('EINVAL', `bind: id is ${this.#state}, not idle`);
    checkAddress('bind', address);
    const device = this.agent.deviceFor(address.ip);
    if (!device) throw new VerbsError('ENODEV', `bind: no local device has address ${address.ip}`);
    this.agent.bind(address, this);
    this.#local = { ...address };
    this.#device = device;
    this.#state = 'bound';
  }

  resolveRoute(destination: CmAddress, source?: string): void {
    this.checkAlive('resolveRoute');
    if (this.#state !== 'idle' && this.#state !== 'bound') {
      throw new VerbsError('EINVAL', `resolveRoute: id is ${this.#state}`);
    }
    checkAddress('resolveRoute destination', destination);
    let device = this.#device;
    if (source !== undefined) {
      device = this.agent.deviceFor(source);
      if (!device) throw new VerbsError('ENODEV', `resolveRoute: no local device has address ${source}`);
    }
    device ??= this.agent.defaultDevice;
    if (!this.#local) {
      this.#local = { ip: device.ip, port: this.agent.ephemeralPort() };
    }
    this.#device = device;
    this.#remote = { ...destination };
    this.#state = 'route-resolved';
  }

  createQp(pd: ProtectionDomain, options: CreateQpOptions): QueuePair {
    this.checkAlive('createQp');
    if (!this.#device)
      throw new VerbsError('EINVAL', 'createQp: resolve a route (or get a CONNECT_REQUEST) first');
    if (this.#qp) throw new VerbsError('EINVAL', `createQp: id already has QP ${this.#qp.qpNum}`);
    const qp = pd.createQp(options);
    try {
      qp.modify({ state: QpState.INIT, pkeyIndex: 0, port: 1, accessFlags: RC_QP_ACCESS });
    } catch (err) {
      qp.destroy();
      throw err;
    }
    this.#qp = qp;
    return qp;
  }

  listen(_backlog?: number): void {
    this.checkAlive('listen');
    if (this.#state !== 'bound' || !this.#local)
      throw new VerbsError('EINVAL', `listen: id is ${this.#state}, not bound`);
    this.#serviceId = ipServiceId(this.#local.port);
    this.#state = 'listening';
  }

  connect(params: ConnParams): void {
    this.checkAlive('connect');
    if (this.#state !== 'route-resolved')
      throw new VerbsError('EINVAL', `connect: id is ${this.#state}, resolve a route first`);
    const qp = this.#qp;
    const device = this.#device!;
    if (!qp) throw new VerbsError('EINVAL', 'connect: create the QP first (createQp)');
    const ulp = params.privateData ?? EMPTY;
    if (ulp.length > CMA_REQ_ULP_PRIVATE_DATA_BYTES) {
      throw new VerbsError(
        'EINVAL',
        `connect: privateData is ${ulp.length} bytes, at most ${CMA_REQ_ULP_PRIVATE_DATA_BYTES}`,
      );
    }
    this.#params = this.resolveParams('connect', params);
    const remote = this.#remote!;
    const local = this.#local!;
    this.#commId = this.agent.allocateCommId(this);
    this.#tid = this.agent.transactionId(this.#commId);
    this.#startingPsn = this.agent.randomPsn();
    this.#serviceId = ipServiceId(remote.port);
    const settings = this.agent.settings;
    const req: CmReq = {
      type: 'REQ',
      localCommId: this.#commId,
      serviceId: this.#serviceId,
      localCaGuid: caGuid(device.ip),
      localQkey: 0,
      localQpn: qp.qpNum,
      responderResources: this.#params.responderResources,
      localEecn: 0,
      initiatorDepth: this.#params.initiatorDepth,
      remoteEecn: 0,
      remoteCmResponseTimeout: settings.responseTimeout,
      transportServiceType: 0,
      endToEndFlowControl: false,
      startingPsn: this.#startingPsn,
      localCmResponseTimeout: settings.responseTimeout,
      retryCount: this.#params.retryCount,
      pkey: IB_DEFAULT_PKEY_FULL,
      pathMtu: settings.pathMtu,
      rdcExists: false,
      rnrRetryCount: this.#params.rnrRetryCount,
      maxCmRetries: settings.maxCmRetries,
      srq: false,
      extendedTransportType: 0,
      primaryPath: path(local.ip, remote.ip, settings.ackTimeout),
      alternatePath: emptyPath(),
      sapSupported: false,
      privateData: encodeCmaReqPrivateData(
        { ipVersion: 4, srcPort: local.port, srcAddress: local.ip, dstAddress: remote.ip },
        ulp,
      ),
    };
    this.#state = 'req-sent';
    this.sendTracked({ transactionId: this.#tid, message: req });
  }

  accept(params: ConnParams): void {
    this.checkAlive('accept');
    if (this.#state !== 'req-received')
      throw new VerbsError('EINVAL', `accept: id is ${this.#state}, not a CONNECT_REQUEST`);
    const qp = this.#qp;
    if (!qp) throw new VerbsError('EINVAL', 'accept: create the QP first (createQp)');
    const data = params.privateData ?? EMPTY;
    if (data.length > CM_PRIVATE_DATA_BYTES.REP) {
      throw new VerbsError(
        'EINVAL',
        `accept: privateData is ${data.length} bytes, at most ${CM_PRIVATE_DATA_BYTES.REP}`,
      );
    }
    const peer = this.#peer!;
    this.#params = this.resolveParams('accept', params);
    // What this side serves is bounded by what the initiator will issue, and vice versa (cma.c / cm.c).
    const responderResources = Math.min(this.#params.responderResources, peer.initiatorDepth);
    const initiatorDepth = Math.min(this.#params.initiatorDepth, peer.responderResources);
    this.#startingPsn = this.agent.randomPsn();
    qp.modify({
      state: QpState.RTR,
      av: { destIp: this.#remote!.ip, srcIp: this.#device!.ip, hopLimit: ROCE_HOP_LIMIT },
      pathMtu: Math.min(peer.pathMtu, this.agent.settings.pathMtu) as QpStateMtu,
      destQpNum: peer.qpn,
      rqPsn: peer.startingPsn,
      maxDestRdAtomic: responderResources,
      minRnrTimer: this.agent.settings.minRnrTimer,
    });
    // Like rdma_accept (cma_accept_ib → cma_modify_qp_rtr, cma_modify_qp_rts): the passive QP is
    // ready to send before the REP leaves, so a server may answer a Call that beats the RTU.
    qp.modify({
      state: QpState.RTS,
      sqPsn: this.#startingPsn,
      maxRdAtomic: initiatorDepth,
      retryCnt: peer.retryCount,
      rnrRetry: peer.rnrRetryCount,
      timeout: peer.ackTimeout,
    });
    const rep: CmRep = {
      type: 'REP',
      localCommId: this.#commId,
      remoteCommId: peer.commId,
      localQkey: 0,
      localQpn: qp.qpNum,
      localEecn: 0,
      startingPsn: this.#startingPsn,
      responderResources,
      initiatorDepth,
      targetAckDelay: 0,
      failoverAccepted: 0,
      endToEndFlowControl: false,
      rnrRetryCount: this.#params.rnrRetryCount,
      srq: false,
      localCaGuid: caGuid(this.#device!.ip),
      privateData: data,
    };
    this.#params.initiatorDepth = initiatorDepth;
    this.#state = 'rep-sent';
    this.sendTracked({ transactionId: this.#tid, message: rep });
  }

  reject(privateData?: Uint8Array): void {
    this.checkAlive('reject');
    if (this.#state !== 'req-received')
      throw new VerbsError('EINVAL', `reject: id is ${this.#state}, not a CONNECT_REQUEST`);
    const data = privateData ?? EMPTY;
    if (data.length > CM_PRIVATE_DATA_BYTES.REJ) {
      throw new VerbsError(
        'EINVAL',
        `reject: privateData is ${data.length} bytes, at most ${CM_PRIVATE_DATA_BYTES.REJ}`,
      );
    }
    this.sendRej(CmRejectReason.CONSUMER_DEFINED, REJECTED_REQ, data);
    this.#state = 'rejected';
    this.forgetConnection();
  }

  disconnect(): void {
    if (this.#state === 'destroyed') return;
    switch (this.#state) {
      case 'established':
      case 'rep-sent': {
        this.moveQpToError();
        const dreq: CmDreq = {
          type: 'DREQ',
          localCommId: this.#commId,
          remoteCommId: this.#peer!.commId,
          remoteQpn: this.#peer!.qpn,
          privateData: EMPTY,
        };
        this.#state = 'dreq-sent';
        this.sendTracked({ transactionId: this.#tid, message: dreq });
        return;
      }
      case 'req-sent':
        // Abandon a connection attempt: tell the peer, as ib_destroy_cm_id does with a REJ (timeout).
        this.sendRej(CmRejectReason.TIMEOUT, REJECTED_REP, EMPTY);
        this.moveQpToError();
        this.#state = 'unreachable';
        this.forgetConnection();
        return;
      default:
        // Not connected (or already disconnecting): nothing on the wire; the QP still stops.
        this.moveQpToError();
    }
  }

  destroy(): void {
    if (this.#state === 'destroyed') return;
    this.disconnect();
    this.cancelTimer();
    if (this.#local && !this.#listener) {
      this.agent.unbind(this.#local, this);
    }
    this.forgetConnection();
    if (this.#qp) {
      try {
        this.#qp.destroy();
      } catch {
        // Already destroyed by its owner: nothing left to release.
      }
      this.#qp = undefined;
    }
    this.#state = 'destroyed';
  }

  // ---- agent → id ----

  /** Whether a MAD from `srcIp` addressed to this id's comm ID really belongs to this connection. */
  acceptsFrom(srcIp: string, message: CmMessage): boolean {
    if (this.#remote?.ip !== srcIp) return false;
    if (message.type === 'REJ' && message.localCommId === 0) return true;
    return this.#peer === undefined || this.#peer.commId === localCommIdOf(message);
  }

  /** A listener got a REQ for its service. */
  receiveReq(device: GsiDevice, srcIp: string, tid: bigint, req: CmReq): void {
    const cma = decodeCmaReqPrivateData(req.privateData);
    if (!cma.ok) {
      const rej = rejFor(req, CmRejectReason.CONSUMER_DEFINED);
      this.agent.send(device, srcIp, { transactionId: tid, message: rej });
      return;
    }
    const id = new AgentCmId(this.agent, this.handler);
    id.#listener = this;
    id.#device = device;
    id.#local = { ip: device.ip, port: this.#local!.port };
    id.#remote = { ip: srcIp, port: cma.value.header.srcPort };
    id.#tid = tid;
    id.#serviceId = req.serviceId;
    id.#commId = this.agent.allocateCommId(id);
    id.#peer = {
      commId: req.localCommId,
      qpn: req.localQpn,
      startingPsn: req.startingPsn,
      responderResources: req.responderResources,
      initiatorDepth: req.initiatorDepth,
      retryCount: req.retryCount,
      rnrRetryCount: req.rnrRetryCount,
      pathMtu: req.pathMtu,
      ackTimeout: req.primaryPath.localAckTimeout,
    };
    id.#state = 'req-received';
    this.agent.rememberPassive(srcIp, req.localCommId, id);
    this.emit({
      type: CmEventType.CONNECT_REQUEST,
      id: this,
      newId: id,
      privateData: cma.value.ulpPrivateData,
      param: {
        responderResources: req.responderResources,
        initiatorDepth: req.initiatorDepth,
        retryCount: req.retryCount,
        rnrRetryCount: req.rnrRetryCount,
      },
    });
  }

  /** The peer resent its REQ: our REP (if any) was lost; resend it. */
  receiveDuplicateReq(): void {
    if (this.#state === 'rep-sent' && this.#lastSent) this.resend();
  }

  receive(message: CmMessage): void {
    switch (message.type) {
      case 'REP':
        this.receiveRep(message);
        return;
      case 'RTU':
        this.receiveRtu(message);
        return;
      case 'REJ':
        this.receiveRej(message);
        return;
      case 'DREQ':
        this.receiveDreq(message);
        return;
      case 'DREP':
        this.receiveDrep(message);
        return;
      default:
        return;
    }
  }

  // ---- message handlers ----

  private receiveRep(rep: CmRep): void {
    if (this.#state === 'established' && this.#peer?.commId === rep.localCommId) {
      // Our RTU was lost and the peer resent its REP: resend the RTU.
      if (this.#lastSent?.message.type === 'RTU')
        this.agent.send(this.#device!, this.#remote!.ip, this.#lastSent, true);
      return;
    }
    if (this.#state !== 'req-sent') return;
    this.cancelTimer();
    this.#peer = {
      commId: rep.localCommId,
      qpn: rep.localQpn,
      startingPsn: rep.startingPsn,
      responderResources: rep.responderResources,
      initiatorDepth: rep.initiatorDepth,
      retryCount: this.#params.retryCount,
      rnrRetryCount: rep.rnrRetryCount,
      pathMtu: this.agent.settings.pathMtu,
      ackTimeout: this.agent.settings.ackTimeout,
    };
    const qp = this.#qp!;
    try {
      qp.modify({
        state: QpState.RTR,
        av: { destIp: this.#remote!.ip, srcIp: this.#device!.ip, hopLimit: ROCE_HOP_LIMIT },
        pathMtu: this.agent.settings.pathMtu,
        destQpNum: rep.localQpn,
        rqPsn: rep.startingPsn,
        maxDestRdAtomic: this.#params.responderResources,
        minRnrTimer: this.agent.settings.minRnrTimer,
      });
      qp.modify({
        state: QpState.RTS,
        sqPsn: this.#startingPsn,
        maxRdAtomic: Math.min(this.#params.initiatorDepth, rep.responderResources),
        retryCnt: this.#params.retryCount,
        rnrRetry: rep.rnrRetryCount,
        timeout: this.agent.settings.ackTimeout,
      });
    } catch (err) {
      this.sendRej(CmRejectReason.NO_QP, REJECTED_REP, EMPTY);
      this.#state = 'unreachable';
      this.forgetConnection();
      this.emit({ type: CmEventType.CONNECT_ERROR, id: this, status: errorCode(err) });
      return;
    }
    const rtu: CmRtu = {
      type: 'RTU',
      localCommId: this.#commId,
      remoteCommId: rep.localCommId,
      privateData: EMPTY,
    };
    this.#lastSent = { transactionId: this.#tid, message: rtu };
    this.agent.send(this.#device!, this.#remote!.ip, this.#lastSent);
    this.#state = 'established';
    this.emit({ type: CmEventType.ESTABLISHED, id: this, privateData: rep.privateData });
  }

  private receiveRtu(rtu: CmRtu): void {
    if (this.#state !== 'rep-sent') return;
    this.cancelTimer();
    this.#lastSent = undefined;
    this.#state = 'established';
    this.emit({ type: CmEventType.ESTABLISHED, id: this, privateData: rtu.privateData });
  }

  private receiveRej(rej: CmRej): void {
    if (this.#state !== 'req-sent' && this.#state !== 'rep-sent') return;
    this.cancelTimer();
    this.#state = 'rejected';
    this.forgetConnection();
    this.emit({ type: CmEventType.REJECTED, id: this, status: rej.reason, privateData: rej.privateData });
  }

  private receiveDreq(dreq: CmDreq): void {
    const reply = (): void => {
      const drep: CmDrep = {
        type: 'DREP',
        localCommId: this.#commId,
        remoteCommId: dreq.localCommId,
        privateData: EMPTY,
      };
      this.#lastSent = { transactionId: this.#tid, message: drep };
      this.agent.send(this.#device!, this.#remote!.ip, this.#lastSent);
    };
    switch (this.#state) {
      case 'established':
      case 'rep-sent':
        this.cancelTimer();
        this.moveQpToError();
        reply();
        this.#state = 'timewait';
        this.emit({ type: CmEventType.DISCONNECTED, id: this });
        return;
      case 'dreq-sent':
        // Both sides disconnected at once: answer, and finish our own disconnect now.
        this.cancelTimer();
        reply();
        this.#state = 'timewait';
        this.emit({ type: CmEventType.DISCONNECTED, id: this });
        return;
      case 'timewait':
        // Our DREP was lost: answer again.
        reply();
        return;
      default:
        return;
    }
  }

  private receiveDrep(_drep: CmDrep): void {
    if (this.#state !== 'dreq-sent') return;
    this.cancelTimer();
    this.#state = 'timewait';
    this.emit({ type: CmEventType.DISCONNECTED, id: this });
  }

  // ---- timers and sending ----

  private sendTracked(mad: CmMad): void {
    this.#lastSent = mad;
    this.#retries = 0;
    this.agent.send(this.#device!, this.#remote!.ip, mad);
    this.armTimer();
  }

  private resend(): void {
    this.agent.send(this.#device!, this.#remote!.ip, this.#lastSent!, true);
  }

  private armTimer(): void {
    this.cancelTimer();
    const { responseTimeout, packetLifetime } = this.agent.settings;
    this.#timer = this.agent.scheduler.setTimer(
      cmRetryTimeoutNs(responseTimeout, packetLifetime),
      () => this.onTimeout(),
      'cm-retry',
    );
  }

  private cancelTimer(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  private onTimeout(): void {
    this.#timer = undefined;
    if (this.#retries < this.agent.settings.maxCmRetries) {
      this.#retries++;
      this.resend();
      this.armTimer();
      return;
    }
    switch (this.#state) {
      case 'req-sent':
      case 'rep-sent':
        // cma.c: IB_CM_REQ_ERROR / IB_CM_REP_ERROR → RDMA_CM_EVENT_UNREACHABLE, status -ETIMEDOUT.
        this.#state = 'unreachable';
        this.forgetConnection();
        this.emit({ type: CmEventType.UNREACHABLE, id: this, status: 'ETIMEDOUT' });
        return;
      case 'dreq-sent':
        // cma.c: IB_CM_DREQ_ERROR → DISCONNECTED with -ETIMEDOUT: the QP is already in ERR.
        this.#state = 'timewait';
        this.emit({ type: CmEventType.DISCONNECTED, id: this, status: 'ETIMEDOUT' });
        return;
      default:
        return;
    }
  }

  private sendRej(reason: number, messageRejected: number, privateData: Uint8Array): void {
    const peer = this.#peer;
    const rej: CmRej = {
      type: 'REJ',
      localCommId: this.#commId,
      remoteCommId: peer?.commId ?? 0,
      messageRejected,
      rejectedInfoLength: 0,
      reason,
      additionalRejectInfo: EMPTY,
      privateData,
    };
    this.cancelTimer();
    this.agent.send(this.#device!, this.#remote!.ip, { transactionId: this.#tid, message: rej });
  }

  private forgetConnection(): void {
    this.cancelTimer();
    if (this.#commId !== 0) this.agent.releaseCommId(this.#commId);
    if (this.#peer && this.#listener && this.#remote) {
      this.agent.forgetPassive(this.#remote.ip, this.#peer.commId, this);
    }
  }

  private moveQpToError(): void {
    const qp = this.#qp;
    if (!qp || qp.state === QpState.ERR || qp.state === QpState.RESET) return;
    try {
      qp.modify({ state: QpState.ERR });
    } catch {
      // A destroyed QP cannot be moved; nothing is left to flush.
    }
  }

  private resolveParams(op: string, params: ConnParams): Required<Omit<ConnParams, 'privateData'>> {
    const attrs = this.#device!.attrs;
    const out = {
      responderResources: params.responderResources ?? Math.min(attrs.maxQpRdAtom, 255),
      initiatorDepth: params.initiatorDepth ?? Math.min(attrs.maxQpInitRdAtom, 255),
      retryCount: params.retryCount ?? 7,
      rnrRetryCount: params.rnrRetryCount ?? 7,
    };
    for (const [name, value, hi] of [
      ['responderResources', out.responderResources, 255],
      ['initiatorDepth', out.initiatorDepth, 255],
      ['retryCount', out.retryCount, 7],
      ['rnrRetryCount', out.rnrRetryCount, 7],
    ] as const) {
      if (!Number.isInteger(value) || value < 0 || value > hi) {
        throw new VerbsError('EINVAL', `${op}: ${name}=${value} is outside 0..${hi}`);
      }
    }
    return out;
  }

  private emit(event: CmEvent): void {
    // Never re-entrant: the handler runs from the scheduler, after the call that caused the event.
    this.agent.scheduler.setTimer(
      0,
      () => {
        const target = event.id as AgentCmId;
        if (target.#state === 'destroyed' && event.type !== CmEventType.CONNECT_REQUEST) return;
        this.handler(event);
      },
      'cm-event',
    );
  }

  private checkAlive(op: string): void {
    if (this.#state === 'destroyed') throw new VerbsError('EINVAL', `${op}: CM id is destroyed`);
  }
}

type QpStateMtu = 1 | 2 | 3 | 4 | 5;

function localCommIdOf(message: CmMessage): number {
  return message.localCommId;
}

function rejFor(req: CmReq, reason: number): CmRej {
  return {
    type: 'REJ',
    localCommId: 0,
    remoteCommId: req.localCommId,
    messageRejected: REJECTED_REQ,
    rejectedInfoLength: 0,
    reason,
    additionalRejectInfo: EMPTY,
    privateData: EMPTY,
  };
}

function checkAddress(op: string, address: CmAddress): void {
  if (!address || typeof address.ip !== 'string' || !/^\d{1,3}(\.\d{1,3}){3}$/.test(address.ip)) {
    throw new VerbsError('EINVAL', `${op}: ip "${String(address?.ip)}" is not an IPv4 address`);
  }
  if (!Number.isInteger(address.port) || address.port < 0 || address.port > 0xffff) {
    throw new VerbsError('EINVAL', `${op}: port ${String(address.port)} is outside 0..65535`);
  }
}

/** A node GUID derived from the IPv4 address (EUI-64 of the MAC 02:00:a:b:c:d), stable across runs. */
function caGuid(ip: string): bigint {
  const [a, b, c, d] = ip.split('.').map(Number) as [number, number, number, number];
  const bytes = [0x00, 0x00, a, 0xff, 0xfe, b, c, d];
  return bytes.reduce((acc, byte) => (acc << 8n) | BigInt(byte), 0n);
}

function path(localIp: string, remoteIp: string, ackTimeout: number): CmPath {
  return {
    localLid: LID_PERMISSIVE,
    remoteLid: LID_PERMISSIVE,
    localGid: ipv4ToGid(localIp),
    remoteGid: ipv4ToGid(remoteIp),
    flowLabel: 0,
    packetRate: 0,
    trafficClass: 0,
    hopLimit: ROCE_HOP_LIMIT,
    sl: 0,
    subnetLocal: false,
    localAckTimeout: ackTimeout,
  };
}

function emptyPath(): CmPath {
  return {
    localLid: 0,
    remoteLid: 0,
    localGid: '::',
    remoteGid: '::',
    flowLabel: 0,
    packetRate: 0,
    trafficClass: 0,
    hopLimit: 0,
    sl: 0,
    subnetLocal: false,
    localAckTimeout: 0,
  };
}

function errorCode(err: unknown): string {
  return err instanceof VerbsError ? err.code : 'EIO';
}
