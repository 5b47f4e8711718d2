//! Hex fixtures for the decoder tests, one frame each, annotated by layer.
//!
//! Built with scapy 2.8 (addresses 10.0.0.1 -> 10.0.0.2 inside, 192.0.2.1 -> 192.0.2.2 or
//! 2001:db8:ff::1 -> ::2 for tunnel outers; TCP 40000 -> 443 carrying "hello", UDP 5353 -> 53
//! carrying "query") and checked against TShark 4.0: each decodes there to the layers the tests
//! expect (e.g. `eth:ethertype:ip:gre:erspan:eth:ethertype:vlan:ethertype:ip:tcp:data`), and
//! the reassembled fragment payloads are the bytes `tshark -T fields -e data.data` printed.

/// Link type 1.
pub(crate) const ETH_IPV4_TCP: &str = "
    02 00 00 00 00 02 02 00 00 00 00 01 08 00       # Ethernet
    45 00 00 2d 00 01 00 00 40 06 66 c8 0a 00 00 01 # IP
    0a 00 00 02
    9c 40 01 bb 00 00 03 e8 00 00 07 d0 50 18 02 00 # TCP
    ac 3f 00 00
    68 65 6c 6c 6f                                  # payload
";

/// Link type 1.
pub(crate) const VLAN_IPV4_UDP: &str = "
    02 00 00 00 00 02 02 00 00 00 00 01 81 00       # Ethernet
    60 64 08 00                                     # 802.1Q
    45 00 00 21 00 02 00 00 40 11 66 c8 0a 00 00 01 # IP
    0a 00 00 02
    14 e9 00 35 00 0d 86 cb                         # UDP
    71 75 65 72 79                                  # payload
";

/// Link type 1.
pub(crate) const QINQ_IPV6_TCP: &str = "
    02 00 00 00 00 02 02 00 00 00 00 01 88 a8       # Ethernet
    00 c8 81 00                                     # 802_1AD
    00 64 86 dd                                     # 802.1Q
    60 00 00 00 00 19 06 40 20 01 0d b8 00 00 00 00 # IPv6
    00 00 00 00 00 00 00 01 20 01 0d b8 00 00 00 00
    00 00 00 00 00 00 00 02
    9c 40 01 bb 00 00 03 e8 00 00 07 d0 50 18 02 00 # TCP
    64 cd 00 00
    68 65 6c 6c 6f                                  # payload
";

/// Link type 1.
pub(crate) const QINQ9100_IPV4_TCP: &str = "
    02 00 00 00 00 02 02 00 00 00 00 01 91 00       # Ethernet
    01 2c 81 00                                     # 802.1Q
    00 1e 08 00                                     # 802.1Q
    45 00 00 2d 00 03 00 00 40 06 66 c6 0a 00 00 01 # IP
    0a 00 00 02
    9c 40 01 bb 00 00 03 e8 00 00 07 d0 50 18 02 00 # TCP
    ac 3f 00 00
    68 65 6c 6c 6f                                  # payload
";

/// Link type 1.
pub(crate) const LLC_STP: &str = "
    01 80 c2 00 00 00 02 00 00 00 00 01 00 26       # 802.3
    42 42 03                                        # LLC
    00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 # Spanning Tree Protocol
    00 00 00 00 00 00 00 00 00 00 00 01 00 14 00 02
    00 0f 00
";

/// Link type 1.
pub(crate) const ARP: &str = "
    02 00 00 00 00 02 02 00 00 00 00 01 08 06       # Ethernet
    00 01 08 00 06 04 00 01 02 00 00 00 00 01 0a 00 # ARP
    00 01 00 00 00 00 00 00 0a 00 00 02
";

/// Link type 1.
pub(crate) const ICMP: &str = "
    02 00 00 00 00 02 02 00 00 00 00 01 08 00       # Ethernet
    45 00 00 20 00 04 00 00 40 01 66 d7 0a 00 00 01 # IP
    0a 00 00 02
    08 00 19 2f 00 00 00 00                         # ICMP
    70 69 6e 67                                     # payload
";

/// Link type 1.
pub(crate) const ICMPV6: &str = "
    02 00 00 00 00 02 02 00 00 00 00 01 86 dd       # Ethernet
    60 00 00 00 00 08 3a 40 20 01 0d b8 00 00 00 00 # IPv6
    00 00 00 00 00 00 00 01 20 01 0d b8 00 00 00 00
    00 00 00 00 00 00 00 02
    80 00 24 48 00 00 00 00                         # ICMPv6 Echo Request
";

