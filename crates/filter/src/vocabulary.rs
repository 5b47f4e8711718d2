//! The field vocabulary: every name a filter may use, its type, and the Network Monitor spellings
//! that mean the same field. The filter knows names and types only; a [`crate::FieldValues`]
//! implementation (the facade) extracts the values.

/// A field, as an index into the vocabulary. Compare with the constants in [`field`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldId(pub u16);

/// What kind of values a field has, which decides how literals are read and compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FieldType {
    /// A protocol: present or not; its value is the protocol's bytes (possibly empty).
    Protocol,
    /// True or false (`1`/`0`, `true`/`false`).
    Bool,
    /// Unsigned integer.
    UInt,
    /// Floating point (seconds for times).
    Float,
    /// IPv4 address (literals may carry a `/prefix`).
    Ipv4,
    /// IPv6 address (literals may carry a `/prefix`).
    Ipv6,
    /// Ethernet address.
    Ether,
    /// Byte string (`aa:bb:cc` or a quoted string).
    Bytes,
    /// Character string.
    String,
}

/// One entry of the vocabulary.
#[derive(Debug, Clone, Copy)]
pub struct FieldDef {
    /// Wireshark name (`ip.addr`).
    pub name: &'static str,
    /// Value type.
    pub ty: FieldType,
    /// One line for `docs/filters.md` and error hints.
    pub doc: &'static str,
}

impl FieldDef {
    /// The protocol the field belongs to (`tls` for `tls.handshake.type`).
    pub fn protocol(&self) -> &'static str {
        let n = self.name.strip_prefix("peel.").unwrap_or(self.name);
        n.split('.').next().unwrap_or(n)
    }
}

macro_rules! vocabulary {
    ($( $id:ident = $name:literal : $ty:ident, $doc:literal; )*) => {
        #[allow(non_camel_case_types, clippy::upper_case_acronyms, dead_code)]
        #[repr(u16)]
        enum Index { $($id),* }
        /// Constants naming each field of the vocabulary.
        pub mod field {
            use super::{FieldId, Index};
            $(
                #[doc = $doc]
                pub const $id: FieldId = FieldId(Index::$id as u16);
            )*
        }
        /// Every field, in [`FieldId`] order.
        pub static FIELDS: &[FieldDef] = &[
            $( FieldDef { name: $name, ty: FieldType::$ty, doc: $doc } ),*
        ];
    };
}

