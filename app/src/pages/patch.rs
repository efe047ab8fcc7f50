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

/// The badge class of a baseline's decision (`APPROVED`, `PENDING_APPROVAL`…).
pub fn deployment_status_badge(status: &str) -> &'static str {
    match status {
        "APPROVED" | "EXPLICIT_APPROVED" => "badge badge-success",
        "PENDING_APPROVAL" => "badge badge-warning",
        "EXPLICIT_REJECTED" => "badge badge-danger",
        _ => "badge badge-muted",
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
        use bosun_core::bosun_patch::PatchDeploymentStatus::*;
        for status in [
            Approved,
            ExplicitApproved,
            PendingApproval,
            ExplicitRejected,
        ] {
            let json = serde_json::to_value(status).unwrap_or_default();
            let s = json.as_str().unwrap_or_default();
            assert_ne!(deployment_status_badge(s), "badge badge-muted", "{s}");
        }
    }
}
