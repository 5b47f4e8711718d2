//! Presentation of a call flow: a ladder (a sequence diagram of messages between endpoints), as
//! text for a terminal and as one self-contained HTML page with an inline SVG: no scripts, no
//! external resources. Hovering an arrow shows the message (SVG `title`); clicking it jumps to the
//! full text below. It lives in the facade, where output is made (`peel sip --ladder/--html`, the
//! web view), not among the dissectors.

use std::fmt::Write as _;

/// One message drawn as an arrow.
#[derive(Debug, Clone, PartialEq)]
pub struct Arrow {
    /// Frame number that completed the message.
    pub frame: u64,
    /// Time in seconds (since the epoch, or any common origin).
    pub time: f64,
    /// Sender, `addr:port`.
    pub from: String,
    /// Receiver, `addr:port`.
    pub to: String,
    /// What the arrow says: method or status and reason.
    pub label: String,
    /// The whole message text (shown on hover and in the list under the picture).
    pub detail: String,
}

/// The endpoints in order of first appearance: the ladder's columns.
pub fn columns(arrows: &[Arrow]) -> Vec<String> {
    let mut cols: Vec<String> = Vec::new();
    for a in arrows {
        for e in [&a.from, &a.to] {
            if !cols.contains(e) {
                cols.push(e.clone());
            }
        }
    }
    cols
}

const PREFIX: usize = 21;
const MAX_LABEL: usize = 40;

fn label_of(a: &Arrow) -> String {
    let l: String = a.label.chars().take(MAX_LABEL).collect();
    l
}

/// The ladder as text: one column per endpoint, one line per message with its frame number and
/// the time since the first message.
pub fn text(arrows: &[Arrow]) -> String {
    let cols = columns(arrows);
    let widest = arrows
        .iter()
        .map(|a| label_of(a).chars().count())
        .chain(cols.iter().map(|c| c.len()))
        .max()
        .unwrap_or(0);
    let col_w = (widest + 8).clamp(24, MAX_LABEL + 8);
    let x = |i: usize| PREFIX + col_w / 2 + i * col_w;
    let width = x(cols.len().saturating_sub(1)) + col_w / 2 + 1;
    let start = arrows.first().map_or(0.0, |a| a.time);
    let mut out = String::new();

    let mut head: Vec<char> = vec![' '; width];
    put(&mut head, 0, "frame      time");
    for (i, c) in cols.iter().enumerate() {
        let w = c.chars().count();
        put(&mut head, x(i).saturating_sub(w / 2), c);
    }
    push_line(&mut out, &head);
    let mut rail: Vec<char> = vec![' '; width];
    for i in 0..cols.len() {
        set(&mut rail, x(i), '|');
    }
    push_line(&mut out, &rail);

    for a in arrows {
        let mut line = rail.clone();
        put(
            &mut line,
            0,
            &format!("{:>6} {:>13.6}", a.frame, a.time - start),
        );
        let from = cols.iter().position(|c| *c == a.from).unwrap_or(0);
        let to = cols.iter().position(|c| *c == a.to).unwrap_or(0);
        let label = label_of(a);
        if from == to {
            put(&mut line, x(from) + 1, &format!("--+ {label}"));
        } else {
            let (l, r) = (x(from.min(to)), x(from.max(to)));
            for p in l + 1..r {
                set(&mut line, p, '-');
            }
            if to > from {
                set(&mut line, r - 1, '>');
            } else {
                set(&mut line, l + 1, '<');
            }
            let span = r - l - 1;
            let shown: String = label.chars().take(span.saturating_sub(4)).collect();
            let n = shown.chars().count();
            let at = l + 1 + (span - n) / 2;
            put(&mut line, at.saturating_sub(1), &format!(" {shown} "));
        }
        push_line(&mut out, &line);
    }
    out
}

fn set(line: &mut [char], at: usize, c: char) {
    if let Some(slot) = line.get_mut(at) {
        *slot = c;
    }
}

fn put(line: &mut Vec<char>, at: usize, s: &str) {
    for (i, c) in s.chars().enumerate() {
        if at + i >= line.len() {
            line.push(c);
        } else {
            set(line, at + i, c);
        }
    }
}

fn push_line(out: &mut String, line: &[char]) {
    let s: String = line.iter().collect();
    out.push_str(s.trim_end());
    out.push('\n');
}

