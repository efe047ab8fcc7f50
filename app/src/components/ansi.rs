//! Command output as text segments: ANSI colours (SGR) become CSS classes, every other
//! escape sequence (cursor moves, OSC titles and links, …) is dropped, and control
//! characters other than newline and tab become their visible Unicode pictures.
//! Command output is hostile: the result is only ever rendered as text (Leptos escapes
//! it); nothing here produces markup.

/// Colour and weight in effect.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Style {
    fg: Option<u8>,
    bg: Option<u8>,
    bold: bool,
    dim: bool,
    italic: bool,
    underline: bool,
}

impl Style {
    /// CSS classes for the style (`ansi-fg-1 ansi-bold` …); empty for plain text.
    pub fn classes(&self) -> String {
        let mut c = Vec::new();
        if let Some(f) = self.fg {
            c.push(format!("ansi-fg-{f}"));
        }
        if let Some(b) = self.bg {
            c.push(format!("ansi-bg-{b}"));
        }
        if self.bold {
            c.push("ansi-bold".into());
        }
        if self.dim {
            c.push("ansi-dim".into());
        }
        if self.italic {
            c.push("ansi-italic".into());
        }
        if self.underline {
            c.push("ansi-underline".into());
        }
        c.join(" ")
    }

    fn apply(&mut self, params: &str) {
        let codes: Vec<u16> = if params.is_empty() {
            vec![0]
        } else {
            params
                .split(';')
                .map(|p| p.parse::<u16>().unwrap_or(0))
                .collect()
        };
        let mut i = 0;
        while i < codes.len() {
            match codes[i] {
                0 => *self = Style::default(),
                1 => self.bold = true,
                2 => self.dim = true,
                3 => self.italic = true,
                4 => self.underline = true,
                22 => {
                    self.bold = false;
                    self.dim = false;
                }
                23 => self.italic = false,
                24 => self.underline = false,
                n @ 30..=37 => self.fg = Some((n - 30) as u8),
                n @ 90..=97 => self.fg = Some((n - 90 + 8) as u8),
                39 => self.fg = None,
                n @ 40..=47 => self.bg = Some((n - 40) as u8),
                n @ 100..=107 => self.bg = Some((n - 100 + 8) as u8),
                49 => self.bg = None,
                // 256-colour and true-colour forms: skip their arguments.
                38 | 48 => {
                    i += match codes.get(i + 1) {
                        Some(5) => 2,
                        Some(2) => 4,
                        _ => 0,
                    };
                }
                _ => {}
            }
            i += 1;
        }
    }
}

/// A run of text in one style.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub classes: String,
    pub text: String,
}

/// Parser state carried from one chunk to the next (a sequence may be split).
#[derive(Clone, Debug, Default)]
pub struct Ansi {
    style: Style,
    /// An escape sequence not finished at the end of the last chunk.
    pending: String,
}

/// The longest escape sequence kept across chunks; longer ones are dropped.
const MAX_PENDING: usize = 256;

impl Ansi {
    /// Cuts `text` into styled segments.
    pub fn feed(&mut self, text: &str) -> Vec<Segment> {
        let mut input = std::mem::take(&mut self.pending);
        input.push_str(text);
        let mut out: Vec<Segment> = Vec::new();
        let mut cur = String::new();
        let mut chars = input.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            if c != '\u{1b}' && c != '\u{9b}' {
                match c {
                    '\n' | '\t' => cur.push(c),
                    c if (c as u32) < 0x20 => {
                        cur.push(char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'))
                    }
                    '\u{7f}' => cur.push('\u{2421}'),
                    c if ('\u{80}'..='\u{9f}').contains(&c) => cur.push('\u{fffd}'),
                    c => cur.push(c),
                }
                continue;
            }
            // An escape sequence: find its end.
            let rest = &input[at..];
            match sequence_len(rest) {
                Some((len, sgr)) => {
                    if let Some(params) = sgr {
                        if !cur.is_empty() {
                            out.push(Segment {
                                classes: self.style.classes(),
                                text: std::mem::take(&mut cur),
                            });
                        }
                        self.style.apply(params);
                    }
                    // Skip the rest of the sequence.
                    while let Some(&(i, _)) = chars.peek() {
                        if i < at + len {
                            chars.next();
                        } else {
                            break;
                        }
                    }
                }
                None => {
                    // Unfinished: keep it for the next chunk (bounded).
                    if rest.len() <= MAX_PENDING {
                        self.pending = rest.to_string();
                    }
                    break;
                }
            }
        }
        if !cur.is_empty() {
            out.push(Segment {
                classes: self.style.classes(),
                text: cur,
            });
        }
        out
    }
}

