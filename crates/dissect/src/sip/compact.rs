//! Compact header forms: one-letter names a sender may use instead of the full name.

/// (compact form, full name, where it is defined). RFC 3261 section 7.3.3 and the table of
/// section 20 define c, e, f, i, k, l, m, s, t, v; later RFCs add the rest (see the IANA "Header
/// Fields" registry of the SIP Parameters).
pub const COMPACT_FORMS: &[(char, &str, &str)] = &[
    ('a', "Accept-Contact", "RFC 3841"),
    ('b', "Referred-By", "RFC 3892"),
    ('c', "Content-Type", "RFC 3261"),
    ('d', "Request-Disposition", "RFC 3841"),
    ('e', "Content-Encoding", "RFC 3261"),
    ('f', "From", "RFC 3261"),
    ('i', "Call-ID", "RFC 3261"),
    ('j', "Reject-Contact", "RFC 3841"),
    ('k', "Supported", "RFC 3261"),
    ('l', "Content-Length", "RFC 3261"),
    ('m', "Contact", "RFC 3261"),
    ('n', "Identity-Info", "RFC 4474"),
    ('o', "Event", "RFC 6665"),
    ('r', "Refer-To", "RFC 3515"),
    ('s', "Subject", "RFC 3261"),
    ('t', "To", "RFC 3261"),
    ('u', "Allow-Events", "RFC 6665"),
    ('v', "Via", "RFC 3261"),
    ('x', "Session-Expires", "RFC 4028"),
    ('y', "Identity", "RFC 8224"),
];

/// The full name of a header written in compact form; other names are returned unchanged.
pub fn expand_compact(name: &str) -> &str {
    let mut chars = name.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => COMPACT_FORMS
            .iter()
            .find(|(k, _, _)| k.eq_ignore_ascii_case(&c))
            .map_or(name, |(_, full, _)| full),
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_names_expand() {
        assert_eq!(expand_compact("i"), "Call-ID");
        assert_eq!(expand_compact("L"), "Content-Length");
        assert_eq!(expand_compact("Via"), "Via");
        assert_eq!(expand_compact("q"), "q");
    }
}
