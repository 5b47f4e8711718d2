//! The detail tree of one frame (`peel frames -V`, `--json --detail`): Frame, link, network and
//! transport headers, and the TLS records that end in the frame with their handshake messages
//! and, for a Certificate message, each certificate (serial as `Cert: 0x...`, subject, issuer,
//! validity, subject alternative names, public key type and size), as tshark's `-V` and Network
//! Monitor's frame details pane show them.
//!
//! Every node names its field as the display-filter vocabulary names it (`ip.src`,
//! `tls.handshake.type`, `x509af.serialNumber`), so what the tree shows can be filtered on, and
//! gives its byte offset and length in the frame. A TLS record that began in an earlier frame
//! has no offset (its bytes are reassembled); its fields are placed relative to the record.
//! Certificates are read by [`peel_keys::CertSummary`] and the X.509 field reader of the display
//! filters: no third X.509 parser.

use serde::Serialize;

use peel_filter::{field, Value};
use peel_wire::{Frame, Layer};

use crate::fields::Record;
use crate::pipeline::FrameView;

/// One node of the tree.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Node {
    /// The display-filter field name (`ip.src`), or empty for a grouping node.
    pub field: String,
    /// What a person reads (`Source Address: 10.0.0.1`).
    pub label: String,
    /// Byte offset in the frame, when the bytes are in this frame.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<usize>,
    /// Length in bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub length: Option<usize>,
    /// Sub-fields.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Node>,
}

impl Node {
    fn new(field: &str, label: impl Into<String>, at: Option<(usize, usize)>) -> Node {
        Node {
            field: field.to_string(),
            label: label.into(),
            offset: at.map(|a| a.0),
            length: at.map(|a| a.1),
            children: Vec::new(),
        }
    }

    fn with(mut self, children: Vec<Node>) -> Node {
        self.children = children;
        self
    }

    /// The tree as indented text lines, tshark `-V` style, with `[field @offset+length]`.
    pub fn write_text(&self, depth: usize, out: &mut String) {
        use std::fmt::Write as _;
        let _ = write!(out, "{:indent$}{}", "", self.label, indent = depth * 4);
        match (self.field.is_empty(), self.offset, self.length) {
            (false, Some(o), Some(l)) => {
                let _ = write!(out, "  [{} @{o}+{l}]", self.field);
            }
            (false, _, Some(l)) => {
                let _ = write!(out, "  [{} +{l}]", self.field);
            }
            (false, _, _) => {
                let _ = write!(out, "  [{}]", self.field);
            }
            _ => {}
        }
        out.push('\n');
        for c in &self.children {
            c.write_text(depth + 1, out);
        }
    }
}

/// Where `part` starts inside `base`, if it is a sub-slice of it.
fn offset_in(base: &[u8], part: &[u8]) -> Option<usize> {
    let o = (part.as_ptr() as usize).checked_sub(base.as_ptr() as usize)?;
    (o.checked_add(part.len())? <= base.len()).then_some(o)
}

