import type { DeviceAttributes } from '@rdmalab/verbs';

/** Limits a SoftDevice reports unless overridden; the values rxe reports (rxe_param.h). */
export const SOFT_DEVICE_DEFAULT_ATTRS: Readonly<DeviceAttributes> = Object.freeze({
  maxQp: 0x10000,
  maxQpWr: 0x4000,
  maxSendSge: 32,
  maxRecvSge: 32,
  maxCq: 0x4000,
  maxCqe: 0x7fff,
  maxMr: 0x40000,
  maxFastRegPageListLen: 512,
  maxQpRdAtom: 128,
  maxQpInitRdAtom: 128,
  maxInlineData: 400,
  maxMsgSize: 0x80000000,
  localDmaLkey: true,
});