vocabulary! {
    FRAME = "frame": Protocol, "Every frame";
    FRAME_NUMBER = "frame.number": UInt, "1-based frame number";
    FRAME_LEN = "frame.len": UInt, "Length on the wire";
    FRAME_CAP_LEN = "frame.cap_len": UInt, "Bytes captured";
    FRAME_TIME_RELATIVE = "frame.time_relative": Float, "Seconds since the first frame";
    ETH = "eth": Protocol, "Ethernet";
    ETH_ADDR = "eth.addr": Ether, "Source or destination MAC address";
    ETH_SRC = "eth.src": Ether, "Source MAC address";
    ETH_DST = "eth.dst": Ether, "Destination MAC address";
    ETH_TYPE = "eth.type": UInt, "EtherType";
    VLAN = "vlan": Protocol, "802.1Q VLAN tag";
    VLAN_ID = "vlan.id": UInt, "VLAN identifier";
    ARP = "arp": Protocol, "ARP";
    IP = "ip": Protocol, "IPv4";
    IP_ADDR = "ip.addr": Ipv4, "Source or destination IPv4 address (every IPv4 header of the frame)";
    IP_SRC = "ip.src": Ipv4, "Source IPv4 address";
    IP_DST = "ip.dst": Ipv4, "Destination IPv4 address";
    IP_PROTO = "ip.proto": UInt, "IPv4 protocol number";
    IP_TTL = "ip.ttl": UInt, "IPv4 time to live";
    IP_ID = "ip.id": UInt, "IPv4 identification";
    IP_LEN = "ip.len": UInt, "IPv4 total length";
    IPV6 = "ipv6": Protocol, "IPv6";
    IPV6_ADDR = "ipv6.addr": Ipv6, "Source or destination IPv6 address";
    IPV6_SRC = "ipv6.src": Ipv6, "Source IPv6 address";
    IPV6_DST = "ipv6.dst": Ipv6, "Destination IPv6 address";
    IPV6_NXT = "ipv6.nxt": UInt, "IPv6 next header";
    IPV6_HLIM = "ipv6.hlim": UInt, "IPv6 hop limit";
    ICMP = "icmp": Protocol, "ICMP";
    ICMPV6 = "icmpv6": Protocol, "ICMPv6";
    TCP = "tcp": Protocol, "TCP";
    TCP_PORT = "tcp.port": UInt, "Source or destination TCP port";
    TCP_SRCPORT = "tcp.srcport": UInt, "TCP source port";
    TCP_DSTPORT = "tcp.dstport": UInt, "TCP destination port";
    TCP_STREAM = "tcp.stream": UInt, "TCP conversation number (as Wireshark numbers them)";
    TCP_LEN = "tcp.len": UInt, "TCP payload length";
    TCP_SEQ = "tcp.seq": UInt, "Relative sequence number";
    TCP_ACK = "tcp.ack": UInt, "Relative acknowledgment number";
    TCP_SEQ_RAW = "tcp.seq_raw": UInt, "Sequence number as on the wire";
    TCP_ACK_RAW = "tcp.ack_raw": UInt, "Acknowledgment number as on the wire";
    TCP_FLAGS = "tcp.flags": UInt, "TCP flags (12 bits)";
    TCP_FLAGS_FIN = "tcp.flags.fin": Bool, "FIN flag";
    TCP_FLAGS_SYN = "tcp.flags.syn": Bool, "SYN flag";
    TCP_FLAGS_RESET = "tcp.flags.reset": Bool, "RST flag";
    TCP_FLAGS_PUSH = "tcp.flags.push": Bool, "PSH flag";
    TCP_FLAGS_ACK = "tcp.flags.ack": Bool, "ACK flag";
    TCP_FLAGS_URG = "tcp.flags.urg": Bool, "URG flag";
    TCP_WINDOW_SIZE_VALUE = "tcp.window_size_value": UInt, "Window field as on the wire";
    TCP_PAYLOAD = "tcp.payload": Bytes, "TCP payload bytes";
    UDP = "udp": Protocol, "UDP";
    UDP_PORT = "udp.port": UInt, "Source or destination UDP port";
    UDP_SRCPORT = "udp.srcport": UInt, "UDP source port";
    UDP_DSTPORT = "udp.dstport": UInt, "UDP destination port";
    UDP_STREAM = "udp.stream": UInt, "UDP conversation number";
    UDP_LENGTH = "udp.length": UInt, "UDP length field";
    TLS = "tls": Protocol, "TLS (a record ends in this frame)";
    TLS_RECORD_VERSION = "tls.record.version": UInt, "Record layer version";
    TLS_RECORD_CONTENT_TYPE = "tls.record.content_type": UInt, "Record content type (20 CCS, 21 alert, 22 handshake, 23 application data)";
    TLS_RECORD_OPAQUE_TYPE = "tls.record.opaque_type": UInt, "Outer content type of an encrypted TLS 1.3 record (always 23)";
    TLS_RECORD_LENGTH = "tls.record.length": UInt, "Record length";
    TLS_HANDSHAKE_TYPE = "tls.handshake.type": UInt, "Handshake message type (1 ClientHello, 2 ServerHello, 11 Certificate, ...)";
    TLS_HANDSHAKE_SESSION_ID_LENGTH = "tls.handshake.session_id_length": UInt, "Session ID length in a ClientHello or ServerHello";
    TLS_HANDSHAKE_CIPHERSUITE = "tls.handshake.ciphersuite": UInt, "Cipher suites offered (ClientHello) or chosen (ServerHello)";
    TLS_HANDSHAKE_EXTENSIONS_SERVER_NAME = "tls.handshake.extensions_server_name": String, "Server name (SNI) in a ClientHello";
    TLS_APP_DATA = "tls.app_data": Bytes, "Application data record contents (encrypted)";
    PEEL_TLS_CLIENT_HELLO_SESSION_ID_LENGTH = "peel.tls.client_hello.session_id_length": UInt, "Session ID length of ClientHello messages only";
    PEEL_TLS_SERVER_HELLO_SESSION_ID_LENGTH = "peel.tls.server_hello.session_id_length": UInt, "Session ID length of ServerHello messages only";
    PEEL_IP_CONVERSATION = "peel.ip.conversation": UInt, "IPv4/IPv6 address-pair conversation number (0-based, order of first frame)";
    TLS_HANDSHAKE_CERTIFICATE = "tls.handshake.certificate": Bytes, "A certificate of a Certificate message (DER)";
    TLS_HANDSHAKE_CERTIFICATE_LENGTH = "tls.handshake.certificate_length": UInt, "Length of a certificate of a Certificate message";
    X509AF_SERIAL_NUMBER = "x509af.serialNumber": Bytes, "Certificate serial number (the INTEGER's content bytes, a leading 00 included)";
    X509SAT_PRINTABLE_STRING_CHOICE = "x509sat.printableString": String, "Name attribute (CN, O, OU, L, ST, ...) encoded as PrintableString";
    X509SAT_UTF8_STRING_CHOICE = "x509sat.uTF8String": String, "Name attribute (CN, O, OU, L, ST, ...) encoded as UTF8String";
    X509SAT_TELETEX_STRING_CHOICE = "x509sat.teletexString": String, "Name attribute encoded as TeletexString";
    X509SAT_BMP_STRING_CHOICE = "x509sat.bmpString": String, "Name attribute encoded as BMPString";
    X509SAT_UNIVERSAL_STRING_CHOICE = "x509sat.universalString": String, "Name attribute encoded as UniversalString";
    X509SAT_COUNTRY_NAME = "x509sat.CountryName": String, "Country (C) of a name";
    X509SAT_IA5_STRING = "x509sat.IA5String": String, "emailAddress or domainComponent (DC) of a name";
    X509SAT_PRINTABLE_STRING = "x509sat.PrintableString": String, "serialNumber or dnQualifier attribute of a name";
    X509CE_DNS_NAME = "x509ce.dNSName": String, "DNS name of a GeneralName (subject alternative names, ...)";
    X509CE_RFC822_NAME = "x509ce.rfc822Name": String, "E-mail address of a GeneralName";
    X509CE_URI = "x509ce.uniformResourceIdentifier": String, "URI of a GeneralName (CRL distribution points, authority information access, ...)";
    SIP = "sip": Protocol, "SIP (a message ends in this frame)";
    SIP_METHOD = "sip.Method": String, "SIP request method";
    SIP_R_URI = "sip.r-uri": String, "SIP Request-URI";
    SIP_STATUS_CODE = "sip.Status-Code": UInt, "SIP response status";
    SIP_CALL_ID = "sip.Call-ID": String, "SIP Call-ID";
    SIP_FROM_USER = "sip.from.user": String, "User part of the SIP From URI";
    SIP_TO_USER = "sip.to.user": String, "User part of the SIP To URI";
    SIP_CSEQ_SEQ = "sip.CSeq.seq": UInt, "SIP CSeq sequence number";
    SIP_CSEQ_METHOD = "sip.CSeq.method": String, "SIP CSeq method";
    HTTP = "http": Protocol, "HTTP/1.x (a message ends in this frame)";
    HTTP_REQUEST = "http.request": Bool, "An HTTP request";
    HTTP_RESPONSE = "http.response": Bool, "An HTTP response";
    HTTP_REQUEST_METHOD = "http.request.method": String, "HTTP request method";
    HTTP_REQUEST_URI = "http.request.uri": String, "HTTP request URI";
    HTTP_RESPONSE_CODE = "http.response.code": UInt, "HTTP status code";
    HTTP_HOST = "http.host": String, "HTTP Host header (requests)";
}

