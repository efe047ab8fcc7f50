//! Tags: one facility for every taggable resource type (AWS `ResourceTypeForTagging`
//! plus activations, which AWS tags only at creation). Resources store their tags here
//! under their AWS resource type and id; the rules (key and value syntax, reserved
//! `aws:` prefix, count per resource) live in [`validate`] so every resource type
//! enforces the same ones.
//!
//! The AddTagsToResource / RemoveTagsFromResource / ListTagsForResource operations
//! plug resource types in as they appear (managed nodes first).

mod service;
pub mod store;

pub use service::{add_tags_to_resource, list_tags_for_resource, remove_tags_from_resource};

use crate::error::{ServiceError, ServiceResult};
use crate::types::Tag;

/// Tags per resource (AWS's general tagging limit).
pub const MAX_TAGS_PER_RESOURCE: usize = 50;
pub const MAX_KEY_CHARS: usize = 128;
pub const MAX_VALUE_CHARS: usize = 256;

/// AWS's tag character class: letters, numbers, separators (spaces), and `_ . : / = + - @`.
pub fn valid_tag_text(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c))
}

fn invalid(message: String) -> ServiceError {
    ServiceError::validation(message).with_exception("InvalidParameters")
}

/// Checks a set of tags for one resource.
pub fn validate(tags: &[Tag]) -> ServiceResult<()> {
    if tags.len() > MAX_TAGS_PER_RESOURCE {
        return Err(invalid(format!(
            "A resource can have at most {MAX_TAGS_PER_RESOURCE} tags."
        )));
    }
    let mut seen = std::collections::HashSet::new();
    for t in tags {
        let n = t.key.chars().count();
        if n == 0 || n > MAX_KEY_CHARS || !valid_tag_text(&t.key) {
            return Err(invalid(format!(
                "Tag key {:?} is not valid: 1–{MAX_KEY_CHARS} letters, numbers, spaces and _.:/=+-@",
                t.key
            )));
        }
        if t.key.to_ascii_lowercase().starts_with("aws:") {
            return Err(invalid(format!(
                "Tag key {:?} uses the reserved prefix aws:",
                t.key
            )));
        }
        if t.value.chars().count() > MAX_VALUE_CHARS || !valid_tag_text(&t.value) {
            return Err(invalid(format!(
                "The value of tag {:?} is not valid: up to {MAX_VALUE_CHARS} letters, numbers, spaces and _.:/=+-@",
                t.key
            )));
        }
        if !seen.insert(t.key.as_str()) {
            return Err(invalid(format!("Tag key {:?} appears twice.", t.key)));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(k: &str, v: &str) -> Tag {
        Tag {
            key: k.into(),
            value: v.into(),
        }
    }

    #[test]
    fn tag_rules() {
        assert!(validate(&[
            tag("Environment", "prod"),
            tag("Patch Group", "web-1"),
            tag("owner", "")
        ])
        .is_ok());
        let bad: &[&[Tag]] = &[
            &[tag("", "x")],
            &[tag(&"k".repeat(129), "x")],
            &[tag("k", &"v".repeat(257))],
            &[tag("aws:created", "x")],
            &[tag("AWS:x", "x")],
            &[tag("semi;colon", "x")],
            &[tag("k", "<script>")],
            &[tag("k", "1"), tag("k", "2")],
        ];
        for tags in bad {
            let e = validate(tags).expect_err("invalid");
            assert_eq!(e.exception, Some("InvalidParameters"), "{tags:?}");
        }
        let many: Vec<Tag> = (0..51).map(|i| tag(&format!("k{i}"), "v")).collect();
        assert!(validate(&many).is_err());
    }
}