/// Link type 1.
pub(crate) const IGMP: &str = "
    02 00 00 00 00 02 02 00 00 00 00 01 08 00       # Ethernet
    45 00 00 1c 00 05 00 00 40 02 90 c4 0a 00 00 01 # IP
    e0 00 00 16
    16 00 fa e9 e0 00 00 16                         # payload
";

/// Link type 1.
pub(crate) const IPV6_EXT_TCP: &str = "
    02 00 00 00 00 02 02 00 00 00 00 01 86 dd       # Ethernet
    60 00 00 00 00 41 00 40 20 01 0d b8 00 00 00 00 # IPv6
    00 00 00 00 00 00 00 01 20 01 0d b8 00 00 00 00
    00 00 00 00 00 00 00 02
    2b 00 01 04 00 00 00 00                         # IPv6 Extension Header - Hop-by-Hop Options Header
    3c 02 00 01 00 00 00 00 20 01 0d b8 00 00 00 00 # IPv6 Option Header Routing
    00 00 00 00 00 00 00 03
    06 00 01 04 00 00 00 00                         # IPv6 Extension Header - Destination Options Header
    9c 40 01 bb 00 00 03 e8 00 00 07 d0 50 18 02 00 # TCP
    64 cc 00 00
    68 65 6c 6c 6f                                  # payload
";

/// Link type 113.
pub(crate) const SLL_IPV4_TCP: &str = "
    00 04 00 01 00 06 02 00 00 00 00 01 00 00 08 00 # cooked linux
    45 00 00 2d 00 06 00 00 40 06 66 c3 0a 00 00 01 # IP
    0a 00 00 02
    9c 40 01 bb 00 00 03 e8 00 00 07 d0 50 18 02 00 # TCP
    ac 3f 00 00
    68 65 6c 6c 6f                                  # payload
";

/// Link type 276.
pub(crate) const SLL2_IPV6_UDP: &str = "
    86 dd 00 00 00 00 00 03 00 01 00 06 02 00 00 00 # SLL2
    00 01 00 00
    60 00 00 00 00 0d 11 40 20 01 0d b8 00 00 00 00 # IPv6
    00 00 00 00 00 00 00 01 20 01 0d b8 00 00 00 00
    00 00 00 00 00 00 00 02
    14 e9 00 35 00 0d 3f 59                         # UDP
    71 75 65 72 79                                  # payload
";

/// Link type 0.
pub(crate) const NULL_LE_IPV4_TCP: &str = "
    02 00 00 00                                     # Null, AF_INET little-endian
    45 00 00 2d 00 07 00 00 40 06 66 c2 0a 00 00 01 # IP
    0a 00 00 02
    9c 40 01 bb 00 00 03 e8 00 00 07 d0 50 18 02 00 # TCP
    ac 3f 00 00
    68 65 6c 6c 6f                                  # payload
";

/// Link type 0.
pub(crate) const NULL_BE_IPV6_TCP: &str = "
    00 00 00 1e                                     # Null, AF_INET6 (Darwin, 30) big-endian
    60 00 00 00 00 19 06 40 20 01 0d b8 00 00 00 00 # IPv6
    00 00 00 00 00 00 00 01 20 01 0d b8 00 00 00 00
    00 00 00 00 00 00 00 02
    9c 40 01 bb 00 00 03 e8 00 00 07 d0 50 18 02 00 # TCP
    64 cd 00 00
    68 65 6c 6c 6f                                  # payload
";

/// Link type 108.
pub(crate) const LOOP_IPV6_UDP: &str = "
    00 00 00 18                                     # Loop, AF_INET6 (OpenBSD, 24)
    60 00 00 00 00 0d 11 40 20 01 0d b8 00 00 00 00 # IPv6
    00 00 00 00 00 00 00 01 20 01 0d b8 00 00 00 00
    00 00 00 00 00 00 00 02
    14 e9 00 35 00 0d 3f 59                         # UDP
    71 75 65 72 79                                  # payload
";

/// Link type 101.
pub(crate) const RAW_IPV4_UDP: &str = "
    45 00 00 21 00 08 00 00 40 11 66 c2 0a 00 00 01 # IP
    0a 00 00 02
    14 e9 00 35 00 0d 86 cb                         # UDP
    71 75 65 72 79                                  # payload
";

/// Link type 101.
pub(crate) const RAW_IPV6_TCP: &str = "
    60 00 00 00 00 19 06 40 20 01 0d b8 00 00 00 00 # IPv6
    00 00 00 00 00 00 00 01 20 01 0d b8 00 00 00 00
    00 00 00 00 00 00 00 02
    9c 40 01 bb 00 00 03 e8 00 00 07 d0 50 18 02 00 # TCP
    64 cd 00 00
    68 65 6c 6c 6f                                  # payload
