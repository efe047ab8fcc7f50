//! Parameter Store: hierarchical parameters with versions, labels, tiers, policies and
//! envelope-encrypted SecureStrings.
//!
//! - This file: the rules that need no database — names and paths, selectors
//!   (`name:version`, `name:label`), labels, tiers, policies — pure and unit-tested.
//! - `store`: SQL. A parameter is one row in `parameters` (its current state) plus one
//!   row per kept version in `parameter_versions` (what GetParameterHistory shows);
//!   labels point at versions; events are what policies produced.
//! - `service`: the operations (role checks, audit, encryption through `kms`), shared by
//!   the API and the console.
//! - `policies`' effects run in [`service::sweep`] (expiration and notifications).
//!
//! SecureString values are sealed by [`crate::kms`] with a fresh data key per value and
//! `parameter:<name>:<version>` bound in, so a ciphertext copied to another parameter or
//! version does not decrypt. Clear text exists only in memory, on its way to a caller
//! who asked WithDecryption and may decrypt.

pub mod cache;
pub mod references;
pub mod service;
pub mod store;

pub use service::*;

use crate::error::{ServiceError, ServiceResult};

/// What `tags` calls a parameter.
pub const TAG_RESOURCE_TYPE: &str = crate::types::resource_type::PARAMETER;
/// Versions kept per parameter.
pub const MAX_VERSIONS: i64 = 100;
/// Path levels a name may have.
pub const MAX_DEPTH: usize = 15;
/// Standard-tier value limit (bytes).
pub const STANDARD_VALUE_BYTES: usize = 4 * 1024;
/// Advanced-tier value limit (bytes).
pub const ADVANCED_VALUE_BYTES: usize = 8 * 1024;
/// Labels on one version.
pub const MAX_LABELS_PER_VERSION: usize = 10;
/// Characters in a label.
pub const MAX_LABEL_CHARS: usize = 100;
/// Policies on one parameter.
pub const MAX_POLICIES: usize = 10;
/// AWS counts the ARN prefix (`arn:aws:ssm:<region>:<account>:parameter/`) into a
/// name's 1,011 characters; this is that limit with the longest prefix Bosun issues
/// (a 14-character region).
pub const MAX_NAME_CHARS: usize = 1011 - "arn:aws:ssm:ap-southeast-3:123456789012:parameter/".len();

/// Parameter types.
pub const TYPES: [&str; 3] = ["String", "StringList", "SecureString"];

/// Checks a parameter name (without selector) and returns it trimmed as SSM does
/// (leading and trailing spaces removed).
pub fn check_name(name: &str) -> ServiceResult<String> {
    let name = name.trim();
    let bad = |why: &str| {
        Err(ServiceError::invalid_field(
            "name",
            format!("The parameter name {name:?} is not valid: {why}."),
        ))
    };
    if name.is_empty() {
        return bad("it is empty");
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return bad(&format!("it is longer than {MAX_NAME_CHARS} characters"));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/')))
    {
        return bad(&format!(
            "{c:?} is not allowed (letters, digits, _ . - and / only)"
        ));
    }
    if name.contains('/') {
        if !name.starts_with('/') {
            return bad("a name with a path must begin with /");
        }
        if name.ends_with('/') || name.contains("//") {
            return bad("path levels must not be empty");
        }
        if depth(name) > MAX_DEPTH {
            return Err(ServiceError::validation(format!(
                "The parameter name {name:?} has {} levels; the limit is {MAX_DEPTH}.",
                depth(name)
            ))
            .with_exception("HierarchyLevelLimitExceededException"));
        }
    }
    let bare = name.trim_start_matches('/').to_ascii_lowercase();
    if bare.starts_with("aws") || bare.starts_with("ssm") {
        return Err(ServiceError::invalid_field(
            "name",
            format!(
                "No access to reserved parameter name: {name}. Names beginning with \"aws\" or \"ssm\" (any case) are reserved."
            ),
        ));
    }
    Ok(name.to_string())
}

/// Levels of a name: `/a/b/c` has 3, `plain` has 1.
pub fn depth(name: &str) -> usize {
    name.trim_start_matches('/').split('/').count()
}

/// The path a name sits in: `/a/b/c` → `/a/b`, `/c` → `/`, `plain` → `` (no path).
pub fn parent_path(name: &str) -> &str {
    match name.rfind('/') {
        Some(0) => "/",
        Some(i) => &name[..i],
        None => "",
    }
}

/// Checks a path for GetParametersByPath and path filters: `/` or `/a/b` (a trailing
/// `/` is allowed and dropped).
pub fn check_path(path: &str) -> ServiceResult<String> {
    let p = path.trim();
    if p == "/" {
        return Ok("/".into());
    }
    let trimmed = p.strip_suffix('/').unwrap_or(p);
    let ok = trimmed.starts_with('/')
        && !trimmed.contains("//")
        && trimmed
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/'));
    if !ok {
        return Err(ServiceError::invalid_field(
            "path",
            format!("The path {p:?} is not valid: it must begin with / and hold letters, digits, _ . - and / only."),
        ));
    }
    if depth(trimmed) > MAX_DEPTH {
        return Err(ServiceError::validation(format!(
            "The path {p:?} has more than {MAX_DEPTH} levels."
        ))
        .with_exception("HierarchyLevelLimitExceededException"));
    }
    Ok(trimmed.to_string())
}

/// What `name[:version|:label]` (or a parameter ARN) asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selector {
    Latest,
    Version(i64),
    Label(String),
}