/// Network Monitor spellings (matched without regard to case) and the field each means.
pub static NETMON_ALIASES: &[(&str, FieldId)] = &[
    ("Ethernet", field::ETH),
    ("Ethernet.Address", field::ETH_ADDR),
    ("Ethernet.SourceAddress", field::ETH_SRC),
    ("Ethernet.DestinationAddress", field::ETH_DST),
    ("IPv4", field::IP),
    ("IPv4.Address", field::IP_ADDR),
    ("IPv4.SourceAddress", field::IP_SRC),
    ("IPv4.DestinationAddress", field::IP_DST),
    ("IPv4.TimeToLive", field::IP_TTL),
    ("IPv4.Identification", field::IP_ID),
    ("IPv4.NextProtocol", field::IP_PROTO),
    ("IPv6", field::IPV6),
    ("IPv6.Address", field::IPV6_ADDR),
    ("IPv6.SourceAddress", field::IPV6_SRC),
    ("IPv6.DestinationAddress", field::IPV6_DST),
    ("TCP", field::TCP),
    ("TCP.Port", field::TCP_PORT),
    ("TCP.SrcPort", field::TCP_SRCPORT),
    ("TCP.DstPort", field::TCP_DSTPORT),
    ("UDP", field::UDP),
    ("UDP.Port", field::UDP_PORT),
    ("UDP.SrcPort", field::UDP_SRCPORT),
    ("UDP.DstPort", field::UDP_DSTPORT),
    ("TLS", field::TLS),
    ("SSL", field::TLS),
    ("SIP", field::SIP),
    ("HTTP", field::HTTP),
    ("ARP", field::ARP),
    ("ICMP", field::ICMP),
    ("Conversation.TCP.Id", field::TCP_STREAM),
    ("Conversation.UDP.Id", field::UDP_STREAM),
    ("Conversation.IPv4.Id", field::PEEL_IP_CONVERSATION),
    ("Conversation.IPv6.Id", field::PEEL_IP_CONVERSATION),
    (
        "TLS.TlsRecLayer.TlsRecordLayer.ContentType",
        field::TLS_RECORD_CONTENT_TYPE,
    ),
    (
        "TLS.TlsRecLayer.TlsRecordLayer.SSLHandshake.HandShake.HandShakeType",
        field::TLS_HANDSHAKE_TYPE,
    ),
    (
        "TLS.TlsRecLayer.TlsRecordLayer.SSLHandshake.HandShake.ClientHello.SessionIDLength",
        field::PEEL_TLS_CLIENT_HELLO_SESSION_ID_LENGTH,
    ),
    (
        "TLS.TlsRecLayer.TlsRecordLayer.SSLHandshake.HandShake.ServerHello.SessionIDLength",
        field::PEEL_TLS_SERVER_HELLO_SESSION_ID_LENGTH,
    ),
];