/// The tree of one frame; `records` are the TLS records that ended in it (handshake bodies in
/// `record_bytes`), as [`crate::Columns`] followed them.
pub(crate) fn tree(view: &FrameView<'_, '_>, records: &[Record], record_bytes: &[u8]) -> Vec<Node> {
    let rec = view.record;
    let data = view.packet.data;
    let mut out = vec![Node::new(
        "frame",
        format!(
            "Frame {}: {} bytes on wire ({} bits), {} bytes captured",
            rec.frame,
            rec.length,
            u64::from(rec.length) * 8,
            rec.captured_length
        ),
        Some((0, data.len())),
    )
    .with(vec![
        Node::new("frame.number", format!("Frame Number: {}", rec.frame), None),
        Node::new(
            "frame.len",
            format!("Frame Length: {} bytes", rec.length),
            None,
        ),
        Node::new(
            "frame.time_relative",
            format!("Time since first frame: {:.9} seconds", rec.time_relative),
            None,
        ),
    ])];
    let frame = Frame::parse(view.packet.link_type, data);
    let at = |part: &[u8], from: usize, len: usize| {
        offset_in(data, part).map(|o| (o + from, len.min(part.len().saturating_sub(from))))
    };
    let mut tcp_payload_at = None;
    for layer in frame.layers.iter() {
        match layer {
            Layer::Ethernet(e) => {
                let h = e.header();
                out.push(
                    Node::new(
                        "eth",
                        format!("Ethernet II, Src: {}, Dst: {}", e.src(), e.dst()),
                        at(h, 0, h.len()),
                    )
                    .with(vec![
                        Node::new("eth.dst", format!("Destination: {}", e.dst()), at(h, 0, 6)),
                        Node::new("eth.src", format!("Source: {}", e.src()), at(h, 6, 6)),
                        Node::new(
                            "eth.type",
                            format!("Type: 0x{:04x}", e.ethertype().map_or(0, |t| t.0)),
                            at(h, h.len().saturating_sub(2), 2),
                        ),
                    ]),
                );
            }
            Layer::Ipv4(ip) => {
                let h = ip.header();
                out.push(
                    Node::new(
                        "ip",
                        format!(
                            "Internet Protocol Version 4, Src: {}, Dst: {}",
                            ip.src(),
                            ip.dst()
                        ),
                        at(h, 0, h.len()),
                    )
                    .with(vec![
                        Node::new(
                            "ip.len",
                            format!("Total Length: {}", ip.total_length()),
                            at(h, 2, 2),
                        ),
                        Node::new(
                            "ip.id",
                            format!("Identification: 0x{:04x}", ip.id()),
                            at(h, 4, 2),
                        ),
                        Node::new("ip.ttl", format!("Time to Live: {}", ip.ttl()), at(h, 8, 1)),
                        Node::new(
                            "ip.proto",
                            format!("Protocol: {}", ip.protocol().0),
                            at(h, 9, 1),
                        ),
                        Node::new(
                            "ip.src",
                            format!("Source Address: {}", ip.src()),
                            at(h, 12, 4),
                        ),
                        Node::new(
                            "ip.dst",
                            format!("Destination Address: {}", ip.dst()),
                            at(h, 16, 4),
                        ),
                    ]),
                );
            }
            Layer::Ipv6(ip) => {
                let h = ip.header();
                out.push(
                    Node::new(
                        "ipv6",
                        format!(
                            "Internet Protocol Version 6, Src: {}, Dst: {}",
                            ip.src(),
                            ip.dst()
                        ),
                        at(h, 0, h.len()),
                    )
                    .with(vec![
                        Node::new(
                            "ipv6.nxt",
                            format!("Next Header: {}", ip.next_header().0),
                            at(h, 6, 1),
                        ),
                        Node::new(
                            "ipv6.hlim",
                            format!("Hop Limit: {}", ip.hop_limit()),
                            at(h, 7, 1),
                        ),
                        Node::new(
                            "ipv6.src",
                            format!("Source Address: {}", ip.src()),
                            at(h, 8, 16),
                        ),
                        Node::new(
                            "ipv6.dst",
                            format!("Destination Address: {}", ip.dst()),
                            at(h, 24, 16),
                        ),
                    ]),
                );
            }
            Layer::Tcp(t) => {
                let hl = t.header_len();
                let base = t.payload();
                // The header is what precedes the payload.
                let start = offset_in(data, base).and_then(|o| o.checked_sub(hl));
                let h = |from: usize, len: usize| start.map(|s| (s + from, len));
                tcp_payload_at = offset_in(data, base);
                let mut kids = vec![
                    Node::new(
                        "tcp.srcport",
                        format!("Source Port: {}", t.src_port()),
                        h(0, 2),
                    ),
                    Node::new(
                        "tcp.dstport",
                        format!("Destination Port: {}", t.dst_port()),
                        h(2, 2),
                    ),
                ];
                if let Some(s) = rec.tcp_stream {
                    kids.push(Node::new("tcp.stream", format!("Stream index: {s}"), None));
                }
                kids.extend([
                    Node::new(
                        "tcp.seq_raw",
                        format!("Sequence Number (raw): {}", t.seq()),
                        h(4, 4),
                    ),
                    Node::new(
                        "tcp.ack_raw",
                        format!("Acknowledgment number (raw): {}", t.ack()),
                        h(8, 4),
                    ),
                    Node::new("tcp.flags", format!("Flags: [{}]", t.flags()), h(12, 2)),
                    Node::new(
                        "tcp.window_size_value",
                        format!("Window: {}", t.window()),
                        h(14, 2),
                    ),
                    Node::new("tcp.len", format!("TCP Segment Len: {}", base.len()), None),
                ]);
                out.push(
                    Node::new(
                        "tcp",
                        format!(
                            "Transmission Control Protocol, Src Port: {}, Dst Port: {}",
                            t.src_port(),
                            t.dst_port()
                        ),
                        start.map(|s| (s, hl)),
                    )
                    .with(kids),
                );
            }
            Layer::Udp(u) => {
                let h = u.header();
                out.push(
                    Node::new(
                        "udp",
                        format!(
                            "User Datagram Protocol, Src Port: {}, Dst Port: {}",
                            u.src_port(),
                            u.dst_port()
                        ),
                        at(h, 0, h.len()),
                    )
                    .with(vec![
                        Node::new(
                            "udp.srcport",
                            format!("Source Port: {}", u.src_port()),
                            at(h, 0, 2),
                        ),
                        Node::new(
                            "udp.dstport",
                            format!("Destination Port: {}", u.dst_port()),
                            at(h, 2, 2),
                        ),
                        Node::new("udp.length", format!("Length: {}", u.length()), at(h, 4, 2)),
                    ]),
                );
            }
            other => out.push(Node::new(
                &other.name().to_ascii_lowercase(),
                other.name().to_string(),
                None,
            )),
        }
    }
    if !records.is_empty() {
        let placed = place_records(view, records, tcp_payload_at);
        let kids = records
            .iter()
            .zip(placed)
            .map(|(r, at)| record_node(r, at, record_bytes))
            .collect();
        out.push(Node::new("tls", "Transport Layer Security", None).with(kids));
    }
    out
}

