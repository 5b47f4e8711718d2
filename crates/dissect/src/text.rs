//! Small text helpers shared by the line-based protocols (SIP, HTTP/1.x).

/// First position of `needle` in `hay`.
pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// End of the head (start line and headers): `(head_len, body_start)`. `head_len` excludes the
/// empty line. Bare LF line ends are tolerated (RFC 3261 section 7.5 asks for CRLF; senders slip).
pub(crate) fn head_end(buf: &[u8]) -> Option<(usize, usize)> {
    let mut i = 0;
    while let Some(off) = buf
        .get(i..)
        .and_then(|b| b.iter().position(|&c| c == b'\n'))
    {
        let nl = i + off;
        let next = nl + 1;
        match buf.get(next..) {
            Some([b'\r', b'\n', ..]) => return Some((next, next + 2)),
            Some([b'\n', ..]) => return Some((next, next + 1)),
            _ => i = next,
        }
    }
    None
}

/// Lines of a head, without their CR LF, with each line's offset.
pub(crate) fn lines(head: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut pos = 0usize;
    std::iter::from_fn(move || {
        let rest = head.get(pos..)?;
        if rest.is_empty() {
            return None;
        }
        let (line, adv) = match rest.iter().position(|&c| c == b'\n') {
            Some(n) => (rest.get(..n).unwrap_or(&[]), n + 1),
            None => (rest, rest.len()),
        };
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let at = pos;
        pos += adv;
        Some((at, line))
    })
}

/// Text for bytes that should be ASCII (invalid UTF-8 shown as U+FFFD).
pub(crate) fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Splits on `sep` outside double quotes (and outside `<...>`), trimming each piece.
pub(crate) fn split_outside_quotes(s: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut quoted, mut angle, mut escaped) = (false, false, false);
    let mut start = 0;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '<' if !quoted => angle = true,
            '>' if !quoted => angle = false,
            c if c == sep && !quoted && !angle => {
                out.push(s.get(start..i).unwrap_or("").trim());
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    out.push(s.get(start..).unwrap_or("").trim());
    out
}

/// Removes one pair of surrounding double quotes and backslash escapes.
pub(crate) fn unquote(s: &str) -> String {
    let s = s.trim();
    match s.strip_prefix('"').and_then(|x| x.strip_suffix('"')) {
        Some(inner) => {
            let mut out = String::with_capacity(inner.len());
            let mut esc = false;
            for c in inner.chars() {
                if esc {
                    out.push(c);
                    esc = false;
                } else if c == '\\' {
                    esc = true;
                } else {
                    out.push(c);
                }
            }
            out
        }
        None => s.to_string(),
    }
}

/// `name=value` pairs (value unquoted; empty when absent), names lowercased.
pub(crate) fn params(list: &[&str]) -> Vec<(String, String)> {
    list.iter()
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.trim().to_ascii_lowercase(), unquote(v)),
            None => (p.trim().to_ascii_lowercase(), String::new()),
        })
        .collect()
}

/// The value of parameter `name` in `pairs`.
pub(crate) fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_end_crlf_and_lf() {
        assert_eq!(head_end(b"A\r\nB: c\r\n\r\nbody"), Some((9, 11)));
        assert_eq!(head_end(b"A\nB: c\n\nbody"), Some((7, 8)));
        assert_eq!(head_end(b"A\r\nB: c\r\n"), None);
    }

    #[test]
    fn quoted_commas_do_not_split() {
        let v = split_outside_quotes(r#"NTLM realm="a, b", x=1"#, ',');
        assert_eq!(v, vec![r#"NTLM realm="a, b""#, "x=1"]);
        assert_eq!(unquote(r#""a\"b""#), "a\"b");
    }
}
