//! Patch Manager in the console: what its pages share. The pages are
//! `patch_baselines` (the list), `patch_baseline` (one baseline), `patch_form` (the
//! create and edit forms with the rule builder), `patch_groups`, `patch_compliance`
//! (the dashboard, and Scan / Install through Run Command) and `patch_node` (one node's
//! patches). Every server function calls the Patch Manager services the AWS API calls.

use bosun_core::bosun_patch::{ComplianceLevel, OperatingSystem, RejectedPatchesAction};

/// The console's link to one baseline.
pub fn baseline_href(baseline_id: &str) -> String {
    format!("/patch/baselines/{baseline_id}")
}

/// The console's link to one node's patches.
pub fn node_patches_href(instance_id: &str) -> String {
    format!("/patch/nodes/{instance_id}")
}

/// `s` percent-encoded for a URL query value.
pub fn query_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b))
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The operating system as people name it (`Red Hat Enterprise Linux`).
pub fn os_label(os: OperatingSystem) -> &'static str {
    use OperatingSystem::*;
    match os {
        Windows => "Windows Server",
        AmazonLinux => "Amazon Linux",
        AmazonLinux2 => "Amazon Linux 2",
        AmazonLinux2022 => "Amazon Linux 2022",
        AmazonLinux2023 => "Amazon Linux 2023",
        Ubuntu => "Ubuntu",
        RedhatEnterpriseLinux => "Red Hat Enterprise Linux",
        Suse => "SUSE Linux Enterprise Server",
        Centos => "CentOS",
        OracleLinux => "Oracle Linux",
        Debian => "Debian",
        Macos => "macOS",
        Raspbian => "Raspberry Pi OS",
        RockyLinux => "Rocky Linux",
        AlmaLinux => "AlmaLinux",
    }
}

/// The operating system the API spells `s` (`DEBIAN`).
pub fn os_of(s: &str) -> Option<OperatingSystem> {
    OperatingSystem::ALL.into_iter().find(|os| os.as_str() == s)
}

/// Every operating system, by its label, for selects.
pub fn os_options() -> Vec<OperatingSystem> {
    let mut all = OperatingSystem::ALL.to_vec();
    all.sort_by_key(|os| os_label(*os));
    all
}

/// Compliance levels, most severe first, as the API spells them.
pub const COMPLIANCE_LEVELS: [(ComplianceLevel, &str); 6] = [
    (ComplianceLevel::Critical, "CRITICAL"),
    (ComplianceLevel::High, "HIGH"),
    (ComplianceLevel::Medium, "MEDIUM"),
    (ComplianceLevel::Low, "LOW"),
    (ComplianceLevel::Informational, "INFORMATIONAL"),
    (ComplianceLevel::Unspecified, "UNSPECIFIED"),
];

pub fn level_str(level: ComplianceLevel) -> &'static str {
    COMPLIANCE_LEVELS
        .iter()
        .find(|(l, _)| *l == level)
        .map_or("UNSPECIFIED", |(_, s)| s)
}

pub const REJECTED_ACTIONS: [(RejectedPatchesAction, &str, &str); 2] = [
    (
        RejectedPatchesAction::AllowAsDependency,
        "ALLOW_AS_DEPENDENCY",
        "Allow as a dependency",
    ),
    (RejectedPatchesAction::Block, "BLOCK", "Block"),
];

pub fn rejected_action_str(action: RejectedPatchesAction) -> &'static str {
    REJECTED_ACTIONS
        .iter()
        .find(|(a, _, _)| *a == action)
        .map_or("ALLOW_AS_DEPENDENCY", |(_, s, _)| s)
}

/// The badge class of a patch state (`MISSING`, `INSTALLED_OTHER`…).
pub fn patch_state_badge(state: &str) -> &'static str {
    match state {
        "MISSING" | "FAILED" | "INSTALLED_REJECTED" => "badge badge-danger",
        "INSTALLED_PENDING_REBOOT" => "badge badge-warning",
        "INSTALLED" | "INSTALLED_OTHER" => "badge badge-success",
        _ => "badge badge-muted",
    }
}

/// Server-side helpers: reading every page of a NextToken-paged service read, and
/// cutting a complete list into the console's `Page`.
#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use crate::error::AppError;
    use bosun_core::types::{ListQuery, Page};
    use std::future::Future;

    /// The most pages [`drain`] reads (the lists it reads are far shorter).
    const MAX_PAGES: usize = 1000;

    /// Every item of a NextToken-paged read: `next(token)` is one page.
    pub async fn drain<T, F, Fut>(mut next: F) -> Result<Vec<T>, AppError>
    where
        F: FnMut(Option<String>) -> Fut,
        Fut: Future<Output = bosun_core::ServiceResult<(Vec<T>, Option<String>)>>,
    {
        let mut all = Vec::new();
        let mut token = None;
        for _ in 0..MAX_PAGES {
            let (items, more) = next(token.take()).await?;
            all.extend(items);
            match more {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        Ok(all)
    }

    /// The page `query` asks for of a complete list.
    pub fn page_of<T>(items: Vec<T>, query: &ListQuery) -> Page<T> {
        let total = i64::try_from(items.len()).unwrap_or(i64::MAX);
        let offset = usize::try_from(query.offset()).unwrap_or(usize::MAX);
        let per_page = query.per_page();
        Page {
            items: items
                .into_iter()
                .skip(offset)
                .take(per_page as usize)
                .collect(),
            total,
            page: query.page(),
            per_page,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_os_has_a_label_and_round_trips() {
        for os in OperatingSystem::ALL {
            assert_eq!(os_of(os.as_str()), Some(os));
            assert!(!os_label(os).is_empty());
        }
        assert_eq!(os_options().len(), OperatingSystem::ALL.len());
        assert_eq!(os_of("debian"), None);
    }

    #[test]
    fn enum_spellings_match_the_api() {
        for (level, s) in COMPLIANCE_LEVELS {
            let json = serde_json::to_value(level).unwrap_or_default();
            assert_eq!(json.as_str(), Some(s));
            assert_eq!(level_str(level), s);
        }
        for (action, s, _) in REJECTED_ACTIONS {
            let json = serde_json::to_value(action).unwrap_or_default();
            assert_eq!(json.as_str(), Some(s));
            assert_eq!(rejected_action_str(action), s);
        }
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn pages_cut_a_complete_list() {
        use bosun_core::types::ListQuery;
        let q = ListQuery {
            page: 2,
            per_page: 10,
            ..Default::default()
        };
        let p = ssr::page_of((0..25).collect::<Vec<i32>>(), &q);
        assert_eq!(p.items, (10..20).collect::<Vec<_>>());
        assert_eq!((p.total, p.page, p.per_page), (25, 2, 10));
        let far = ListQuery {
            page: 9,
            ..Default::default()
        };
        assert!(ssr::page_of(vec![1, 2], &far).items.is_empty());
    }
}
