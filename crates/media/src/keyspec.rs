//! `--srtp-key SPEC`: an SRTP master key found elsewhere, for the UDP flows it protects.
//!
//! `[SRC>DST=]SUITE inline:KEY[|LIFETIME][|MKI:LEN]`, where SRC and DST are `ADDR:PORT`
//! (`[V6]:PORT` for IPv6) or `*`; with both omitted the key applies to every flow without a key
//! from SDP.

use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;

use crate::srtp::{MasterKey, Suite};
use crate::Error;

/// One parsed `--srtp-key`.
#[derive(Clone)]
pub struct KeySpec {
    /// Source of the flow, `None` for `*`.
    pub src: Option<SocketAddr>,
    /// Destination of the flow, `None` for `*`.
    pub dst: Option<SocketAddr>,
    /// The master key.
    pub key: MasterKey,
}

impl fmt::Debug for KeySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeySpec")
            .field("src", &self.src)
            .field("dst", &self.dst)
            .field("key", &self.key)
            .finish()
    }
}

impl KeySpec {
    /// Whether this key is for the flow `src -> dst`.
    pub fn matches(&self, src: SocketAddr, dst: SocketAddr) -> bool {
        self.src.is_none_or(|s| s == src) && self.dst.is_none_or(|d| d == dst)
    }

    /// Whether the key applies to the RTCP flow beside an RTP flow it names: the ports one
    /// above (RFC 3550 section 11) of the named ones.
    pub fn matches_rtcp(&self, src: SocketAddr, dst: SocketAddr) -> bool {
        let up = |a: Option<SocketAddr>| {
            a.and_then(|a| Some(SocketAddr::new(a.ip(), a.port().checked_add(1)?)))
        };
        (self.src.is_some() || self.dst.is_some())
            && up(self.src).is_none_or(|s| s == src)
            && up(self.dst).is_none_or(|d| d == dst)
            && (self.src.is_none() || up(self.src).is_some())
            && (self.dst.is_none() || up(self.dst).is_some())
    }

    /// Whether neither address was given (the key for every flow without one).
    pub fn is_wildcard(&self) -> bool {
        self.src.is_none() && self.dst.is_none()
    }
}

/// The text with the key parameter replaced, for error messages.
fn redacted(s: &str) -> String {
    match s.find("inline:") {
        Some(i) => format!("{}inline:<key>", &s[..i]),
        None => s.to_string(),
    }
}

fn endpoint(s: &str) -> Result<Option<SocketAddr>, String> {
    let s = s.trim();
    if s == "*" || s.is_empty() {
        return Ok(None);
    }
    s.parse()
        .map(Some)
        .map_err(|_| format!("{s:?} is not ADDR:PORT or *"))
}

impl FromStr for KeySpec {
    type Err = Error;

    fn from_str(spec: &str) -> Result<KeySpec, Error> {
        let err = |reason: String| Error::KeySpec {
            spec: redacted(spec),
            reason,
        };
        let spec_t = spec.trim();
        // The key's base64 may end in '=': the flow part is only before a '=' that follows '>'.
        let (flow, rest) = match (
            spec_t.find('>'),
            spec_t.find(" inline:").or(spec_t.find("inline:")),
        ) {
            (Some(gt), Some(inl)) if gt < inl => {
                let eq = spec_t[gt..].find('=').map(|i| gt + i).filter(|&e| e < inl);
                match eq {
                    Some(eq) => (Some(&spec_t[..eq]), &spec_t[eq + 1..]),
                    None => return Err(err("SRC>DST must be followed by '='".into())),
                }
            }
            _ => (None, spec_t),
        };
        let (src, dst) = match flow {
            Some(f) => {
                let (s, d) = f
                    .split_once('>')
                    .ok_or_else(|| err("expected SRC>DST".into()))?;
                (endpoint(s).map_err(err)?, endpoint(d).map_err(err)?)
            }
            None => (None, None),
        };
        let (suite_name, params) = rest
            .trim()
            .split_once(char::is_whitespace)
            .ok_or_else(|| err("expected SUITE inline:KEY".into()))?;
        let suite = Suite::from_name(suite_name)
            .ok_or_else(|| Error::UnknownSuite(suite_name.to_string()))?;
        let key = crate::sdp::key_param(suite, params.trim()).map_err(|e| err(e.to_string()))?;
        Ok(KeySpec { src, dst, key })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const K: &str = "aSBrbm93IGFsbCB5b3VyIGxpdHRsZSBzZWNyZXRz";

    #[test]
    fn full_and_wildcard_forms() {
        let s: KeySpec =
            format!("10.1.1.1:10000>10.2.2.2:10000=AES_CM_128_HMAC_SHA1_80 inline:{K}")
                .parse()
                .unwrap();
        let a: SocketAddr = "10.1.1.1:10000".parse().unwrap();
        let b: SocketAddr = "10.2.2.2:10000".parse().unwrap();
        assert!(s.matches(a, b) && !s.matches(b, a));
        assert!(s.matches_rtcp(
            "10.1.1.1:10001".parse().unwrap(),
            "10.2.2.2:10001".parse().unwrap()
        ));
        assert!(!s.is_wildcard());

        let w: KeySpec = format!("AES_CM_128_HMAC_SHA1_32 inline:{K}|2^31|1:1")
            .parse()
            .unwrap();
        assert!(w.is_wildcard() && w.matches(b, a));
        assert_eq!(w.key.mki, Some(vec![1]));
        assert_eq!(w.key.suite(), Suite::AesCm128HmacSha1_32);

        let half: KeySpec = format!("*>[::1]:5004=AES_CM_128_HMAC_SHA1_80 inline:{K}|1:2")
            .parse()
            .unwrap();
        assert!(half.src.is_none());
        assert_eq!(half.dst, Some("[::1]:5004".parse().unwrap()));
        assert_eq!(half.key.mki, Some(vec![0, 1]));
    }

    #[test]
    fn errors_name_the_problem_and_hide_the_key() {
        let e = format!("X_SUITE inline:{K}")
            .parse::<KeySpec>()
            .unwrap_err();
        assert!(matches!(e, Error::UnknownSuite(ref s) if s == "X_SUITE"));
        let e = format!("1.2.3.4>5.6.7.8:9=AES_CM_128_HMAC_SHA1_80 inline:{K}")
            .parse::<KeySpec>()
            .unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("1.2.3.4") && !msg.contains(K), "{msg}");
        let e = "AES_CM_128_HMAC_SHA1_80 inline:AAAA"
            .parse::<KeySpec>()
            .unwrap_err();
        assert!(e.to_string().contains("30"), "{e}");
        assert!("AES_CM_128_HMAC_SHA1_80".parse::<KeySpec>().is_err());
    }
}