/// The definition of a field.
pub fn def(id: FieldId) -> Option<&'static FieldDef> {
    FIELDS.get(usize::from(id.0))
}

/// Looks a name up: a Wireshark name exactly, else a Network Monitor spelling (any case).
pub fn lookup(name: &str) -> Option<FieldId> {
    if let Some(i) = FIELDS.iter().position(|f| f.name == name) {
        return u16::try_from(i).ok().map(FieldId);
    }
    NETMON_ALIASES
        .iter()
        .find(|(a, _)| a.eq_ignore_ascii_case(name))
        .map(|&(_, id)| id)
}

/// Fields that a Network Monitor spelling narrows, and the Wireshark field that holds their values
/// (with others): `ClientHello.SessionIDLength` is `tls.handshake.session_id_length` of a
/// ClientHello.
static WIRESHARK_EQUIVALENTS: &[(FieldId, FieldId)] = &[
    (
        field::PEEL_TLS_CLIENT_HELLO_SESSION_ID_LENGTH,
        field::TLS_HANDSHAKE_SESSION_ID_LENGTH,
    ),
    (
        field::PEEL_TLS_SERVER_HELLO_SESSION_ID_LENGTH,
        field::TLS_HANDSHAKE_SESSION_ID_LENGTH,
    ),
];

/// The Wireshark name of a field: its own, else the wider Wireshark field that holds its values,
/// else none (a peel-only field such as `peel.ip.conversation`).
fn wireshark_name(id: FieldId) -> Option<&'static str> {
    let own = def(id)?.name;
    if !own.starts_with("peel.") {
        return Some(own);
    }
    WIRESHARK_EQUIVALENTS
        .iter()
        .find(|(narrow, _)| *narrow == id)
        .and_then(|(_, wide)| def(*wide))
        .map(|d| d.name)
}

/// Whether the dotted components of `short` appear, in order and whole (without regard to case),
/// among those of `full`, the last one last: `TLS.ClientHello.SessionIDLength` is a shortening of
/// `TLS.TlsRecLayer.TlsRecordLayer.SSLHandshake.HandShake.ClientHello.SessionIDLength`.
fn shortens(short: &str, full: &str) -> bool {
    let (Some(last), Some(full_last)) = (short.rsplit('.').next(), full.rsplit('.').next()) else {
        return false;
    };
    if !last.eq_ignore_ascii_case(full_last) || short.eq_ignore_ascii_case(full) {
        return false;
    }
    let mut parts = full.split('.');
    short
        .split('.')
        .all(|c| !c.is_empty() && parts.any(|p| p.eq_ignore_ascii_case(c)))
}

/// What to suggest for an unknown field name, as the text after "did you mean": when the name's
/// components are a shortening (see [`shortens`]) of Network Monitor paths, each full path and
/// then the Wireshark names of their fields; else of Wireshark names, those; else the closest
/// name by edit distance ([`suggest`]), if one is close enough. Several are joined with "or".
pub fn suggestion(name: &str) -> Option<String> {
    let mut found: Vec<&'static str> = Vec::new();
    let mut wireshark: Vec<&'static str> = Vec::new();
    for &(alias, id) in NETMON_ALIASES.iter().filter(|(a, _)| shortens(name, a)) {
        found.push(alias);
        wireshark.extend(wireshark_name(id));
    }
    let shortened = FIELDS
        .iter()
        .map(|f| f.name)
        .filter(|n| !n.starts_with("peel.") && shortens(name, n));
    for n in wireshark.into_iter().chain(shortened) {
        if !found.contains(&n) {
            found.push(n);
        }
    }
    if found.is_empty() {
        return suggest(name).map(str::to_string);
    }
    Some(found.join(" or "))
}

