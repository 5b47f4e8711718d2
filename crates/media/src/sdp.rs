//! SDP (RFC 8866, formerly RFC 4566) as far as a call's media needs it: connection addresses,
//! media lines, `a=rtpmap`, `a=rtcp` (RFC 3605), `a=rtcp-mux` (RFC 5761), `a=candidate`
//! (RFC 8839, and Lync's older ICE draft form), `a=crypto` (RFC 4568) and Lync's
//! `a=cryptoscale`.
//!
//! Parsing is lenient (unknown lines are skipped, a bad attribute is recorded and skipped) and
//! bounded by [`Limits`]. Key material in `a=crypto` lines becomes [`MasterKey`]s at once, so it
//! is zeroized with them and never kept as text.

use std::net::{IpAddr, SocketAddr};

use crate::srtp::{KeyError, MasterKey, Suite};

/// Caps on what one SDP may make us hold.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Lines read; the rest is ignored and `truncated` set.
    pub max_lines: usize,
    /// Longest line considered; longer ones are skipped.
    pub max_line_len: usize,
    /// Media descriptions kept.
    pub max_media: usize,
    /// Attributes of one kind kept per media (crypto lines, candidates, rtpmaps).
    pub max_per_media: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_lines: 4096,
            max_line_len: 8192,
            max_media: 32,
            max_per_media: 64,
        }
    }
}

/// A parsed session description.
#[derive(Clone, Debug, Default)]
pub struct SessionDescription {
    /// Session-level `c=` address.
    pub connection: Option<IpAddr>,
    /// `o=` session id and version, as written.
    pub origin: Option<(String, String)>,
    /// The `m=` sections, in order.
    pub media: Vec<MediaDescription>,
    /// Whether a limit cut the description short.
    pub truncated: bool,
    /// Lines that did not parse: (line number, why).
    pub problems: Vec<(usize, String)>,
}

/// One `a=rtpmap` (RFC 8866 section 6.6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RtpMap {
    /// Payload type.
    pub payload_type: u8,
    /// Encoding name (`PCMU`, `G722`, `x-msrta`, ...).
    pub encoding: String,
    /// Clock rate in Hz.
    pub clock_rate: u32,
}

/// One ICE candidate (RFC 8839 section 5.1, or the Lync / draft-ietf-mmusic-ice-06 form).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// Component: 1 RTP, 2 RTCP.
    pub component: u32,
    /// Transport (`UDP`, `TCP-PASS`, ...).
    pub transport: String,
    /// Address and port.
    pub addr: SocketAddr,
    /// Candidate type (`host`, `srflx`, `relay`, ...), if given.
    pub typ: Option<String>,
}

/// One `a=crypto` (RFC 4568 section 9.1) or Lync `a=cryptoscale` line.
#[derive(Clone, Debug)]
pub struct Crypto {
    /// The tag (for `a=cryptoscale`, its scale number).
    pub tag: u32,
    /// The suite as written.
    pub suite_name: String,
    /// The suite, if this crate implements it.
    pub suite: Option<Suite>,
    /// The master keys (several `inline:` parameters may be given, told apart by MKI).
    pub keys: Vec<MasterKey>,
    /// Why a key parameter was refused, if one was.
    pub key_error: Option<KeyError>,
    /// Whether this came from Lync's `a=cryptoscale`.
    pub cryptoscale: bool,
    /// Session parameters (`KDR=`, `UNENCRYPTED_SRTP`, ...) as written.
    pub session_params: Vec<String>,
}