impl Selector {
    /// The `Selector` field of a response (`:3`, `:prod`), None for the latest.
    pub fn as_text(&self) -> Option<String> {
        match self {
            Selector::Latest => None,
            Selector::Version(v) => Some(format!(":{v}")),
            Selector::Label(l) => Some(format!(":{l}")),
        }
    }
}

/// Splits `name:selector`; accepts a parameter ARN
/// (`arn:aws:ssm:<region>:<account>:parameter/<name>`) for the name.
pub fn parse_selector(input: &str) -> ServiceResult<(String, Selector)> {
    let input = input.trim();
    let input = match input.strip_prefix("arn:") {
        Some(rest) => {
            // aws:ssm:<region>:<account>:parameter/<name>[:selector]
            let parts: Vec<&str> = rest.splitn(5, ':').collect();
            match parts.as_slice() {
                [_, "ssm", _, _, res] if res.starts_with("parameter/") => {
                    let n = &res["parameter".len()..];
                    // `parameter/a/b` is `/a/b`; `parameter/x` is `x`.
                    let n = n.strip_prefix('/').unwrap_or(n);
                    if n.contains('/') {
                        format!("/{n}")
                    } else {
                        n.to_string()
                    }
                }
                _ => {
                    return Err(ServiceError::invalid_field(
                        "name",
                        format!("{input} is not a parameter ARN."),
                    ))
                }
            }
        }
        None => input.to_string(),
    };
    let (name, sel) = match input.split_once(':') {
        None => (input.as_str(), Selector::Latest),
        Some((name, s)) => {
            if s.is_empty() || s.contains(':') {
                return Err(ServiceError::invalid_field(
                    "name",
                    format!(
                        "The selector in {input:?} is not valid: use name:version or name:label."
                    ),
                ));
            }
            let sel = if s.chars().all(|c| c.is_ascii_digit()) {
                match s.parse::<i64>() {
                    Ok(v) if v >= 1 => Selector::Version(v),
                    _ => {
                        return Err(ServiceError::invalid_field(
                            "name",
                            format!("{s} is not a valid parameter version."),
                        ))
                    }
                }
            } else {
                Selector::Label(s.to_string())
            };
            (name, sel)
        }
    };
    Ok((check_name_for_read(name)?, sel))
}

/// Reading accepts any syntactically valid name, reserved prefixes included (they
/// simply do not exist here).
fn check_name_for_read(name: &str) -> ServiceResult<String> {
    let name = name.trim();
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/'));
    if valid {
        Ok(name.to_string())
    } else {
        Err(ServiceError::invalid_field(
            "name",
            format!("The parameter name {name:?} is not valid."),
        ))
    }
}