/// The known name closest to `name`, if one is close enough to be a likely typo.
pub fn suggest(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    let names = FIELDS
        .iter()
        .map(|f| f.name)
        .filter(|n| !n.starts_with("peel."))
        .chain(NETMON_ALIASES.iter().map(|(a, _)| *a));
    let (best, d) = names
        .map(|n| (n, distance(&lower, &n.to_ascii_lowercase())))
        .min_by_key(|&(_, d)| d)?;
    (d <= (name.len() / 3).clamp(1, 3)).then_some(best)
}

/// Levenshtein distance (names are short; a two-row table).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        if let Some(c0) = cur.first_mut() {
            *c0 = i + 1;
        }
        for (j, &cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            if let Some(c) = cur.get_mut(j + 1) {
                *c = sub.min(del).min(ins);
            }
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLIENT_HELLO: &str =
        "TLS.TlsRecLayer.TlsRecordLayer.SSLHandshake.HandShake.ClientHello.SessionIDLength";
    const SERVER_HELLO: &str =
        "TLS.TlsRecLayer.TlsRecordLayer.SSLHandshake.HandShake.ServerHello.SessionIDLength";

    #[test]
    fn a_shortened_netmon_path_gets_the_full_path_and_the_wireshark_name() {
        let want = format!("{CLIENT_HELLO} or tls.handshake.session_id_length");
        for short in [
            "TLS.ClientHello.SessionIDLength",
            "tls.clienthello.sessionidlength",
            "ClientHello.SessionIDLength",
            "TLS.SSLHandshake.ClientHello.SessionIDLength",
            "TLS.HandShake.ClientHello.SessionIDLength",
        ] {
            assert_eq!(lookup(short), None, "{short} is not a known name");
            assert_eq!(suggestion(short).as_deref(), Some(want.as_str()), "{short}");
        }
        // The full path it suggests is accepted, and means the ClientHello field.
        assert_eq!(
            lookup(CLIENT_HELLO),
            Some(field::PEEL_TLS_CLIENT_HELLO_SESSION_ID_LENGTH)
        );
    }

    #[test]
    fn a_shortening_that_fits_several_paths_names_each() {
        assert_eq!(
            suggestion("TLS.SessionIDLength").as_deref(),
            Some(
                format!("{CLIENT_HELLO} or {SERVER_HELLO} or tls.handshake.session_id_length")
                    .as_str()
            )
        );
        assert_eq!(
            suggestion("TLS.TlsRecordLayer.ContentType").as_deref(),
            Some("TLS.TlsRecLayer.TlsRecordLayer.ContentType or tls.record.content_type")
        );
        // A peel-only field has no Wireshark name to add.
        assert_eq!(
            suggestion("Conversation.Id").as_deref(),
            Some(
                "Conversation.TCP.Id or Conversation.UDP.Id or Conversation.IPv4.Id or \
                 Conversation.IPv6.Id or tcp.stream or udp.stream"
            )
        );
    }

    #[test]
    fn shortened_wireshark_names_are_suggested_too() {
        assert_eq!(
            suggestion("tls.session_id_length").as_deref(),
            Some("tls.handshake.session_id_length")
        );
        assert_eq!(suggestion("sip.seq").as_deref(), Some("sip.CSeq.seq"));
        // Components match whole: `Length` is not `session_id_length`.
        assert_eq!(
            suggestion("tls.length").as_deref(),
            Some("tls.record.length")
        );
    }

    #[test]
    fn components_out_of_order_or_a_different_last_one_are_no_shortening() {
        assert!(!shortens("ClientHello.TLS.SessionIDLength", CLIENT_HELLO));
        assert!(!shortens("TLS.ClientHello", CLIENT_HELLO));
        assert!(!shortens("TLS..SessionIDLength", CLIENT_HELLO));
        assert!(
            !shortens(CLIENT_HELLO, CLIENT_HELLO),
            "the name itself is not a shortening"
        );
        assert!(shortens("TLS.ClientHello.SessionIDLength", CLIENT_HELLO));
        assert!(!shortens("TLS.ServerHello.SessionIDLength", CLIENT_HELLO));
    }

    #[test]
    fn typos_still_get_the_closest_name() {
        assert_eq!(suggestion("ip.adr").as_deref(), Some("ip.addr"));
        assert_eq!(
            suggestion("IPv4.SourceAdress").as_deref(),
            Some("IPv4.SourceAddress")
        );
        assert_eq!(suggestion("nothing.like.this"), None);
    }
}