";

/// Link type 228.
pub(crate) const IPV4_LINK_UDP: &str = "
    45 00 00 21 00 09 00 00 40 11 66 c1 0a 00 00 01 # IP
    0a 00 00 02
    14 e9 00 35 00 0d 86 cb                         # UDP
    71 75 65 72 79                                  # payload
";

/// Link type 229.
pub(crate) const IPV6_LINK_UDP: &str = "
    60 00 00 00 00 0d 11 40 20 01 0d b8 00 00 00 00 # IPv6
    00 00 00 00 00 00 00 01 20 01 0d b8 00 00 00 00
    00 00 00 00 00 00 00 02
    14 e9 00 35 00 0d 3f 59                         # UDP
    71 75 65 72 79                                  # payload
";

/// Link type 1.
pub(crate) const GRE_IPV4_TCP: &str = "
    02 00 00 00 00 02 02 00 00 00 00 01 08 00       # Ethernet
    45 00 00 51 00 0a 00 00 40 2f f6 70 c0 00 02 01 # IP
    c0 00 02 02
    b0 00 08 00 5b f0 00 00 00 00 00 2a 00 00 00 07 # GRE
    45 00 00 2d 00 0b 00 00 40 06 66 be 0a 00 00 01 # IP
    0a 00 00 02
    9c 40 01 bb 00 00 03 e8 00 00 07 d0 50 18 02 00 # TCP
    ac 3f 00 00
    68 65 6c 6c 6f                                  # payload
";

/// Link type 1.
pub(crate) const GRE_TEB_ETH_IPV4_UDP: &str = "
    02 00 00 00 00 02 02 00 00 00 00 01 08 00       # Ethernet
    45 00 00 47 00 0c 00 00 40 2f f6 78 c0 00 02 01 # IP
    c0 00 02 02
    00 00 65 58                                     # GRE
    02 00 00 00 00 0b 02 00 00 00 00 0a 08 00       # Ethernet
    45 00 00 21 00 0d 00 00 40 11 66 bd 0a 00 00 01 # IP
    0a 00 00 02
    14 e9 00 35 00 0d 86 cb                         # UDP
    71 75 65 72 79                                  # payload
";

/// Link type 1.
pub(crate) const ERSPAN2_VLAN_IPV4_TCP: &str = "
    02 00 00 00 00 02 02 00 00 00 00 01 08 00       # Ethernet
    45 00 00 63 00 0e 00 00 40 2f f6 5a c0 00 02 01 # IP
    c0 00 02 02
    10 00 88 be 00 00 00 01                         # GRE
    10 0a 00 05 00 00 00 03                         # ERSPAN II
    02 00 00 00 00 0b 02 00 00 00 00 0a 81 00       # Ethernet
    00 0a 08 00                                     # 802.1Q
    45 00 00 2d 00 0f 00 00 40 06 66 ba 0a 00 00 01 # IP
    0a 00 00 02
    9c 40 01 bb 00 00 03 e8 00 00 07 d0 50 18 02 00 # TCP
    ac 3f 00 00
    68 65 6c 6c 6f                                  # payload
";

/// Link type 1.
pub(crate) const ERSPAN3_IPV6_TCP: &str = "
    02 00 00 00 00 02 02 00 00 00 00 01 08 00       # Ethernet
    45 00 00 77 00 10 00 00 40 2f f6 44 c0 00 02 01 # IP
    c0 00 02 02
    10 00 22 eb 00 00 00 02                         # GRE
    20 00 00 06 00 00 00 00 00 00 00 00             # ERSPAN III
    02 00 00 00 00 0b 02 00 00 00 00 0a 86 dd       # Ethernet
    60 00 00 00 00 19 06 40 20 01 0d b8 00 00 00 00 # IPv6
    00 00 00 00 00 00 00 01 20 01 0d b8 00 00 00 00
    00 00 00 00 00 00 00 02
    9c 40 01 bb 00 00 03 e8 00 00 07 d0 50 18 02 00 # TCP
    64 cd 00 00
    68 65 6c 6c 6f                                  # payload
";

