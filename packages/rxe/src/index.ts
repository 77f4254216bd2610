export { RxeError, type RxeErrorCode } from './errors.js';
export { ETHERNET_MTU, ibMtuForNetdev, RXE_MAX_HDR_LENGTH, resolvePathMtu } from './host/path-mtu.js';
export { DEFAULT_RXE_MEMORY_PAGES, RxeHost, type RxeHostOptions } from './host/rxe-host.js';
export { ICRC_POLICIES, IcrcCheck, type IcrcPolicy, type IcrcVerdict } from './link/icrc-check.js';
export { Ipv4IdSolver } from './link/ipv4-id-solver.js';
export { type FaultDirection, type LinkFaultRule, LinkFaults } from './link/link-faults.js';
export { RawIpv4Socket } from './link/raw-ipv4-socket.js';
export {
  DEFAULT_RECV_BUFFER_BYTES,
  DEFAULT_SEND_BUFFER_BYTES,
  DEFAULT_TX_BATCH,
  LINK_SENDERS,
  type LinkSender,
  UDP_LINK_COUNTERS,
  UdpLink,
  type UdpLinkOptions,
} from './link/udp-link.js';
export { PageBuffer, patternBytes } from './peer/page-buffer.js';
export { PeerClient, type PeerClientOptions, PeerOperationError } from './peer/peer-client.js';
export {
  ACCEPT_DATA_BYTES,
  decodeAcceptData,
  encodeAcceptData,
  PeerOp,
  type PeerRemoteBuffer,
  peerRequest,
} from './peer/peer-protocol.js';
export { PeerServer, type PeerServerOptions } from './peer/peer-server.js';
export { RXE_PROVIDER_NAME, RxeDeviceProvider, type RxeProviderHostOptions } from './provider.js';
export { createRxeHostContainer, RXE_HOST, RXE_PROVIDER, type RxeOptions, registerRxe } from './register.js';