/// The byte length of the escape sequence at the start of `s` and, for SGR (`ESC [ …
/// m`), its parameters; `None` when the sequence is not complete yet.
fn sequence_len(s: &str) -> Option<(usize, Option<&str>)> {
    let b = s.as_bytes();
    let (start, csi) = if b[0] == 0x1b {
        match b.get(1) {
            None => return None,
            Some(b'[') => (2, true),
            Some(b']') => {
                // OSC: ends with BEL or ESC \.
                let body = &s[2..];
                if let Some(i) = body.find('\u{7}') {
                    return Some((2 + i + 1, None));
                }
                if let Some(i) = body.find("\u{1b}\\") {
                    return Some((2 + i + 2, None));
                }
                return None;
            }
            Some(_) => {
                // A two-character escape (ESC c, ESC 7 …); a multi-byte char is skipped whole.
                let next = s[1..].chars().next().map(char::len_utf8).unwrap_or(1);
                return Some((1 + next, None));
            }
        }
    } else {
        (2, true) // U+009B, the one-character CSI (two bytes in UTF-8)
    };
    if csi {
        for (i, &c) in b.iter().enumerate().skip(start) {
            if (0x40..=0x7e).contains(&c) {
                let params = &s[start..i];
                let sgr = (c == b'm').then_some(params);
                return Some((i + 1, sgr));
            }
            if !(0x20..=0x3f).contains(&c) {
                // Not a valid CSI: drop just the introducer.
                return Some((start, None));
            }
        }
        return None;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(chunks: &[&str]) -> Vec<(String, String)> {
        let mut a = Ansi::default();
        chunks
            .iter()
            .flat_map(|c| a.feed(c))
            .map(|s| (s.classes, s.text))
            .collect()
    }

    #[test]
    fn colours_become_classes_and_reset() {
        assert_eq!(
            render(&["a\u{1b}[1;31mred\u{1b}[0m b"]),
            vec![
                (String::new(), "a".to_string()),
                ("ansi-fg-1 ansi-bold".to_string(), "red".to_string()),
                (String::new(), " b".to_string()),
            ]
        );
    }

    #[test]
    fn sequences_split_across_chunks_are_joined() {
        assert_eq!(
            render(&["x\u{1b}[3", "2mgreen"]),
            vec![
                (String::new(), "x".to_string()),
                ("ansi-fg-2".to_string(), "green".to_string()),
            ]
        );
    }

    #[test]
    fn other_escapes_and_controls_are_neutralised() {
        let out = render(&[
            "\u{1b}]0;evil title\u{7}t\u{1b}[2J\u{1b}[Hx\u{0}y\r\u{1b}]8;;http://e\u{1b}\\z",
        ]);
        let text: String = out.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(text, "tx\u{2400}y\u{240d}z");
    }

    #[test]
    fn markup_stays_text() {
        let text: String = render(&["<script>alert(1)</script></pre><img src=x onerror=alert(1)>"])
            .into_iter()
            .map(|(_, t)| t)
            .collect();
        assert_eq!(
            text,
            "<script>alert(1)</script></pre><img src=x onerror=alert(1)>"
        );
    }
}
