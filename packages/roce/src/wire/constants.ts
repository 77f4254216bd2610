/**
 * RoCEv2 numbers, each from the source that defines it.
 * "rxe_hdr.h" = torvalds/linux drivers/infiniband/sw/rxe/rxe_hdr.h; "IBA" = InfiniBand Architecture
 * Specification vol. 1; "ib_pack.h" = include/rdma/ib_pack.h.
 */

/** UDP destination port of RoCEv2 (IBA Annex A17; include/rdma/ib_verbs.h ROCE_V2_UDP_DPORT). */
export const ROCE_V2_UDP_DPORT = 4791;
/** Base of rxe's per-QP UDP source port (rxe.h RXE_ROCE_V2_SPORT): 0xC000 + 14-bit hash of the QPN. */
export const RXE_ROCE_V2_SPORT = 0xc000;

/** Base Transport Header length (IBA 9.2; ib_pack.h IB_BTH_BYTES). */
export const BTH_BYTES = 12;
/** RDMA Extended Transport Header (IBA 9.3.3; ib_pack.h IB_RETH_BYTES). */
export const RETH_BYTES = 16;
/** ACK Extended Transport Header (IBA 9.3.5; ib_pack.h IB_AETH_BYTES). */
export const AETH_BYTES = 4;
/** Datagram Extended Transport Header (IBA 9.3.2; ib_pack.h IB_DETH_BYTES). */
export const DETH_BYTES = 8;
/** Immediate Data header (IBA 9.3.6; ib_pack.h IB_IMM_BYTES). */
export const IMMDT_BYTES = 4;
/** Invalidate Extended Transport Header (IBA 9.3.7; ib_pack.h IB_IETH_BYTES). */
export const IETH_BYTES = 4;
/** Atomic Extended Transport Header (IBA 9.3.4; rxe_hdr.h RXE_ATMETH_BYTES). */
export const ATOMIC_ETH_BYTES = 28;
/** Atomic Acknowledge Extended Transport Header (IBA 9.3.5.3; rxe_hdr.h RXE_ATMACK_BYTES). */
export const ATOMIC_ACK_ETH_BYTES = 8;
/** Reserved bytes after the BTH of a RoCEv2 CNP (IBA Annex A17.9.3; seen in a ConnectX-4 Lx capture). */
export const CNP_RESERVED_BYTES = 16;
/** Invariant CRC trailer (IBA 7.8.1; rxe_icrc.c RXE_ICRC_SIZE). */
export const ICRC_BYTES = 4;

/** Default full-membership partition key; rxe always sends it (ib_verbs.h IB_DEFAULT_PKEY_FULL). */
export const IB_DEFAULT_PKEY_FULL = 0xffff;
/** Transport header version; rxe drops any packet whose TVer is not 0 (IBA 9.2; rxe_recv.c). */
export const BTH_TVER = 0;
/** PSNs are 24-bit and wrap (IBA 9.2; rxe_hdr.h BTH_PSN_MASK). */
export const BTH_PSN_MASK = 0x00ffffff;
/** QPNs are 24-bit (IBA 9.2; rxe_hdr.h BTH_QPN_MASK). */
export const BTH_QPN_MASK = 0x00ffffff;

/** Q_Key of the General Services Interface, QP1 (IBA 13.4.6.1; ib_verbs.h IB_QP1_QKEY / rxe GSI_QKEY). */
export const IB_QP1_QKEY = 0x80010000;
/** QP number of the General Services Interface (IBA 3.5.6). */
export const GSI_QPN = 1;

/** EtherType of IPv4 (IEEE 802 numbers). */
export const ETHERTYPE_IPV4 = 0x0800;
/** EtherType of IPv6 (IEEE 802 numbers). */
export const ETHERTYPE_IPV6 = 0x86dd;
/** EtherType of an IEEE 802.1Q VLAN tag. */
export const ETHERTYPE_VLAN = 0x8100;
/** IP protocol number of UDP (IANA, RFC 768). */
export const IPPROTO_UDP = 17;
/** Ethernet header without VLAN tag (IEEE 802.3). */
export const ETHERNET_HEADER_BYTES = 14;
/** IPv4 header without options (RFC 791). */
export const IPV4_HEADER_BYTES = 20;
/** IPv6 fixed header (RFC 8200). */
export const IPV6_HEADER_BYTES = 40;
/** UDP header (RFC 768). */
export const UDP_HEADER_BYTES = 8;
/** IPv4 flag Don't Fragment, bit 14 of the flags/fragment-offset word; rxe sets it (rxe_net.c prepare_ipv4_hdr). */
export const IPV4_FLAG_DF = 0x4000;
/** IPv4 flag More Fragments (RFC 791). */
export const IPV4_FLAG_MF = 0x2000;