/// Why a label is refused (it is then returned in InvalidLabels), or None when valid.
pub fn label_problem(label: &str) -> Option<&'static str> {
    let lower = label.to_ascii_lowercase();
    if label.is_empty() || label.chars().count() > MAX_LABEL_CHARS {
        Some("labels are 1 to 100 characters")
    } else if !label
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    {
        Some("labels hold letters, digits, . - and _ only")
    } else if label.starts_with(|c: char| c.is_ascii_digit()) {
        Some("labels cannot begin with a digit")
    } else if lower.starts_with("aws") || lower.starts_with("ssm") {
        Some("labels cannot begin with aws or ssm")
    } else {
        None
    }
}

/// The tier a put ends with. `requested` is the request's Tier (or the default-tier
/// setting when absent); `current` the stored parameter's tier.
pub fn effective_tier(
    requested: &str,
    current: Option<&str>,
    value_bytes: usize,
    has_policies: bool,
) -> ServiceResult<&'static str> {
    let was_advanced = current == Some("Advanced");
    let tier = match requested {
        "Advanced" => "Advanced",
        "Intelligent-Tiering" => {
            if was_advanced || value_bytes > STANDARD_VALUE_BYTES || has_policies {
                "Advanced"
            } else {
                "Standard"
            }
        }
        "Standard" => {
            if was_advanced {
                return Err(ServiceError::invalid_field(
                    "tier",
                    "This parameter uses the Advanced tier. You can't downgrade a parameter from the Advanced tier to the Standard tier; delete it and create it again as Standard.",
                ));
            }
            "Standard"
        }
        other => {
            return Err(ServiceError::invalid_field(
                "tier",
                format!(
                    "{other} is not a parameter tier (Standard, Advanced, Intelligent-Tiering)."
                ),
            ))
        }
    };
    let limit = if tier == "Advanced" {
        ADVANCED_VALUE_BYTES
    } else {
        STANDARD_VALUE_BYTES
    };
    if value_bytes > limit {
        return Err(ServiceError::invalid_field(
            "value",
            format!(
                "The value is {value_bytes} bytes; {tier} parameters hold at most {limit} bytes{}.",
                if tier == "Standard" {
                    " (use the Advanced or Intelligent-Tiering tier for up to 8 KB)"
                } else {
                    ""
                }
            ),
        ));
    }
    if has_policies && tier != "Advanced" {
        return Err(ServiceError::invalid_field(
            "policies",
            "Parameter policies need the Advanced tier (or Intelligent-Tiering, which picks it).",
        )
        .with_exception("InvalidPolicyTypeException"));
    }
    Ok(tier)
}

/// A parameter policy as stored: its JSON text and what it means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    pub kind: PolicyKind,
    /// The policy as the caller wrote it (returned in PolicyText).
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PolicyKind {
    /// Delete the parameter at this time (ms).
    Expiration { at_ms: i64 },
    /// Notify this long (ms) before the expiration.
    ExpirationNotification { before_ms: i64 },
    /// Notify when the parameter has not changed for this long (ms).
    NoChangeNotification { after_ms: i64 },
}

impl Policy {
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            PolicyKind::Expiration { .. } => "Expiration",
            PolicyKind::ExpirationNotification { .. } => "ExpirationNotification",
            PolicyKind::NoChangeNotification { .. } => "NoChangeNotification",
        }
    }
}

fn policy_attr_error(msg: String) -> ServiceError {
    ServiceError::invalid_field("policies", msg).with_exception("InvalidPolicyAttributeException")
}

