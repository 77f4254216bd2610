export { type CmDecodeReason, type CmMad, type DecodedCmMad, decodeCmMad, encodeCmMad } from './cm/codec.js';
export { cmMadFromPacket, cmMadPacket, type GsiDecodeReason } from './cm/gsi.js';
export {
  CMA_HDR_BYTES,
  CMA_REQ_ULP_PRIVATE_DATA_BYTES,
  CMA_VERSION,
  type CmaDecodeReason,
  type CmaIpHeader,
  type DecodedCmaPrivateData,
  decodeCmaReqPrivateData,
  encodeCmaReqPrivateData,
  ipServiceId,
  parseIpServiceId,
  RdmaPortSpace,
} from './cm/ip-private-data.js';
export {
  CmAttributeId,
  type CmMessageType,
  IB_CM_CLASS_VERSION,
  IB_MGMT_BASE_VERSION,
  IB_MGMT_CLASS_CM,
  MAD_BYTES,
  MAD_DATA_BYTES,
  MAD_HEADER_BYTES,
  type MadHeader,
  MadMethod,
} from './cm/mad-header.js';
export {
  CM_PRIVATE_DATA_BYTES,
  type CmDrep,
  type CmDreq,
  type CmMessage,
  type CmMra,
  type CmPath,
  type CmRej,
  CmRejectReason,
  type CmRep,
  type CmReq,
  type CmRtu,
} from './cm/messages.js';
export * from './cm-agent/index.js';
export * from './engine-index.js';
export {
  LINKTYPE_ETHERNET,
  PCAP_DEFAULT_SNAPLEN,
  PCAP_MAGIC_MICROSECONDS,
  PCAP_MAGIC_NANOSECONDS,
} from './pcap/format.js';
export { type PcapDecodeReason, type PcapFile, type PcapRecord, readPcap } from './pcap/reader.js';
export { PcapWriter, type PcapWriterOptions, writePcap } from './pcap/writer.js';
export {
  AETH_ACK_UNLIMITED,
  type AethMeaning,
  AethNakCode,
  type AethNakName,
  AethSyndrome,
  ackSyndrome,
  classifyAeth,
  nakSyndrome,
  RNR_TIMER_MICROS,
  rnrNakSyndrome,
} from './wire/aeth.js';
export * from './wire/constants.js';
export {
  type DecodeFailure,
  type DecodeResult,
  type DecodeSuccess,
  RoceDecodeError,
  RoceEncodeError,
  type RoceEncodeErrorCode,
  unwrapDecode,
  type WireDecodeReason,
} from './wire/errors.js';
export {
  type DecodedFrame,
  type DecodeFrameOptions,
  decodeFrame,
  encodeFrame,
  type FrameInit,
} from './wire/frame.js';
export { computeIcrc } from './wire/icrc.js';
export {
  formatIpv4,
  formatIpv6,
  formatMac,
  ipv4ToGid,
  parseGid,
  parseIpv4,
  parseIpv6,
  parseMac,
} from './wire/ip-address.js';
export type { IpInfo, Ipv4Info, Ipv6Info } from './wire/ip-headers.js';
export {
  EXT_HEADER_BYTES,
  type ExtHeader,
  OPCODES,
  Opcode,
  type OpcodeInfo,
  type OpcodeName,
  type Operation,
  opcodeInfo,
  type Position,
  SEGMENT_OPCODES,
  type SegmentedMessage,
  segmentOpcode,
  segmentPosition,
} from './wire/opcodes.js';
export {
  type Aeth,
  type AtomicAckEth,
  type AtomicEth,
  type Bth,
  type BthInit,
  type Deth,
  makeBth,
  type Reth,
  type RocePacket,
} from './wire/packet.js';
export {
  IB_MAX_MESSAGE_BYTES,
  IbMtu,
  mtuBytes,
  mtuFromBytes,
  padCount,
  segment,
  segmentCount,
} from './wire/segment.js';
export { MAX_PAYLOAD_BYTES } from './wire/transport.js';
export {
  type DecodedUdpPayload,
  type DecodeUdpPayloadOptions,
  decodeUdpPayload,
  type EncodeOptions,
  encodeUdpPayload,
  udpPayloadLength,
} from './wire/udp-payload.js';
export { GOLDEN_RATIO_32, hash32, rxeUdpSourcePort } from './wire/udp-source-port.js';