/// Link type 1.
pub(crate) const ERSPAN1_IPV4_UDP: &str = "
    02 00 00 00 00 02 02 00 00 00 00 01 08 00       # Ethernet
    45 00 00 47 00 11 00 00 40 2f f6 73 c0 00 02 01 # IP
    c0 00 02 02
    00 00 88 be                                     # GRE
    02 00 00 00 00 0b 02 00 00 00 00 0a 08 00       # Ethernet
    45 00 00 21 00 12 00 00 40 11 66 b8 0a 00 00 01 # IP
    0a 00 00 02
    14 e9 00 35 00 0d 86 cb                         # UDP
    71 75 65 72 79                                  # payload
";

/// Link type 1.
pub(crate) const VXLAN_IPV4_TCP: &str = "
    02 00 00 00 00 02 02 00 00 00 00 01 08 00       # Ethernet
    45 00 00 5f 00 13 00 00 40 11 f6 77 c0 00 02 01 # IP
    c0 00 02 02
    30 39 12 b5 00 4b 66 6e                         # UDP
    08 00 00 00 00 04 d2 00                         # VXLAN
    02 00 00 00 00 0b 02 00 00 00 00 0a 08 00       # Ethernet
    45 00 00 2d 00 14 00 00 40 06 66 b5 0a 00 00 01 # IP
    0a 00 00 02
    9c 40 01 bb 00 00 03 e8 00 00 07 d0 50 18 02 00 # TCP
    ac 3f 00 00
    68 65 6c 6c 6f                                  # payload
";

/// Link type 1.
pub(crate) const IPIP_TCP: &str = "
    02 00 00 00 00 02 02 00 00 00 00 01 08 00       # Ethernet
    45 00 00 41 00 15 00 00 40 04 f6 a0 c0 00 02 01 # IP
    c0 00 02 02
    45 00 00 2d 00 16 00 00 40 06 66 b3 0a 00 00 01 # IP
    0a 00 00 02
    9c 40 01 bb 00 00 03 e8 00 00 07 d0 50 18 02 00 # TCP
    ac 3f 00 00
    68 65 6c 6c 6f                                  # payload
";

/// Link type 1.
pub(crate) const SIXIN4_UDP: &str = "
    02 00 00 00 00 02 02 00 00 00 00 01 08 00       # Ethernet
    45 00 00 49 00 17 00 00 40 29 f6 71 c0 00 02 01 # IP
    c0 00 02 02
    60 00 00 00 00 0d 11 40 20 01 0d b8 00 00 00 00 # IPv6
    00 00 00 00 00 00 00 01 20 01 0d b8 00 00 00 00
    00 00 00 00 00 00 00 02
    14 e9 00 35 00 0d 3f 59                         # UDP
    71 75 65 72 79                                  # payload
";

/// Link type 1.
pub(crate) const IPV4_IN_IPV6_TCP: &str = "
    02 00 00 00 00 02 02 00 00 00 00 01 86 dd       # Ethernet
    60 00 00 00 00 2d 04 40 20 01 0d b8 00 ff 00 00 # IPv6
    00 00 00 00 00 00 00 01 20 01 0d b8 00 ff 00 00
    00 00 00 00 00 00 00 02
    45 00 00 2d 00 18 00 00 40 06 66 b1 0a 00 00 01 # IP
    0a 00 00 02
    9c 40 01 bb 00 00 03 e8 00 00 07 d0 50 18 02 00 # TCP
    ac 3f 00 00
    68 65 6c 6c 6f                                  # payload
";

/// Link type 1.
pub(crate) const IPV6_IN_IPV6_UDP: &str = "
    02 00 00 00 00 02 02 00 00 00 00 01 86 dd       # Ethernet
    60 00 00 00 00 35 29 40 20 01 0d b8 00 ff 00 00 # IPv6
    00 00 00 00 00 00 00 01 20 01 0d b8 00 ff 00 00
    00 00 00 00 00 00 00 02
    60 00 00 00 00 0d 11 40 20 01 0d b8 00 00 00 00 # IPv6
    00 00 00 00 00 00 00 01 20 01 0d b8 00 00 00 00
    00 00 00 00 00 00 00 02
    14 e9 00 35 00 0d 3f 59                         # UDP
    71 75 65 72 79                                  # payload
";

/// Link type 1.
pub(crate) const GRE_IN_IPV6_IPV4_UDP: &str = "
    02 00 00 00 00 02 02 00 00 00 00 01 86 dd       # Ethernet
    60 00 00 00 00 25 2f 40 20 01 0d b8 00 ff 00 00 # IPv6
    00 00 00 00 00 00 00 01 20 01 0d b8 00 ff 00 00
    00 00 00 00 00 00 00 02
    00 00 08 00                                     # GRE
    45 00 00 21 00 19 00 00 40 11 66 b1 0a 00 00 01 # IP
    0a 00 00 02
    14 e9 00 35 00 0d 86 cb                         # UDP
    71 75 65 72 79                                  # payload
