//! Syntax highlighting for document content (JSON and YAML) as a list of classed
//! text runs. The runs are rendered as text nodes inside `<span class>`: content is
//! hostile input and never becomes HTML. A small lexer is enough here — keys, strings,
//! numbers, literals, comments and `{{ parameter }}` references are what a reader
//! scans for.

use leptos::prelude::*;

/// A run of text and its class (`""` for plain).
pub type Run = (&'static str, String);

fn push(runs: &mut Vec<Run>, class: &'static str, text: &str) {
    if text.is_empty() {
        return;
    }
    match runs.last_mut() {
        Some((c, t)) if *c == class => t.push_str(text),
        _ => runs.push((class, text.to_string())),
    }
}

/// Splits a string's text into plain and `{{ reference }}` runs.
fn push_string(runs: &mut Vec<Run>, class: &'static str, text: &str) {
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        match rest[start..].find("}}") {
            Some(end) => {
                push(runs, class, &rest[..start]);
                push(runs, "hl-ref", &rest[start..start + end + 2]);
                rest = &rest[start + end + 2..];
            }
            None => break,
        }
    }
    push(runs, class, rest);
}

/// JSON: keys, strings, numbers, true/false/null, punctuation.
pub fn json(text: &str) -> Vec<Run> {
    let mut runs = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (at, c) = chars[i];
        if c == '"' {
            // A string runs to the next unescaped quote.
            let mut j = i + 1;
            while j < chars.len() && chars[j].1 != '"' {
                if chars[j].1 == '\\' {
                    j += 1;
                }
                j += 1;
            }
            let end = chars.get(j + 1).map(|(a, _)| *a).unwrap_or(text.len());
            let s = &text[at..end];
            // A key is a string followed (after blanks) by a colon.
            let is_key = text[end..].trim_start().starts_with(':');
            push_string(&mut runs, if is_key { "hl-key" } else { "hl-str" }, s);
            i = j + 1;
        } else if c == '-' || c.is_ascii_digit() {
            let mut j = i;
            while j < chars.len()
                && (chars[j].1.is_ascii_digit()
                    || matches!(chars[j].1, '-' | '+' | '.' | 'e' | 'E'))
            {
                j += 1;
            }
            let end = chars.get(j).map(|(a, _)| *a).unwrap_or(text.len());
            push(&mut runs, "hl-num", &text[at..end]);
            i = j.max(i + 1);
        } else if c.is_ascii_alphabetic() {
            let mut j = i;
            while j < chars.len() && chars[j].1.is_ascii_alphabetic() {
                j += 1;
            }
            let end = chars.get(j).map(|(a, _)| *a).unwrap_or(text.len());
            push(&mut runs, "hl-lit", &text[at..end]);
            i = j;
        } else if matches!(c, '{' | '}' | '[' | ']' | ':' | ',') {
            push(&mut runs, "hl-punct", &text[at..at + c.len_utf8()]);
            i += 1;
        } else {
            push(&mut runs, "", &text[at..at + c.len_utf8()]);
            i += 1;
        }
    }
    runs
}

/// YAML, line by line: comments, `key:`, list dashes, scalars.
pub fn yaml(text: &str) -> Vec<Run> {
    let mut runs = Vec::new();
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches('\n');
        let newline = &line[body.len()..];
        let indent_len = body.len() - body.trim_start().len();
        push(&mut runs, "", &body[..indent_len]);
        let mut rest = &body[indent_len..];
        if rest.starts_with('#') {
            push(&mut runs, "hl-comment", rest);
            push(&mut runs, "", newline);
            continue;
        }
        while let Some(after) = rest.strip_prefix("- ") {
            push(&mut runs, "hl-punct", "- ");
            rest = after;
        }
        // `key: value` (a key has no quote or space before its colon).
        if let Some(colon) = rest.find(':') {
            let key = &rest[..colon];
            let after = &rest[colon + 1..];
            if !key.is_empty()
                && !key.contains([' ', '"', '\'', '{'])
                && (after.is_empty() || after.starts_with(' '))
            {
                push(&mut runs, "hl-key", key);
                push(&mut runs, "hl-punct", ":");
                rest = after;
            }
        }
        let value = rest.trim_start();
        push(&mut runs, "", &rest[..rest.len() - value.len()]);
        let class = if value.parse::<f64>().is_ok() {
            "hl-num"
        } else if matches!(value, "true" | "false" | "null" | "~") {
            "hl-lit"
        } else if value.is_empty() || value == "|" || value == ">" {
            "hl-punct"
        } else {
            "hl-str"
        };
        push_string(&mut runs, class, value);
        push(&mut runs, "", newline);
    }
    runs
}

/// Content as highlighted `<pre><code>`; `format` is `JSON` or `YAML`.
#[component]
pub fn CodeView(#[prop(into)] content: String, #[prop(into)] format: String) -> impl IntoView {
    let runs = if format == "YAML" {
        yaml(&content)
    } else {
        json(&content)
    };
    let spans = runs
        .into_iter()
        .map(|(class, text)| {
            if class.is_empty() {
                view! { <span>{text}</span> }.into_any()
            } else {
                view! { <span class=class>{text}</span> }.into_any()
            }
        })
        .collect_view();
    view! { <pre class="code" data-testid="document-content"><code>{spans}</code></pre> }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(runs: &[Run]) -> String {
        runs.iter().map(|(_, t)| t.as_str()).collect()
    }

    #[test]
    fn runs_reassemble_the_text_exactly() {
        let j =
            r#"{"schemaVersion": "2.2", "n": -1.5e3, "ok": true, "cmd": "echo {{ x }} <script>"}"#;
        assert_eq!(joined(&json(j)), j);
        let y = "# c\nschemaVersion: '2.2'\nmainSteps:\n  - action: aws:runShellScript\n    n: 3\n    run: echo {{ x }}\n";
        assert_eq!(joined(&yaml(y)), y);
        // Unterminated strings and odd bytes do not lose text.
        let odd = "{\"a\": \"unterminated \\\" é";
        assert_eq!(joined(&json(odd)), odd);
    }

    #[test]
    fn classes() {
        let runs = json(r#"{"k": "v {{ p }}", "n": 2}"#);
        assert!(runs.contains(&("hl-key", "\"k\"".into())));
        assert!(runs.contains(&("hl-ref", "{{ p }}".into())));
        assert!(runs.contains(&("hl-num", "2".into())));
        let runs = yaml("a: 1\n- b: x\n# note\n");
        assert!(runs.contains(&("hl-key", "a".into())));
        assert!(runs.contains(&("hl-comment", "# note".into())));
        assert!(runs.contains(&("hl-str", "x".into())));
    }
}
