//! Field values as the facade hands them over, and literals as the compiler reads them.

use std::cmp::Ordering;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::vocabulary::FieldId;

/// One value of a field in one frame, borrowed from the frame where it can be.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Value<'a> {
    /// A protocol is present; its bytes (may be empty when not known).
    Protocol(&'a [u8]),
    /// Boolean.
    Bool(bool),
    /// Unsigned integer.
    UInt(u64),
    /// Floating point.
    Float(f64),
    /// IPv4 address.
    Ipv4(Ipv4Addr),
    /// IPv6 address.
    Ipv6(Ipv6Addr),
    /// Ethernet address.
    Ether([u8; 6]),
    /// Bytes.
    Bytes(&'a [u8]),
    /// Text.
    Str(&'a str),
}

/// Where a filter gets field values from: the facade implements it for one frame.
///
/// A visitor rather than a returned list, so evaluation allocates nothing: `visit` is called
/// with each value of `field` present in the frame, in protocol-tree order, and returns `false`
/// to stop early (an "any" comparison stops at the first match).
pub trait FieldValues {
    /// Calls `visit` with each value of `field` in this frame until it returns `false`.
    fn values(&self, field: FieldId, visit: &mut dyn FnMut(Value<'_>) -> bool);
}

impl Value<'_> {
    /// The value as bytes, for slices, `contains`, `matches` and byte comparisons. Addresses use
    /// `buf` for their network-order bytes.
    pub fn bytes<'s>(&'s self, buf: &'s mut [u8; 16]) -> Option<&'s [u8]> {
        match self {
            Value::Protocol(b) | Value::Bytes(b) => Some(b),
            Value::Str(s) => Some(s.as_bytes()),
            Value::Ether(m) => Some(m),
            Value::Ipv4(a) => {
                let o = a.octets();
                let d = buf.get_mut(..4)?;
                d.copy_from_slice(&o);
                Some(d)
            }
            Value::Ipv6(a) => {
                *buf = a.octets();
                Some(&buf[..])
            }
            Value::Bool(_) | Value::UInt(_) | Value::Float(_) => None,
        }
    }
}

/// Orders two values of comparable kinds; `None` when they cannot be compared.
pub(crate) fn order(a: &Value<'_>, b: &Value<'_>) -> Option<Ordering> {
    use Value::*;
    match (a, b) {
        (UInt(x), UInt(y)) => Some(x.cmp(y)),
        (Float(x), Float(y)) => x.partial_cmp(y),
        (UInt(x), Float(y)) => (*x as f64).partial_cmp(y),
        (Float(x), UInt(y)) => x.partial_cmp(&(*y as f64)),
        (Bool(x), Bool(y)) => Some(x.cmp(y)),
        (Bool(x), UInt(y)) => Some(u64::from(*x).cmp(y)),
        (UInt(x), Bool(y)) => Some(x.cmp(&u64::from(*y))),
        (Ipv4(x), Ipv4(y)) => Some(x.cmp(y)),
        (Ipv6(x), Ipv6(y)) => Some(x.cmp(y)),
        (Ether(x), Ether(y)) => Some(x.cmp(y)),
        _ => {
            let (mut ba, mut bb) = ([0u8; 16], [0u8; 16]);
            match (a.bytes(&mut ba), b.bytes(&mut bb)) {
                (Some(x), Some(y)) => Some(x.cmp(y)),
                _ => None,
            }
        }
    }
}

/// A literal of the filter text, read for the type of the field it is compared with.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Lit {
    UInt(u64),
    Float(f64),
    Bool(bool),
    /// Address and prefix length.
    V4(Ipv4Addr, u8),
    /// Address and prefix length.
    V6(Ipv6Addr, u8),
    Ether([u8; 6]),
    /// Byte strings and strings.
    Bytes(Vec<u8>),
}

impl Lit {
    pub(crate) fn as_value(&self) -> Value<'_> {
        match self {
            Lit::UInt(v) => Value::UInt(*v),
            Lit::Float(v) => Value::Float(*v),
            Lit::Bool(v) => Value::Bool(*v),
            Lit::V4(a, _) => Value::Ipv4(*a),
            Lit::V6(a, _) => Value::Ipv6(*a),
            Lit::Ether(m) => Value::Ether(*m),
            Lit::Bytes(b) => Value::Bytes(b),
        }
    }

    /// Equality, with address prefixes (`10.0.0.0/8`) matching every address inside.
    pub(crate) fn matches_eq(&self, v: &Value<'_>) -> bool {
        match (self, v) {
            // The common cases first, without the general ordering.
            (Lit::UInt(a), Value::UInt(b)) => a == b,
            (Lit::V4(a, 32), Value::Ipv4(b)) => a == b,
            (Lit::V4(net, bits), Value::Ipv4(a)) if *bits < 32 => {
                let mask = u32::MAX.checked_shl(32 - u32::from(*bits)).unwrap_or(0);
                u32::from(*a) & mask == u32::from(*net) & mask
            }
            (Lit::V6(net, bits), Value::Ipv6(a)) if *bits < 128 => {
                let mask = u128::MAX.checked_shl(128 - u32::from(*bits)).unwrap_or(0);
                u128::from(*a) & mask == u128::from(*net) & mask
            }
            _ => order(v, &self.as_value()) == Some(Ordering::Equal),
        }
    }
}