";

/// Link type 1.
pub(crate) const FRAG4_0: &str = "
    02 00 00 00 00 02 02 00 00 00 00 01 08 00       # Ethernet
    45 00 00 2c 12 34 20 00 40 11 34 8b 0a 00 00 01 # IP
    0a 00 00 02
    13 88 17 70 00 48 dc 5f 00 01 02 03 04 05 06 07 # payload
    08 09 0a 0b 0c 0d 0e 0f
";

/// Link type 1.
pub(crate) const FRAG4_1: &str = "
    02 00 00 00 00 02 02 00 00 00 00 01 08 00       # Ethernet
    45 00 00 2c 12 34 20 03 40 11 34 88 0a 00 00 01 # IP
    0a 00 00 02
    10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f # payload
    20 21 22 23 24 25 26 27
";

/// Link type 1.
pub(crate) const FRAG4_2: &str = "
    02 00 00 00 00 02 02 00 00 00 00 01 08 00       # Ethernet
    45 00 00 2c 12 34 00 06 40 11 54 85 0a 00 00 01 # IP
    0a 00 00 02
    28 29 2a 2b 2c 2d 2e 2f 30 31 32 33 34 35 36 37 # payload
    38 39 3a 3b 3c 3d 3e 3f
";

/// Link type 1.
pub(crate) const FRAG4_OVERLAP: &str = "
    02 00 00 00 00 02 02 00 00 00 00 01 08 00       # Ethernet
    45 00 00 2c 12 34 20 02 40 11 34 89 0a 00 00 01 # IP
    0a 00 00 02
    ee ee ee ee ee ee ee ee ee ee ee ee ee ee ee ee # payload
    ee ee ee ee ee ee ee ee
";

/// Link type 1.
pub(crate) const FRAG6_0: &str = "
    02 00 00 00 00 02 02 00 00 00 00 01 86 dd       # Ethernet
    60 00 00 00 00 28 2c 40 20 01 0d b8 00 00 00 00 # IPv6
    00 00 00 00 00 00 00 01 20 01 0d b8 00 00 00 00
    00 00 00 00 00 00 00 02
    11 00 00 01 ab cd ef 01                         # IPv6 Extension Header - Fragmentation header
    13 88 17 70 00 6c dc db 00 01 02 03 04 05 06 07 # payload
    08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15 16 17
";

/// Link type 1.
pub(crate) const FRAG6_1: &str = "
    02 00 00 00 00 02 02 00 00 00 00 01 86 dd       # Ethernet
    60 00 00 00 00 28 2c 40 20 01 0d b8 00 00 00 00 # IPv6
    00 00 00 00 00 00 00 01 20 01 0d b8 00 00 00 00
    00 00 00 00 00 00 00 02
    11 00 00 21 ab cd ef 01                         # IPv6 Extension Header - Fragmentation header
    18 19 1a 1b 1c 1d 1e 1f 20 21 22 23 24 25 26 27 # payload
    28 29 2a 2b 2c 2d 2e 2f 30 31 32 33 34 35 36 37
";

/// Link type 1.
pub(crate) const FRAG6_2: &str = "
    02 00 00 00 00 02 02 00 00 00 00 01 86 dd       # Ethernet
    60 00 00 00 00 28 2c 40 20 01 0d b8 00 00 00 00 # IPv6
    00 00 00 00 00 00 00 01 20 01 0d b8 00 00 00 00
    00 00 00 00 00 00 00 02
    11 00 00 41 ab cd ef 01                         # IPv6 Extension Header - Fragmentation header
    38 39 3a 3b 3c 3d 3e 3f 40 41 42 43 44 45 46 47 # payload
    48 49 4a 4b 4c 4d 4e 4f 50 51 52 53 54 55 56 57
";

/// Link type 1.
pub(crate) const FRAG6_3: &str = "
    02 00 00 00 00 02 02 00 00 00 00 01 86 dd       # Ethernet
    60 00 00 00 00 14 2c 40 20 01 0d b8 00 00 00 00 # IPv6
    00 00 00 00 00 00 00 01 20 01 0d b8 00 00 00 00
    00 00 00 00 00 00 00 02
    11 00 00 60 ab cd ef 01                         # IPv6 Extension Header - Fragmentation header
    58 59 5a 5b 5c 5d 5e 5f 60 61 62 63             # payload
";