/// Parses PutParameter's Policies (a JSON array of `{Type, Version, Attributes}`).
/// Empty input (or `[]`) is no policies.
pub fn parse_policies(input: &str, now_ms: i64) -> ServiceResult<Vec<Policy>> {
    if input.trim().is_empty() {
        return Ok(Vec::new());
    }
    let v: serde_json::Value = serde_json::from_str(input).map_err(|e| {
        ServiceError::invalid_field("policies", format!("Policies must be a JSON array: {e}."))
            .with_exception("InvalidPolicyTypeException")
    })?;
    let items = v.as_array().ok_or_else(|| {
        ServiceError::invalid_field("policies", "Policies must be a JSON array of policies.")
            .with_exception("InvalidPolicyTypeException")
    })?;
    if items.len() > MAX_POLICIES {
        return Err(ServiceError::validation(format!(
            "A parameter can have at most {MAX_POLICIES} policies."
        ))
        .with_exception("PoliciesLimitExceededException"));
    }
    let mut out: Vec<Policy> = Vec::new();
    for item in items {
        let ty = item.get("Type").and_then(|t| t.as_str()).unwrap_or("");
        let attrs = item.get("Attributes").cloned().unwrap_or_default();
        let attr = |k: &str| attrs.get(k).and_then(|a| a.as_str()).map(str::to_string);
        if let Some(ver) = item.get("Version").and_then(|v| v.as_str()) {
            if ver != "1.0" {
                return Err(policy_attr_error(format!(
                    "Policy version {ver} is not supported (use 1.0)."
                )));
            }
        }
        let duration = |key: &str| -> ServiceResult<i64> {
            let n = attr(key)
                .and_then(|s| s.parse::<i64>().ok())
                .filter(|n| *n >= 1)
                .ok_or_else(|| {
                    policy_attr_error(format!(
                        "{ty} needs {key} as a whole number of at least 1 (a string, e.g. \"15\")."
                    ))
                })?;
            let unit = attr("Unit").unwrap_or_default();
            let ms = match unit.as_str() {
                "Days" => 86_400_000,
                "Hours" => 3_600_000,
                _ => return Err(policy_attr_error(format!("{ty} needs Unit Days or Hours."))),
            };
            Ok(n.saturating_mul(ms))
        };
        let kind = match ty {
            "Expiration" => {
                let ts = attr("Timestamp").ok_or_else(|| {
                    policy_attr_error(
                        "Expiration needs a Timestamp (ISO 8601, e.g. 2030-12-02T21:34:33.000Z)."
                            .into(),
                    )
                })?;
                let at = time::OffsetDateTime::parse(
                    &ts,
                    &time::format_description::well_known::Rfc3339,
                )
                .map_err(|_| {
                    policy_attr_error(format!(
                        "Expiration Timestamp {ts:?} is not an ISO 8601 time (e.g. 2030-12-02T21:34:33.000Z)."
                    ))
                })?;
                let at_ms = (at.unix_timestamp_nanos() / 1_000_000) as i64;
                if at_ms <= now_ms {
                    return Err(policy_attr_error(format!(
                        "Expiration Timestamp {ts} is in the past."
                    )));
                }
                PolicyKind::Expiration { at_ms }
            }
            "ExpirationNotification" => PolicyKind::ExpirationNotification {
                before_ms: duration("Before")?,
            },
            "NoChangeNotification" => PolicyKind::NoChangeNotification {
                after_ms: duration("After")?,
            },
            other => {
                return Err(ServiceError::invalid_field(
                    "policies",
                    format!("{other:?} is not a policy type (Expiration, ExpirationNotification, NoChangeNotification)."),
                )
                .with_exception("InvalidPolicyTypeException"))
            }
        };
        let p = Policy {
            kind,
            text: serde_json::to_string(item).unwrap_or_default(),
        };
        if out.iter().any(|o| o.type_name() == p.type_name()) {
            return Err(ServiceError::validation(format!(
                "Only one {} policy can be attached to a parameter.",
                p.type_name()
            ))
            .with_exception("IncompatiblePolicyException"));
        }
        out.push(p);
    }
    if out
        .iter()
        .any(|p| matches!(p.kind, PolicyKind::ExpirationNotification { .. }))
        && !out
            .iter()
            .any(|p| matches!(p.kind, PolicyKind::Expiration { .. }))
    {
        return Err(ServiceError::validation(
            "An ExpirationNotification policy needs an Expiration policy on the same parameter.",
        )
        .with_exception("IncompatiblePolicyException"));
    }
    Ok(out)
}

