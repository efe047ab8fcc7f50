//! Built-in documents, under their AWS names so existing scripts work unchanged.
//! They live in the binary (read-only, Owner `Amazon`, one version); later
//! capabilities add theirs here (AWS-RunPatchBaseline, AWS-GatherSoftwareInventory…).

use super::model::{self, CommandDocument, Format};
use std::sync::OnceLock;

pub struct Builtin {
    pub name: &'static str,
    pub content: &'static str,
    pub format: Format,
    pub document: CommandDocument,
    pub hash: String,
}

/// When the built-ins "were created" (shown as CreatedDate): Bosun 0.1's release day.
pub const CREATED_AT_MS: i64 = 1_795_651_200_000;

const SOURCES: &[(&str, &str)] = &[
    (
        "AWS-RunShellScript",
        include_str!("builtin/AWS-RunShellScript.json"),
    ),
    (
        "AWS-RunPatchBaseline",
        include_str!("builtin/AWS-RunPatchBaseline.json"),
    ),
];

/// Every built-in document, parsed once. A built-in that does not validate is a bug
/// caught by the unit test below, never at a user's request.
pub fn all() -> &'static [Builtin] {
    static ALL: OnceLock<Vec<Builtin>> = OnceLock::new();
    ALL.get_or_init(|| {
        SOURCES
            .iter()
            .filter_map(|(name, content)| {
                let (value, format) = model::parse_content(content, None).ok()?;
                let document = model::validate(&value).ok()?;
                Some(Builtin {
                    name,
                    content,
                    format,
                    document,
                    hash: crate::crypto::sha256_hex(content.as_bytes()),
                })
            })
            .collect()
    })
}

pub fn get(name: &str) -> Option<&'static Builtin> {
    all().iter().find(|b| b.name == name)
}

/// Names users may not take: AWS reserves these prefixes for its own documents.
pub fn is_reserved_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    ["aws", "amazon", "amzn"]
        .iter()
        .any(|p| lower.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_validates() {
        assert_eq!(all().len(), SOURCES.len(), "a built-in document is invalid");
        let shell = get("AWS-RunShellScript").expect("shell");
        assert_eq!(shell.document.platform_types(), vec!["Linux", "MacOS"]);
        let names: Vec<_> = shell
            .document
            .parameters
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(
            names,
            vec!["commands", "workingDirectory", "executionTimeout"]
        );
    }

    #[test]
    fn run_patch_baseline_is_built_in_for_linux() {
        let patch = get("AWS-RunPatchBaseline").expect("patch");
        assert_eq!(patch.document.platform_types(), vec!["Linux"]);
        assert_eq!(patch.document.steps[0].action, model::RUN_PATCH_BASELINE);
    }

    #[test]
    fn reserved_prefixes() {
        assert!(is_reserved_name("AWS-Mine"));
        assert!(is_reserved_name("amazon.x"));
        assert!(is_reserved_name("AMZN_thing"));
        assert!(!is_reserved_name("my-aws-doc"));
    }
}
