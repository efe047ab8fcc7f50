//! Parameter Store references in Run Command: `{{ssm:NAME}}` and
//! `{{ssm-secure:NAME}}` (NAME may carry `:version` or `:label`).
//!
//! - `{{ssm:…}}` (String and StringList) resolves when the command is sent; the planned
//!   steps hold the value, the command record keeps the reference as written.
//! - `{{ssm-secure:…}}` (SecureString) is checked when the command is sent (it exists,
//!   is a SecureString, the sender may decrypt) but stays a reference in everything
//!   stored; it is replaced only in the `Run` message on its way to the agent, and
//!   every such decryption is audited.
//!
//! Both work on the planned steps' JSON text: a reference holds no character JSON
//! escapes, so it appears verbatim inside the JSON strings, and a value is inserted
//! JSON-escaped.

use super::service::read_value;
use crate::audit::{self, Outcome};
use crate::core::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::types::Role;
use crate::Core;
use std::collections::BTreeMap;
use std::ops::Range;

/// A reference found in a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    pub range: Range<usize>,
    pub secure: bool,
    /// `name`, `name:version` or `name:label`.
    pub target: String,
}

/// Every `{{ssm:…}}` / `{{ssm-secure:…}}` in `text` (spaces inside the braces allowed).
pub fn find(text: &str) -> Vec<Reference> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find("{{") {
        let start = from + i;
        let Some(len) = text[start..].find("}}") else {
            break;
        };
        let end = start + len + 2;
        let inner = text[start + 2..end - 2].trim();
        let parsed = inner
            .strip_prefix("ssm-secure:")
            .map(|t| (true, t))
            .or_else(|| inner.strip_prefix("ssm:").map(|t| (false, t)));
        if let Some((secure, target)) = parsed {
            let target = target.trim();
            if !target.is_empty() && !target.contains(char::is_whitespace) {
                out.push(Reference {
                    range: start..end,
                    secure,
                    target: target.to_string(),
                });
            }
        }
        from = end;
    }
    out
}

fn json_escaped(value: &str) -> String {
    let quoted = serde_json::to_string(value).unwrap_or_default();
    quoted[1..quoted.len().saturating_sub(1).max(1)].to_string()
}

fn replace(
    text: &str,
    refs: &[Reference],
    values: &BTreeMap<String, String>,
    secure: bool,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for r in refs.iter().filter(|r| r.secure == secure) {
        if let Some(v) = values.get(&r.target) {
            out.push_str(&text[at..r.range.start]);
            out.push_str(&json_escaped(v));
            at = r.range.end;
        }
    }
    out.push_str(&text[at..]);
    out
}

fn bad_reference(message: String) -> ServiceError {
    ServiceError::invalid_field("parameters", message).with_exception("InvalidParameters")
}

/// SendCommand's half: resolves `{{ssm:…}}` in planned steps' JSON and checks every
/// `{{ssm-secure:…}}` (left in place). Errors name the reference, never a value.
pub async fn resolve_at_send(
    core: &Core,
    actor: &Actor,
    steps_json: &str,
) -> ServiceResult<String> {
    let refs = find(steps_json);
    if refs.is_empty() {
        return Ok(steps_json.to_string());
    }
    let mut plain = BTreeMap::new();
    for r in &refs {
        if plain.contains_key(&r.target) {
            continue;
        }
        let p = match read_value(core, &r.target, false).await {
            Ok(p) => p,
            Err(e)
                if matches!(
                    e.exception,
                    Some("ParameterNotFound") | Some("ParameterVersionNotFound")
                ) || e.kind == crate::types::ErrorKind::Validation =>
            {
                return Err(bad_reference(format!(
                    "The Parameter Store reference {{{{{}:{}}}}} names no parameter: {}",
                    if r.secure { "ssm-secure" } else { "ssm" },
                    r.target,
                    e.message
                )))
            }
            Err(e) => return Err(e),
        };
        match (r.secure, p.r#type.as_str()) {
            (false, "SecureString") => {
                return Err(bad_reference(format!(
                    "{} is a SecureString: reference it as {{{{ssm-secure:{}}}}} so it is decrypted only on the way to the node.",
                    r.target, r.target
                )))
            }
            (true, t) if t != "SecureString" => {
                return Err(bad_reference(format!(
                    "{} is a {t}, not a SecureString: reference it as {{{{ssm:{}}}}}.",
                    r.target, r.target
                )))
            }
            (true, _) => {
                core.authorize(
                    actor,
                    Role::Operator,
                    "Decrypt",
                    &format!("parameter/{}", p.name),
                )
                .await?;
            }
            (false, _) => {
                plain.insert(r.target.clone(), p.value);
            }
        }
    }
    Ok(replace(steps_json, &refs, &plain, false))
}

/// Whether stored steps still hold SecureString references (resolved at delivery).
pub fn has_secure(steps_json: &str) -> bool {
    steps_json.contains("ssm-secure:") && find(steps_json).iter().any(|r| r.secure)
}

/// Delivery's half: the steps' JSON with every `{{ssm-secure:…}}` replaced by its
/// decrypted value, for the `Run` message only (never stored). Each parameter
/// decrypted is audited once per call, for `command_id`. `cache` carries values across
/// the invocations of one delivery.
pub async fn resolve_at_delivery(
    core: &Core,
    command_id: &str,
    steps_json: &str,
    cache: &mut BTreeMap<String, String>,
) -> ServiceResult<String> {
    let refs = find(steps_json);
    let system = Actor::system();
    for r in refs.iter().filter(|r| r.secure) {
        if cache.contains_key(&r.target) {
            continue;
        }
        let p = read_value(core, &r.target, true).await.map_err(|e| {
            ServiceError::validation(format!(
                "The Parameter Store reference {{{{ssm-secure:{}}}}} could not be resolved: {}",
                r.target, e.message
            ))
        })?;
        audit::record(
            core.db().pool(),
            &system,
            core.now_ms(),
            "Decrypt",
            &format!("parameter/{}", p.name),
            Outcome::Success,
            &format!("version {} for command {command_id}", p.version),
        )
        .await?;
        cache.insert(r.target.clone(), p.value);
    }
    Ok(replace(steps_json, &refs, cache, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_found_and_replaced_json_escaped() {
        let text = r#"["echo {{ssm:/a/b}} {{ ssm-secure:/s:2 }} {{x}} {{ssm:}}", "{{ssm:/a/b}}"]"#;
        let refs = find(text);
        let targets: Vec<(&str, bool)> =
            refs.iter().map(|r| (r.target.as_str(), r.secure)).collect();
        assert_eq!(targets, [("/a/b", false), ("/s:2", true), ("/a/b", false)]);
        let mut v = BTreeMap::new();
        v.insert("/a/b".to_string(), "q\"uote\n".to_string());
        let out = replace(text, &refs, &v, false);
        assert_eq!(
            out,
            r#"["echo q\"uote\n {{ ssm-secure:/s:2 }} {{x}} {{ssm:}}", "q\"uote\n"]"#
        );
        let parsed: Vec<String> = serde_json::from_str(&out).expect("still JSON");
        assert_eq!(parsed[1], "q\"uote\n");
        assert!(has_secure(text));
        assert!(!has_secure(r#"["ssm-secure: not a reference"]"#));
    }
}