/// One `m=` section.
#[derive(Clone, Debug, Default)]
pub struct MediaDescription {
    /// Media type (`audio`, `video`, ...).
    pub media: String,
    /// Port of `m=`.
    pub port: u16,
    /// Transport protocol (`RTP/AVP`, `RTP/SAVP`, `UDP/TLS/RTP/SAVPF`, ...).
    pub proto: String,
    /// Numeric formats (payload types) of `m=`.
    pub payload_types: Vec<u8>,
    /// Media-level `c=` address.
    pub connection: Option<IpAddr>,
    /// `a=rtpmap` lines.
    pub rtpmap: Vec<RtpMap>,
    /// `a=rtcp:PORT [IN IP4 ADDR]`.
    pub rtcp: Option<(u16, Option<IpAddr>)>,
    /// `a=rtcp-mux`.
    pub rtcp_mux: bool,
    /// ICE candidates.
    pub candidates: Vec<Candidate>,
    /// `a=crypto` and `a=cryptoscale` lines.
    pub crypto: Vec<Crypto>,
    /// Whether `a=fingerprint` or `a=setup` appeared (DTLS-SRTP, RFC 5763).
    pub dtls: bool,
}

impl MediaDescription {
    /// Where this side receives RTP: the media `c=` (else the session's) and the `m=` port.
    pub fn rtp_addr(&self, session: &SessionDescription) -> Option<SocketAddr> {
        let ip = self.connection.or(session.connection)?;
        Some(SocketAddr::new(ip, self.port))
    }

    /// Where this side receives RTCP: `a=rtcp`, the RTP port with `a=rtcp-mux`, else port + 1
    /// (RFC 3550 section 11).
    pub fn rtcp_addr(&self, session: &SessionDescription) -> Option<SocketAddr> {
        let ip = self.connection.or(session.connection)?;
        if self.rtcp_mux {
            return Some(SocketAddr::new(ip, self.port));
        }
        match self.rtcp {
            Some((port, addr)) => Some(SocketAddr::new(addr.unwrap_or(ip), port)),
            None => Some(SocketAddr::new(ip, self.port.checked_add(1)?)),
        }
    }

    /// The codec name and clock rate for a payload type: `a=rtpmap`, else the static table.
    pub fn codec(&self, pt: u8) -> Option<(String, u32)> {
        self.rtpmap
            .iter()
            .find(|m| m.payload_type == pt)
            .map(|m| (m.encoding.clone(), m.clock_rate))
            .or_else(|| crate::rtp::static_payload_type(pt).map(|(n, r)| (n.to_string(), r)))
    }

    /// Whether the profile is a secure one (`RTP/SAVP`, `RTP/SAVPF`, `UDP/TLS/RTP/SAVP`...).
    pub fn is_secure(&self) -> bool {
        self.proto.to_ascii_uppercase().contains("SAVP")
    }
}