/// Offsets in the frame of the records that ended in it: the records whose header and body
/// are all in this segment's payload, found by walking record headers back from its end.
fn place_records(
    view: &FrameView<'_, '_>,
    records: &[Record],
    payload_at: Option<usize>,
) -> Vec<Option<usize>> {
    let mut placed = vec![None; records.len()];
    let (Some(seg), Some(base)) = (view.tcp, payload_at) else {
        return placed;
    };
    // The last record ends at the payload's end; each earlier one right before the next.
    let mut end = seg.payload.len();
    for (slot, r) in placed.iter_mut().zip(records).rev() {
        let Some(start) = end.checked_sub(r.length + 5) else {
            break;
        };
        let header_ok = seg
            .payload
            .get(start..start + 5)
            .is_some_and(|h| h.first() == Some(&r.content_type));
        if !header_ok || r.sslv2_session_id_len.is_some() {
            break;
        }
        *slot = Some(base + start);
        end = start;
    }
    placed
}

fn content_type_name(t: u8) -> &'static str {
    match t {
        20 => "Change Cipher Spec",
        21 => "Alert",
        22 => "Handshake",
        23 => "Application Data",
        24 => "Heartbeat",
        _ => "Unknown",
    }
}

fn record_node(r: &Record, at: Option<usize>, record_bytes: &[u8]) -> Node {
    let version = peel_tls::ProtocolVersion(r.version).name();
    let pos = |from: usize, len: usize| at.map(|a| (a + from, len));
    let mut kids = vec![
        Node::new(
            "tls.record.content_type",
            format!(
                "Content Type: {} ({})",
                content_type_name(r.content_type),
                r.content_type
            ),
            pos(0, 1),
        ),
        Node::new(
            "tls.record.version",
            format!("Version: {version} (0x{:04x})", r.version),
            pos(1, 2),
        ),
        Node::new(
            "tls.record.length",
            format!("Length: {}", r.length),
            pos(3, 2),
        ),
    ];
    if r.content_type == 22 && !r.encrypted {
        let body = record_bytes.get(r.body.clone()).unwrap_or(&[]);
        kids.extend(handshakes(body, at.map(|a| a + 5)));
    }
    let label = format!(
        "{version} Record Layer: {} Protocol",
        content_type_name(r.content_type)
    );
    let whole = at.map(|a| (a, r.length + 5));
    let mut node = Node::new("tls.record", label, whole);
    if at.is_none() {
        node.length = Some(r.length + 5);
        node.label.push_str(" [reassembled]");
    }
    node.with(kids)
}

/// The handshake messages of a record body (RFC 8446 section 4: type, 24-bit length, body).
fn handshakes(body: &[u8], at: Option<usize>) -> Vec<Node> {
    let mut out = Vec::new();
    let mut pos = 0usize;
    while let Some(&[t, a, b, c]) = body.get(pos..pos + 4) {
        let len = usize::from(a) << 16 | usize::from(b) << 8 | usize::from(c);
        let Some(msg) = body.get(pos + 4..pos + 4 + len) else {
            break;
        };
        let here = at.map(|x| x + pos);
        let p = |from: usize, l: usize| here.map(|h| (h + from, l));
        let name = crate::columns::handshake_name(t);
        let mut kids = vec![
            Node::new(
                "tls.handshake.type",
                format!("Handshake Type: {name} ({t})"),
                p(0, 1),
            ),
            Node::new("tls.handshake.length", format!("Length: {len}"), p(1, 3)),
        ];
        if t == 11 {
            kids.extend(certificates(msg, here.map(|h| h + 4)));
        }
        out.push(
            Node::new(
                "tls.handshake",
                format!("Handshake Protocol: {name}"),
                p(0, len + 4),
            )
            .with(kids),
        );
        pos += 4 + len;
    }
    out
}