/// Escapes text for HTML and SVG (element content and attribute values).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// The ladder as a complete HTML page (inline SVG and CSS only).
pub fn html(title: &str, arrows: &[Arrow]) -> String {
    let cols = columns(arrows);
    let (col_w, left, top, row_h) = (230usize, 150usize, 60usize, 34usize);
    let x = |i: usize| left + col_w / 2 + i * col_w;
    let width = left + cols.len().max(1) * col_w + 20;
    let height = top + arrows.len() * row_h + 30;
    let start = arrows.first().map_or(0.0, |a| a.time);
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{t}</title>\n\
<style>\nbody{{font-family:sans-serif;margin:1em}}\nsvg text{{font-family:monospace;font-size:12px}}\n\
.lbl{{font-weight:bold}}\n.arrow:hover line{{stroke:#c00;stroke-width:2}}\n.arrow:hover text{{fill:#c00}}\n\
pre{{background:#f4f4f4;padding:.5em;overflow:auto}}\nsummary{{font-family:monospace;cursor:pointer}}\n\
</style>\n</head>\n<body>\n<h1>{t}</h1>\n<p>{n} messages between {c} endpoints. Hover an arrow for the \
message; click it for the full text below.</p>\n",
        t = escape(title),
        n = arrows.len(),
        c = cols.len()
    );
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{}\">",
        escape(title)
    );
    s.push_str(
        "<defs><marker id=\"head\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" \
markerHeight=\"8\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#333\"/></marker></defs>\n",
    );
    let _ = writeln!(
        s,
        "<text x=\"4\" y=\"{}\" class=\"lbl\">frame / time</text>",
        top - 30
    );
    for (i, c) in cols.iter().enumerate() {
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" class=\"lbl\">{}</text>\n\
<line x1=\"{0}\" y1=\"{}\" x2=\"{0}\" y2=\"{}\" stroke=\"#888\" stroke-dasharray=\"4 3\"/>",
            x(i),
            top - 30,
            escape(c),
            top - 20,
            height - 10
        );
    }
    for (n, a) in arrows.iter().enumerate() {
        let y = top + n * row_h;
        let from = cols.iter().position(|c| *c == a.from).unwrap_or(0);
        let to = cols.iter().position(|c| *c == a.to).unwrap_or(0);
        let (x1, x2) = (x(from), x(to));
        let _ = writeln!(
            s,
            "<a href=\"#m{n}\"><g class=\"arrow\"><title>{}</title>",
            escape(&a.detail)
        );
        let _ = writeln!(
            s,
            "<text x=\"4\" y=\"{}\">{:>6} +{:.3}s</text>",
            y + 4,
            a.frame,
            a.time - start
        );
        if from == to {
            let _ = writeln!(
                s,
                "<path d=\"M{x1},{} h30 v12 h-30\" fill=\"none\" stroke=\"#333\" marker-end=\"url(#head)\"/>\n\
<text x=\"{}\" y=\"{}\">{}</text>",
                y - 6,
                x1 + 36,
                y + 4,
                escape(&label_of(a))
            );
        } else {
            let _ = writeln!(
                s,
                "<line x1=\"{x1}\" y1=\"{y}\" x2=\"{x2}\" y2=\"{y}\" stroke=\"#333\" stroke-width=\"1.5\" marker-end=\"url(#head)\"/>\n\
<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                (x1 + x2) / 2,
                y - 5,
                escape(&label_of(a))
            );
        }
        s.push_str("</g></a>\n");
    }
    s.push_str("</svg>\n<h2>Messages</h2>\n");
    for (n, a) in arrows.iter().enumerate() {
        let _ = writeln!(
            s,
            "<details id=\"m{n}\"><summary>frame {} +{:.6}s {} &#8594; {}: {}</summary><pre>{}</pre></details>",
            a.frame,
            a.time - start,
            escape(&a.from),
            escape(&a.to),
            escape(&a.label),
            escape(&a.detail)
        );
    }
    s.push_str("</body>\n</html>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arrows() -> Vec<Arrow> {
        let a = |frame, from: &str, to: &str, label: &str| Arrow {
            frame,
            time: 10.0 + frame as f64 / 10.0,
            from: from.into(),
            to: to.into(),
            label: label.into(),
            detail: format!("{label}\r\nX: <y> & \"z\""),
        };
        vec![
            a(1, "10.0.0.1:5060", "10.0.0.2:5061", "INVITE"),
            a(2, "10.0.0.2:5061", "10.0.0.1:5060", "180 Ringing"),
            a(3, "10.0.0.2:5061", "10.0.0.3:5062", "INVITE"),
        ]
    }

    #[test]
    fn text_ladder() {
        let t = text(&arrows());
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 5);
        assert!(lines[0].contains("10.0.0.1:5060") && lines[0].contains("10.0.0.3:5062"));
        assert!(lines[2].starts_with("     1      0.000000"));
        assert!(lines[2].contains("INVITE") && lines[2].contains("->|"));
        assert!(lines[3].contains("|<-") && lines[3].contains("180 Ringing"));
        // The third message starts at the second column.
        let bar = lines[4].find("|-").unwrap_or(0);
        assert!(bar > lines[4].find('|').unwrap_or(0));
    }

    #[test]
    fn html_is_self_contained_and_escaped() {
        let h = html("Call <x>", &arrows());
        assert!(h.starts_with("<!DOCTYPE html>"));
        assert!(h.contains("<svg") && h.contains("</svg>"));
        assert!(h.contains("Call &lt;x&gt;"));
        assert!(h.contains("X: &lt;y&gt; &amp; &quot;z&quot;"));
        assert!(
            !h.contains("<script")
                && !h.contains("src=")
                && !h.contains("http:/"[..5].repeat(2).as_str())
        );
        assert_eq!(h.matches("<g class=\"arrow\">").count(), 3);
    }
}