/// Parses an SDP body. Never fails: what does not parse is recorded in `problems`.
pub fn parse(text: &str, limits: &Limits) -> SessionDescription {
    let mut sd = SessionDescription::default();
    for (n, raw) in text.lines().enumerate() {
        if n >= limits.max_lines {
            sd.truncated = true;
            break;
        }
        let line = raw.trim_end_matches('\r');
        if line.len() > limits.max_line_len {
            sd.problems.push((
                n + 1,
                format!("line longer than {} bytes", limits.max_line_len),
            ));
            continue;
        }
        let Some((kind, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim();
        match kind {
            "o" => {
                let f: Vec<&str> = value.split_whitespace().collect();
                if let (Some(id), Some(ver)) = (f.get(1), f.get(2)) {
                    sd.origin = Some(((*id).to_string(), (*ver).to_string()));
                }
            }
            "c" => {
                let addr = parse_connection(value);
                if addr.is_none() {
                    sd.problems
                        .push((n + 1, "c= address not understood".into()));
                }
                match sd.media.last_mut() {
                    Some(m) => m.connection = addr.or(m.connection),
                    None => sd.connection = addr.or(sd.connection),
                }
            }
            "m" => {
                if sd.media.len() >= limits.max_media {
                    sd.truncated = true;
                    break;
                }
                let f: Vec<&str> = value.split_whitespace().collect();
                let port = f
                    .get(1)
                    .and_then(|p| p.split('/').next())
                    .and_then(|p| p.parse().ok());
                let Some(port) = port else {
                    sd.problems.push((n + 1, "m= port not understood".into()));
                    // Keep a placeholder so attributes are not given to the previous section.
                    sd.media.push(MediaDescription::default());
                    continue;
                };
                sd.media.push(MediaDescription {
                    media: f.first().map_or_else(String::new, |s| (*s).to_string()),
                    port,
                    proto: f.get(2).map_or_else(String::new, |s| (*s).to_string()),
                    payload_types: f
                        .iter()
                        .skip(3)
                        .filter_map(|p| p.parse().ok())
                        .take(limits.max_per_media)
                        .collect(),
                    ..Default::default()
                });
            }
            "a" => {
                let Some(m) = sd.media.last_mut() else {
                    continue;
                };
                if let Err(why) = attribute(m, value, limits) {
                    sd.problems.push((n + 1, why));
                }
            }
            _ => {}
        }
    }
    sd
}

fn parse_connection(value: &str) -> Option<IpAddr> {
    // c=IN IP4 10.0.0.1[/ttl[/count]]
    let f: Vec<&str> = value.split_whitespace().collect();
    let addr = f.get(2)?.split('/').next()?;
    addr.parse().ok()
}

fn attribute(m: &mut MediaDescription, value: &str, limits: &Limits) -> Result<(), String> {
    let (name, arg) = value.split_once(':').unwrap_or((value, ""));
    let full = limits.max_per_media;
    match name.to_ascii_lowercase().as_str() {
        "rtpmap" if m.rtpmap.len() < full => {
            // a=rtpmap:PT ENCODING/RATE[/CHANNELS]
            let (pt, enc) = arg.split_once(' ').ok_or("rtpmap without encoding")?;
            let pt: u8 = pt.trim().parse().map_err(|_| "rtpmap payload type")?;
            let mut e = enc.trim().split('/');
            let encoding = e.next().unwrap_or_default().to_string();
            let clock_rate = e
                .next()
                .and_then(|r| r.parse().ok())
                .ok_or("rtpmap clock rate")?;
            m.rtpmap.push(RtpMap {
                payload_type: pt,
                encoding,
                clock_rate,
            });
        }
        "rtcp" => {
            let f: Vec<&str> = arg.split_whitespace().collect();
            let port = f.first().and_then(|p| p.parse().ok()).ok_or("rtcp port")?;
            let addr = f.get(3).and_then(|a| a.parse().ok());
            m.rtcp = Some((port, addr));
        }
        "rtcp-mux" => m.rtcp_mux = true,
        "fingerprint" | "setup" => m.dtls = true,
        "candidate" if m.candidates.len() < full => m.candidates.push(candidate(arg)?),
        "crypto" if m.crypto.len() < full => m.crypto.push(crypto(arg, false)?),
        "cryptoscale" if m.crypto.len() < full => m.crypto.push(crypto(arg, true)?),
        _ => {}
    }
    Ok(())
}

fn candidate(arg: &str) -> Result<Candidate, String> {
    // RFC 8839: foundation component transport priority address port typ TYPE ...
    // Lync (ICE draft 6): foundation component transport qvalue-or-priority address port
    //   [typ TYPE] ...; the same positions.
    let f: Vec<&str> = arg.split_whitespace().collect();
    let component = f
        .get(1)
        .and_then(|c| c.parse().ok())
        .ok_or("candidate component")?;
    let transport = f.get(2).ok_or("candidate transport")?.to_string();
    let ip: IpAddr = f
        .get(4)
        .and_then(|a| a.parse().ok())
        .ok_or("candidate address")?;
    let port: u16 = f
        .get(5)
        .and_then(|p| p.parse().ok())
        .ok_or("candidate port")?;
    let typ = f
        .iter()
        .position(|w| *w == "typ")
        .and_then(|i| f.get(i + 1))
        .map(|s| (*s).to_string());
    Ok(Candidate {
        component,
        transport,
        addr: SocketAddr::new(ip, port),
        typ,
    })
}

fn crypto(arg: &str, cryptoscale: bool) -> Result<Crypto, String> {
    // a=crypto:TAG SUITE KEY-PARAMS [SESSION-PARAMS]           (RFC 4568 section 9.1)
    // a=cryptoscale:SCALE client|server SUITE KEY-PARAMS        (Lync)
    let mut f = arg.split_whitespace();
    let tag: u32 = f.next().and_then(|t| t.parse().ok()).ok_or("crypto tag")?;
    if cryptoscale {
        f.next();
    }
    let suite_name = f.next().ok_or("crypto suite")?.to_string();
    let suite = Suite::from_name(&suite_name);
    let params = f.next().ok_or("crypto key parameters")?;
    let session_params = f.map(str::to_string).collect();
    let mut keys = Vec::new();
    let mut key_error = None;
    if let Some(suite) = suite {
        for p in params.split(';').take(16) {
            match key_param(suite, p) {
                Ok(k) => keys.push(k),
                Err(e) => key_error = Some(e),
            }
        }
    }
    Ok(Crypto {
        tag,
        suite_name,
        suite,
        keys,
        key_error,
        cryptoscale,
        session_params,
    })
}

/// Parses one key parameter, `inline:KEY[|LIFETIME][|MKI:LEN]` (RFC 4568 section 6.1).
pub fn key_param(suite: Suite, param: &str) -> Result<MasterKey, KeyError> {
    let info = param
        .trim()
        .strip_prefix("inline:")
        .ok_or(KeyError::Base64)?;
    let mut parts = info.split('|');
    let mut key = MasterKey::from_base64(suite, parts.next().unwrap_or_default())?;
    for p in parts.take(2) {
        if let Some((v, l)) = p.split_once(':') {
            let v: u64 = v.trim().parse().map_err(|_| KeyError::Mki)?;
            let l: usize = l.trim().parse().map_err(|_| KeyError::Mki)?;
            key = key.with_mki(v, l)?;
        } else {
            key.lifetime = lifetime(p);
        }
    }
    Ok(key)
}

fn lifetime(s: &str) -> Option<u64> {
    let s = s.trim();
    match s.strip_prefix("2^") {
        Some(e) => e.parse::<u32>().ok().and_then(|e| 1u64.checked_shl(e)),
        None => s.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The INVITE's SDP of corpus case gen-a-lync-sha80-mki (Lync-like; keys from its truth.json).
    const LYNC: &str = "v=0\r\n\
o=- 0 0 IN IP4 127.0.0.1\r\n\
s=session\r\n\
c=IN IP4 127.0.0.1\r\n\
b=CT:99980\r\n\
t=0 0\r\n\
m=audio 50020 RTP/SAVP 0 8 101\r\n\
a=candidate:1 1 UDP 2130706431 127.0.0.1 50020 typ host \r\n\
a=candidate:1 2 UDP 2130705918 127.0.0.1 50021 typ host \r\n\
a=candidate:2 1 TCP-PASS 174455807 192.0.2.9 51000 typ relay raddr 10.0.0.1 rport 51000\r\n\
a=cryptoscale:1 client AES_CM_128_HMAC_SHA1_80 inline:hCCUwM6yqukHpDbPH2Vn4Pea/Sk2hSYYcVIbsOs6|2^31|1:1\r\n\
a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:hCCUwM6yqukHpDbPH2Vn4Pea/Sk2hSYYcVIbsOs6|2^31|1:1\r\n\
a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:hCCUwM6yqukHpDbPH2Vn4Pea/Sk2hSYYcVIbsOs6|2^31\r\n\
a=crypto:4 F8_128_HMAC_SHA1_80 inline:hCCUwM6yqukHpDbPH2Vn4Pea/Sk2hSYYcVIbsOs6\r\n\
a=rtcp:50021\r\n\
a=rtpmap:0 PCMU/8000\r\n\
a=rtpmap:101 telephone-event/8000\r\n\
m=video 0 RTP/AVP 34\r\n\
c=IN IP4 10.9.9.9/127\r\n\
a=rtcp-mux\r\n";

    #[test]
    fn lync_offer() {
        let sd = parse(LYNC, &Limits::default());
        assert!(sd.problems.is_empty(), "{:?}", sd.problems);
        assert_eq!(sd.media.len(), 2);
        let m = &sd.media[0];
        assert_eq!(m.rtp_addr(&sd), Some("127.0.0.1:50020".parse().unwrap()));
        assert_eq!(m.rtcp_addr(&sd), Some("127.0.0.1:50021".parse().unwrap()));
        assert!(m.is_secure());
        assert_eq!(m.payload_types, vec![0, 8, 101]);
        assert_eq!(m.codec(101), Some(("telephone-event".into(), 8000)));
        assert_eq!(m.codec(8), Some(("PCMA".into(), 8000)));
        assert_eq!(m.candidates.len(), 3);
        assert_eq!(m.candidates[2].typ.as_deref(), Some("relay"));
        assert_eq!(m.candidates[2].addr, "192.0.2.9:51000".parse().unwrap());
        assert_eq!(m.crypto.len(), 4);
        let scale = &m.crypto[0];
        assert!(scale.cryptoscale);
        assert_eq!(scale.keys[0].mki, Some(vec![1]));
        let c2 = &m.crypto[1];
        assert_eq!((c2.tag, c2.suite), (2, Some(Suite::AesCm128HmacSha1_80)));
        assert_eq!(c2.keys[0].lifetime, Some(1 << 31));
        assert_eq!(c2.keys[0].mki_len(), 1);
        assert_eq!(m.crypto[2].keys[0].mki, None);
        assert!(m.crypto[3].suite.is_none() && m.crypto[3].keys.is_empty());
        let v = &sd.media[1];
        assert_eq!(v.port, 0);
        assert_eq!(v.connection, Some("10.9.9.9".parse().unwrap()));
        assert_eq!(v.rtcp_addr(&sd), Some("10.9.9.9:0".parse().unwrap()));
        assert!(!v.is_secure());
    }

    #[test]
    fn several_inline_keys_and_bad_ones() {
        let sd = parse(
            "c=IN IP4 1.2.3.4\nm=audio 4000 RTP/SAVP 0\n\
             a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:hCCUwM6yqukHpDbPH2Vn4Pea/Sk2hSYYcVIbsOs6|2^20|1:4;inline:LpxlKyC5CSutqTd8qRsUO4mvlZqa7B7Z37QKbtRA|2^20|2:4 KDR=0\n\
             a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:AAAA\n\
             a=crypto:x\n",
            &Limits::default(),
        );
        let m = &sd.media[0];
        assert_eq!(m.crypto[0].keys.len(), 2);
        assert_eq!(m.crypto[0].keys[1].mki, Some(vec![0, 0, 0, 2]));
        assert_eq!(m.crypto[0].session_params, vec!["KDR=0".to_string()]);
        assert!(m.crypto[1].keys.is_empty());
        assert_eq!(
            m.crypto[1].key_error,
            Some(KeyError::Length { got: 3, want: 30 })
        );
        assert_eq!(sd.problems.len(), 1);
    }

    #[test]
    fn limits_hold() {
        let many = "m=audio 1 RTP/AVP 0\n".repeat(100);
        let sd = parse(&many, &Limits::default());
        assert_eq!(sd.media.len(), 32);
        assert!(sd.truncated);
        let long = format!(
            "m=audio 1 RTP/AVP 0\na=rtpmap:0 {}/8000\n",
            "x".repeat(10000)
        );
        let sd = parse(&long, &Limits::default());
        assert!(sd.media[0].rtpmap.is_empty());
        assert_eq!(sd.problems.len(), 1);
        // Garbage never panics.
        for s in [
            "m=",
            "m=audio",
            "a=crypto:1",
            "c=IN",
            "a=candidate:1 1 UDP 1 ::1",
            "a=rtcp:99999",
        ] {
            let _ = parse(&format!("m=audio 1 RTP/AVP 0\n{s}\n"), &Limits::default());
        }
    }
}