/// The certificates of a TLS 1.2 Certificate message (RFC 5246 section 7.4.2: a 24-bit list
/// length, then each certificate with a 24-bit length).
fn certificates(msg: &[u8], at: Option<usize>) -> Vec<Node> {
    let u24 = |b: &[u8]| match b {
        [a, b, c, ..] => Some(usize::from(*a) << 16 | usize::from(*b) << 8 | usize::from(*c)),
        _ => None,
    };
    let mut out = Vec::new();
    let Some(total) = u24(msg) else {
        return out;
    };
    out.push(Node::new(
        "tls.handshake.certificates_length",
        format!("Certificates Length: {total}"),
        at.map(|a| (a, 3)),
    ));
    let mut pos = 3usize;
    while let Some(len) = msg.get(pos..).and_then(u24) {
        let Some(der) = msg.get(pos + 3..pos + 3 + len) else {
            break;
        };
        let here = at.map(|a| a + pos + 3);
        out.push(certificate(der, here));
        pos += 3 + len;
    }
    out
}

fn certificate(der: &[u8], at: Option<usize>) -> Node {
    let whole = at.map(|a| (a, der.len()));
    let Ok(c) = peel_keys::CertSummary::from_der(der) else {
        return Node::new(
            "tls.handshake.certificate",
            format!("Certificate ({} bytes, not readable as X.509)", der.len()),
            whole,
        );
    };
    let mut sans = Vec::new();
    crate::fields::x509::certificate(der, field::X509CE_DNS_NAME, &mut |v| {
        if let Value::Str(s) = v {
            sans.push(s.to_string());
        }
        true
    });
    let mut kids = vec![
        Node::new(
            "x509af.serialNumber",
            format!("serialNumber: 0x{}", c.serial_hex),
            None,
        ),
        Node::new("x509af.subject", format!("subject: {}", c.subject), None),
        Node::new("x509af.issuer", format!("issuer: {}", c.issuer), None),
        Node::new(
            "x509af.notBefore",
            format!("notBefore: {}", c.not_before),
            None,
        ),
        Node::new(
            "x509af.notAfter",
            format!("notAfter: {}", c.not_after),
            None,
        ),
        Node::new(
            "x509af.subjectPublicKeyInfo",
            match c.key_bits {
                Some(bits) => format!("subjectPublicKey: {} ({bits} bits)", c.key_algorithm),
                None => format!("subjectPublicKey: {}", c.key_algorithm),
            },
            None,
        ),
    ];
    kids.extend(
        sans.iter()
            .map(|s| Node::new("x509ce.dNSName", format!("dNSName: {s}"), None)),
    );
    Node::new(
        "tls.handshake.certificate",
        format!("Certificate: Cert: 0x{} ({})", c.serial_hex, c.subject),
        whole,
    )
    .with(kids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_only_for_sub_slices() {
        let base = [0u8; 10];
        assert_eq!(offset_in(&base, &base[3..7]), Some(3));
        let other = [0u8; 4];
        assert_eq!(offset_in(&base[..2], &other), None);
    }

    #[test]
    fn handshake_messages_are_listed_with_their_offsets() {
        // ServerHelloDone (empty) after a 2-byte HelloRequest-like body.
        let body = [0u8, 0, 0, 2, 9, 9, 14, 0, 0, 0];
        let nodes = handshakes(&body, Some(100));
        assert_eq!(nodes.len(), 2);
        assert_eq!(nodes[0].offset, Some(100));
        assert_eq!(nodes[1].offset, Some(106));
        assert_eq!(nodes[1].label, "Handshake Protocol: Server Hello Done");
        assert_eq!(nodes[1].children[0].field, "tls.handshake.type");
        let mut text = String::new();
        nodes[1].write_text(0, &mut text);
        assert!(text.starts_with("Handshake Protocol: Server Hello Done  [tls.handshake @106+4]"));
        // A length past the end stops the list.
        assert!(handshakes(&[11, 0, 9, 0], None).is_empty());
    }
}