/// Full-match check of a value against AllowedPattern (AWS matches the whole value).
pub fn check_allowed_pattern(pattern: &str, value: &str) -> ServiceResult<()> {
    if pattern.is_empty() {
        return Ok(());
    }
    let re = compile_pattern(pattern)?;
    if re.is_match(value) {
        Ok(())
    } else {
        Err(ServiceError::invalid_field(
            "value",
            format!("The value does not match the parameter's allowed pattern {pattern}."),
        )
        .with_exception("ParameterPatternMismatchException"))
    }
}

/// Compiles AllowedPattern, anchored at both ends.
pub fn compile_pattern(pattern: &str) -> ServiceResult<regex::Regex> {
    regex::RegexBuilder::new(&format!("^(?:{pattern})$"))
        .size_limit(1 << 20)
        .build()
        .map_err(|_| {
            ServiceError::invalid_field(
                "allowedPattern",
                format!("The allowed pattern {pattern} is not a valid regular expression."),
            )
            .with_exception("InvalidAllowedPatternException")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_ssm_rules() {
        for ok in ["plain", "/a", "/a/b-c/d_e.f", "a.b-c_d", " /trimmed "] {
            assert!(check_name(ok).is_ok(), "{ok}");
        }
        assert_eq!(check_name(" /x ").ok().as_deref(), Some("/x"));
        for bad in [
            "", "a b", "a/b", "/a/", "/a//b", "/aws/x", "awsx", "/SSM/x", "Ssm", "a:b", "é",
        ] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        let deep = "/l".repeat(15);
        assert!(check_name(&deep).is_ok());
        let too_deep = "/l".repeat(16);
        assert_eq!(
            check_name(&too_deep).err().and_then(|e| e.exception),
            Some("HierarchyLevelLimitExceededException")
        );
        assert!(check_name(&"a".repeat(MAX_NAME_CHARS)).is_ok());
        assert!(check_name(&"a".repeat(MAX_NAME_CHARS + 1)).is_err());
    }

    #[test]
    fn paths_and_parents() {
        assert_eq!(parent_path("/a/b/c"), "/a/b");
        assert_eq!(parent_path("/c"), "/");
        assert_eq!(parent_path("c"), "");
        assert_eq!(check_path("/a/b/").ok().as_deref(), Some("/a/b"));
        assert_eq!(check_path("/").ok().as_deref(), Some("/"));
        for bad in ["a", "", "/a//b", "/a b"] {
            assert!(check_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn selectors_and_arns() {
        assert_eq!(
            parse_selector("/a/b").ok(),
            Some(("/a/b".into(), Selector::Latest))
        );
        assert_eq!(
            parse_selector("/a/b:3").ok(),
            Some(("/a/b".into(), Selector::Version(3)))
        );
        assert_eq!(
            parse_selector("/a/b:prod").ok(),
            Some(("/a/b".into(), Selector::Label("prod".into())))
        );
        assert_eq!(
            parse_selector("arn:aws:ssm:us-east-1:123456789012:parameter/a/b:2").ok(),
            Some(("/a/b".into(), Selector::Version(2)))
        );
        assert_eq!(
            parse_selector("arn:aws:ssm:us-east-1:123456789012:parameter/plain").ok(),
            Some(("plain".into(), Selector::Latest))
        );
        for bad in ["/a:", "/a:0", "/a:1:2", "arn:aws:s3:::bucket", "/a b"] {
            assert!(parse_selector(bad).is_err(), "{bad}");
        }
        assert_eq!(Selector::Version(3).as_text().as_deref(), Some(":3"));
    }

    #[test]
    fn labels() {
        assert_eq!(label_problem("prod"), None);
        assert_eq!(label_problem("Release_1.2-b"), None);
        for bad in ["", "1st", "awsy", "SSMx", "a/b", "a b", &"x".repeat(101)] {
            assert!(label_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn tiers() {
        assert_eq!(
            effective_tier("Standard", None, 10, false).ok(),
            Some("Standard")
        );
        assert_eq!(
            effective_tier("Intelligent-Tiering", None, 5000, false).ok(),
            Some("Advanced")
        );
        assert_eq!(
            effective_tier("Intelligent-Tiering", None, 10, true).ok(),
            Some("Advanced")
        );
        assert_eq!(
            effective_tier("Intelligent-Tiering", Some("Advanced"), 10, false).ok(),
            Some("Advanced")
        );
        assert_eq!(
            effective_tier("Intelligent-Tiering", Some("Standard"), 10, false).ok(),
            Some("Standard")
        );
        // Never downgraded.
        assert!(effective_tier("Standard", Some("Advanced"), 10, false).is_err());
        // Size limits at their boundaries.
        assert!(effective_tier("Standard", None, 4096, false).is_ok());
        assert!(effective_tier("Standard", None, 4097, false).is_err());
        assert!(effective_tier("Advanced", None, 8192, false).is_ok());
        assert!(effective_tier("Advanced", None, 8193, false).is_err());
        assert!(effective_tier("Intelligent-Tiering", None, 8193, false).is_err());
        // Policies need Advanced.
        assert!(effective_tier("Standard", None, 10, true).is_err());
    }

    #[test]
    fn policies_parse_and_refuse_what_ssm_refuses() {
        let now = 1_700_000_000_000;
        let p = parse_policies(
            r#"[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2030-12-02T21:34:33.000Z"}},
                {"Type":"ExpirationNotification","Version":"1.0","Attributes":{"Before":"15","Unit":"Days"}},
                {"Type":"NoChangeNotification","Version":"1.0","Attributes":{"After":"20","Unit":"Hours"}}]"#,
            now,
        )
        .expect("valid");
        assert_eq!(p.len(), 3);
        assert_eq!(
            p[1].kind,
            PolicyKind::ExpirationNotification {
                before_ms: 15 * 86_400_000
            }
        );
        assert_eq!(
            p[2].kind,
            PolicyKind::NoChangeNotification {
                after_ms: 20 * 3_600_000
            }
        );
        assert!(parse_policies("", now).expect("empty").is_empty());
        assert!(parse_policies("[]", now).expect("empty").is_empty());
        let exc = |s: &str| parse_policies(s, now).err().and_then(|e| e.exception);
        assert_eq!(exc("{"), Some("InvalidPolicyTypeException"));
        assert_eq!(
            exc(r#"[{"Type":"Nope","Attributes":{}}]"#),
            Some("InvalidPolicyTypeException")
        );
        assert_eq!(
            exc(r#"[{"Type":"Expiration","Attributes":{"Timestamp":"2001-01-01T00:00:00Z"}}]"#),
            Some("InvalidPolicyAttributeException")
        );
        assert_eq!(
            exc(r#"[{"Type":"NoChangeNotification","Attributes":{"After":"x","Unit":"Days"}}]"#),
            Some("InvalidPolicyAttributeException")
        );
        assert_eq!(
            exc(r#"[{"Type":"NoChangeNotification","Attributes":{"After":"3","Unit":"Weeks"}}]"#),
            Some("InvalidPolicyAttributeException")
        );
        assert_eq!(
            exc(r#"[{"Type":"ExpirationNotification","Attributes":{"Before":"3","Unit":"Days"}}]"#),
            Some("IncompatiblePolicyException")
        );
        let two = r#"[{"Type":"NoChangeNotification","Attributes":{"After":"3","Unit":"Days"}},{"Type":"NoChangeNotification","Attributes":{"After":"4","Unit":"Days"}}]"#;
        assert_eq!(exc(two), Some("IncompatiblePolicyException"));
        let many = format!(
            "[{}]",
            [r#"{"Type":"NoChangeNotification","Attributes":{"After":"3","Unit":"Days"}}"#; 11]
                .join(",")
        );
        assert_eq!(exc(&many), Some("PoliciesLimitExceededException"));
    }

    #[test]
    fn allowed_patterns_match_the_whole_value() {
        assert!(check_allowed_pattern(r"\d+", "123").is_ok());
        assert!(check_allowed_pattern(r"\d+", "12a").is_err());
        assert!(check_allowed_pattern(r"^\d+$", "123").is_ok());
        assert!(check_allowed_pattern("", "anything").is_ok());
        assert_eq!(
            check_allowed_pattern("(", "x")
                .err()
                .and_then(|e| e.exception),
            Some("InvalidAllowedPatternException")
        );
    }
}
