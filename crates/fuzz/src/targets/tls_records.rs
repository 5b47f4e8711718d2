//! TLS record layer and handshake parsers (`peel_tls`) without keys: the deframer (with SSLv2
//! ClientHello records and resynchronisation after gaps), the handshake joiner, the ClientHello,
//! ServerHello, Certificate, NewSessionTicket and ClientKeyExchange views, extensions, and the
//! X.509 summary of every certificate (`peel_keys`). ClientHello and ServerHello are checked to
//! re-encode to the bytes they were parsed from.
//!
//! Input: a [`crate::script`] of both directions (as the `tls_session` target).

use peel_keys::CertSummary;
use peel_tls::handshake::{
    encrypted_premaster, Certificate, ClientHello, HandshakeJoiner, HandshakeType, Joined,
    NewSessionTicket, ServerHello,
};
use peel_tls::record::{ContentType, Deframer, Next};
use peel_tls::ProtocolVersion;

use crate::script::{self, Chunk};
use crate::seeds::Seeds;
use crate::{Shape, Target};

/// Tokens of the record and handshake layers.
pub const TLS_DICTIONARY: &[&[u8]] = &[
    &[0x16, 0x03, 0x01],
    &[0x16, 0x03, 0x03],
    &[0x17, 0x03, 0x03],
    &[0x14, 0x03, 0x03, 0x00, 0x01, 0x01],
    &[0x15, 0x03, 0x03, 0x00, 0x02],
    &[0x80, 0x2e, 0x01, 0x03, 0x01],
    &[0x01, 0x00, 0x00],
    &[0x02, 0x00, 0x00],
    &[0x0b, 0x00, 0x00],
    &[0x04, 0x00, 0x00],
    &[0x10, 0x00, 0x01, 0x02],
    &[0x00, 0x2b, 0x00, 0x02, 0x03, 0x04],
    &[0x00, 0x29],
    &[0x00, 0x17, 0x00, 0x00],
    &[0x00, 0x16, 0x00, 0x00],
    &[0x00, 0x23, 0x00, 0x00],
    &[0x13, 0x01],
    &[0x00, 0x2f],
    &[0xc0, 0x30],
    &[0x30, 0x82],
    &[0x7f, 0x14],
    &[0x00, 0x01, 0x00],
    &[0x01, 0x00, 0x01],
];

/// The record/handshake parser target.
pub const TARGET: Target = Target {
    name: "tls_records",
    about: "TLS deframer, handshake joiner, hello/certificate/ticket views, X.509 summary",
    run,
    max_len: 32 * 1024,
    dictionary: TLS_DICTIONARY,
    seeds,
    secret: false,
};

fn seeds(s: &Seeds) -> Vec<Vec<u8>> {
    s.tls_streams.clone()
}

struct Dir {
    deframer: Deframer,
    joiner: HandshakeJoiner,
    version: ProtocolVersion,
}

/// Deframes both directions and parses every handshake message.
pub fn run(data: &[u8]) -> u64 {
    let mut dirs = [0, 1].map(|_| Dir {
        deframer: Deframer::new(),
        joiner: HandshakeJoiner::default(),
        version: ProtocolVersion::TLS1_2,
    });
    let mut shape = Shape::default();
    for (frame, chunk) in script::parse(data).into_iter().enumerate() {
        match chunk {
            Chunk::Data {
                from_initiator,
                bytes,
            } => {
                let d = &mut dirs[usize::from(!from_initiator)];
                d.deframer.push(bytes, frame as u64);
                drain(d, &mut shape);
            }
            Chunk::Gap { from_initiator, .. } => {
                let d = &mut dirs[usize::from(!from_initiator)];
                d.deframer.on_gap();
                d.joiner.clear();
            }
            Chunk::Close { .. } => {}
        }
    }
    shape.0
}

fn drain(d: &mut Dir, shape: &mut Shape) {
    loop {
        let (ct, sslv2, fragment) = match d.deframer.next_record() {
            Next::NeedMore => return,
            Next::Skipped { skipped, .. } => {
                assert!(skipped > 0, "a skip of nothing would loop");
                *shape = shape.num(100);
                continue;
            }
            Next::Record(r) => {
                assert!(
                    r.fragment.len() <= peel_tls::record::MAX_CIPHERTEXT + 2,
                    "record longer than the record layer allows"
                );
                (r.header.content_type, r.sslv2, r.fragment.to_vec())
            }
        };
        *shape = shape.num(u64::from(ct.0));
        if sslv2 {
            if let Ok(ch) = ClientHello::parse_sslv2(&fragment) {
                let _ = (ch.suites(), ch.sni());
                *shape = shape.num(200);
            }
            continue;
        }
        if ct != ContentType::HANDSHAKE {
            continue;
        }
        d.joiner.push(&fragment);
        loop {
            let msg = match d.joiner.next_message() {
                Joined::NeedMore => break,
                Joined::TooLong => {
                    *shape = shape.num(300);
                    break;
                }
                Joined::Message(m) => m,
            };
            *shape = shape.num(1000 + u64::from(msg.typ.0));
            let _ = msg.typ.name();
            message(msg.typ, msg.body, &mut d.version, shape);
        }
    }
}

fn message(typ: HandshakeType, body: &[u8], version: &mut ProtocolVersion, shape: &mut Shape) {
    let ok = match typ {
        HandshakeType::CLIENT_HELLO => ClientHello::parse(body).map(|ch| {
            assert!(
                body.starts_with(&ch.encode()),
                "ClientHello does not re-encode to its bytes"
            );
            let _ = (ch.suites(), ch.sni(), ch.alpn(), ch.session_ticket());
            let _ = ch.extension_iter().count();
        }),
        HandshakeType::SERVER_HELLO => ServerHello::parse(body).map(|sh| {
            assert!(
                body.starts_with(&sh.encode()),
                "ServerHello does not re-encode to its bytes"
            );
            *version = sh.version();
            let _ = (sh.alpn(), sh.extension_iter().count(), version.name());
        }),
        HandshakeType::CERTIFICATE => {
            let c = Certificate::parse(body).or_else(|_| Certificate::parse_tls13(body));
            c.map(|c| {
                for der in &c.chain {
                    if let Ok(s) = CertSummary::from_der(der) {
                        let _ = (s.subject.len(), s.issuer.len(), s.serial.len());
                        *shape = shape.num(400);
                    }
                }
                let _ = c.leaf();
            })
        }
        HandshakeType::NEW_SESSION_TICKET => NewSessionTicket::parse(body)
            .or_else(|_| NewSessionTicket::parse_tls13(body))
            .map(|t| {
                let _ = (t.lifetime, t.ticket.len());
            }),
        HandshakeType::CLIENT_KEY_EXCHANGE => {
            let epms = encrypted_premaster(body, *version);
            assert!(epms.len() <= body.len());
            Ok(())
        }
        _ => Ok(()),
    };
    *shape = shape.num(u64::from(ok.is_ok()));
}
