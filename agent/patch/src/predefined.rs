//! The predefined `AWS-…` patch baselines for the operating systems Bosun patches, with
//! the rules AWS documents for them. They are data compiled into the binary, read-only:
//! nobody can update or delete them, and an upgrade of Bosun updates them.
//!
//! Ids: AWS's real ids differ per Region and account; Bosun uses one stable id per
//! baseline, of AWS's pattern `pb-` + 17 hex digits, all starting `pb-0b05` so they are
//! recognisable, and ARNs of the form `arn:aws:ssm:<region>::patchbaseline/<id>` (no
//! account: the baselines belong to no user account).
//!
//! All predefined baselines use compliance level `UNSPECIFIED`, as AWS documents, and
//! `PRODUCT = *` as global filter.

use crate::baseline::{
    OperatingSystem, PatchBaseline, PatchFilter, PatchFilterGroup, PatchFilterKey, PatchRule,
    PatchRuleGroup,
};

/// One predefined baseline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PredefinedBaseline {
    pub id: &'static str,
    pub baseline: PatchBaseline,
}

impl PredefinedBaseline {
    /// Predefined baselines can never be updated or deleted.
    pub const READ_ONLY: bool = true;

    pub fn arn(&self, region: &str) -> String {
        format!("arn:aws:ssm:{region}::patchbaseline/{}", self.id)
    }
}

const APT_PRIORITIES_ALL: &[&str] = &["Required", "Important", "Standard", "Optional", "Extra"];

/// Operating system, id, name, (description, rules).
type Entry = (
    OperatingSystem,
    &'static str,
    &'static str,
    (&'static str, Vec<PatchRule>),
);

/// Every predefined baseline, one per supported operating system.
pub fn all() -> Vec<PredefinedBaseline> {
    use OperatingSystem::*;
    let rpm_standard =
        |desc: &'static str| (desc, vec![security(&["Critical", "Important"]), bugfix()]);
    let table: [Entry; 12] = [
        (
            Debian,
            "pb-0b05d3b1a0000000a",
            "AWS-DebianDefaultPatchBaseline",
            apt_default(),
        ),
        (
            Ubuntu,
            "pb-0b05d3b1a0000000b",
            "AWS-UbuntuDefaultPatchBaseline",
            apt_default(),
        ),
        (
            Raspbian,
            "pb-0b05d3b1a0000000c",
            "AWS-DefaultRaspbianPatchBaseline",
            apt_default(),
        ),
        (
            RedhatEnterpriseLinux,
            "pb-0b05e1a0000000001",
            "AWS-RedHatDefaultPatchBaseline",
            rpm_standard("Default Patch Baseline for Redhat Enterprise Linux Provided by AWS."),
        ),
        (
            RockyLinux,
            "pb-0b05e1a0000000002",
            "AWS-RockyLinuxDefaultPatchBaseline",
            rpm_standard("Default Patch Baseline for Rocky Linux Provided by AWS."),
        ),
        (
            AlmaLinux,
            "pb-0b05e1a0000000003",
            "AWS-AlmaLinuxDefaultPatchBaseline",
            rpm_standard("Default Patch Baseline for AlmaLinux Provided by AWS."),
        ),
        (
            AmazonLinux2023,
            "pb-0b05e1a0000000004",
            "AWS-AmazonLinux2023DefaultPatchBaseline",
            rpm_standard("Default Patch Baseline for Amazon Linux 2023 Provided by AWS."),
        ),
        (
            AmazonLinux2022,
            "pb-0b05e1a0000000005",
            "AWS-AmazonLinux2022DefaultPatchBaseline",
            rpm_standard("Default Patch Baseline for Amazon Linux 2022 Provided by AWS."),
        ),
        (
            AmazonLinux2,
            "pb-0b05e1a0000000006",
            "AWS-AmazonLinux2DefaultPatchBaseline",
            rpm_standard("Default Patch Baseline for Amazon Linux 2 Provided by AWS."),
        ),
        (
            AmazonLinux,
            "pb-0b05e1a0000000007",
            "AWS-AmazonLinuxDefaultPatchBaseline",
            rpm_standard("Default Patch Baseline for Amazon Linux Provided by AWS."),
        ),
        (
            OracleLinux,
            "pb-0b05e1a0000000008",
            "AWS-OracleLinuxDefaultPatchBaseline",
            (
                "Default Patch Baseline for Oracle Linux Provided by AWS.",
                vec![security(&["Important", "Moderate"]), bugfix()],
            ),
        ),
        (
            Centos,
            "pb-0b05e1a0000000009",
            "AWS-CentOSDefaultPatchBaseline",
            (
                "Default Patch Baseline for CentOS Provided by AWS.",
                vec![PatchRule {
                    enable_non_security: true,
                    ..PatchRule::after_days(
                        vec![PatchFilter::new(PatchFilterKey::Classification, &["*"])],
                        7,
                    )
                }],
            ),
        ),
    ];
    table
        .into_iter()
        .map(|(os, id, name, (description, rules))| {
            let mut baseline = PatchBaseline::new(name, os);
            baseline.description = Some(description.to_owned());
            baseline.global_filters = Some(PatchFilterGroup {
                patch_filters: vec![PatchFilter::new(PatchFilterKey::Product, &["*"])],
            });
            baseline.approval_rules = Some(PatchRuleGroup { patch_rules: rules });
            PredefinedBaseline { id, baseline }
        })
        .collect()
}

/// The predefined baseline AWS uses by default for `os`, if Bosun supports `os`.
pub fn default_for(os: OperatingSystem) -> Option<PredefinedBaseline> {
    all()
        .into_iter()
        .find(|p| p.baseline.operating_system == os)
}

/// Finds a predefined baseline by id, ARN or name.
pub fn find(id_arn_or_name: &str) -> Option<PredefinedBaseline> {
    let id = id_arn_or_name
        .rsplit_once("patchbaseline/")
        .map_or(id_arn_or_name, |(_, id)| id);
    all()
        .into_iter()
        .find(|p| p.id == id || p.baseline.name == id_arn_or_name)
}

/// Debian, Ubuntu, Raspberry Pi OS: every security-pocket update of any priority,
/// immediately (apt repositories carry no release dates).
fn apt_default() -> (&'static str, Vec<PatchRule>) {
    (
        "Default Patch Baseline for apt-based operating systems Provided by AWS.",
        vec![PatchRule::after_days(
            vec![PatchFilter::new(
                PatchFilterKey::Priority,
                APT_PRIORITIES_ALL,
            )],
            0,
        )],
    )
}

fn security(severities: &[&str]) -> PatchRule {
    PatchRule::after_days(
        vec![
            PatchFilter::new(PatchFilterKey::Classification, &["Security"]),
            PatchFilter::new(PatchFilterKey::Severity, severities),
        ],
        7,
    )
}

fn bugfix() -> PatchRule {
    PatchRule::after_days(
        vec![PatchFilter::new(
            PatchFilterKey::Classification,
            &["Bugfix"],
        )],
        7,
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::baseline::{ComplianceLevel, OsFamily};
    use crate::validate::validate;
    use crate::{evaluate, AdvisoryKind, Decision, PackageDetails, PackageInfo};
    use time::macros::date;

    #[test]
    fn every_predefined_baseline_validates_and_ids_are_well_formed_and_unique() {
        let all = all();
        assert_eq!(all.len(), 12);
        for p in &all {
            assert_eq!(validate(&p.baseline), Ok(()), "{}", p.baseline.name);
            let hex = p.id.strip_prefix("pb-").unwrap();
            assert_eq!(hex.len(), 17, "{}", p.id);
            assert!(hex
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
            assert!(p.baseline.name.starts_with("AWS-"));
            assert_ne!(p.baseline.operating_system.family(), OsFamily::Unsupported);
            for rule in p.baseline.rules() {
                assert_eq!(rule.compliance_level, ComplianceLevel::Unspecified);
            }
        }
        for (i, p) in all.iter().enumerate() {
            for q in &all[i + 1..] {
                assert_ne!(p.id, q.id);
                assert_ne!(p.baseline.operating_system, q.baseline.operating_system);
            }
        }
    }

    #[test]
    fn one_per_supported_operating_system() {
        for os in OperatingSystem::ALL {
            let supported = os.family() != OsFamily::Unsupported;
            assert_eq!(default_for(os).is_some(), supported, "{os:?}");
        }
    }

    #[test]
    fn lookup_by_id_arn_and_name() {
        let rhel = default_for(OperatingSystem::RedhatEnterpriseLinux).unwrap();
        assert_eq!(rhel.baseline.name, "AWS-RedHatDefaultPatchBaseline");
        let arn = rhel.arn("eu-west-1");
        assert_eq!(
            arn,
            format!("arn:aws:ssm:eu-west-1::patchbaseline/{}", rhel.id)
        );
        assert_eq!(find(&arn), Some(rhel.clone()));
        assert_eq!(find(rhel.id), Some(rhel.clone()));
        assert_eq!(find("AWS-RedHatDefaultPatchBaseline"), Some(rhel));
        assert_eq!(find("pb-00000000000000000"), None);
    }

    #[test]
    fn redhat_default_rules_behave_as_documented() {
        let rhel = default_for(OperatingSystem::RedhatEnterpriseLinux)
            .unwrap()
            .baseline;
        let mut pkg = PackageInfo {
            name: "openssl".into(),
            arch: "x86_64".into(),
            installed_version: Some("1-1".into()),
            candidate_version: Some("1-2".into()),
            product: Some("RedhatEnterpriseLinux9.3".into()),
            details: PackageDetails::Dnf(crate::DnfDetails {
                advisory: Some(crate::Advisory {
                    id: "RHSA-2024:1".into(),
                    kind: AdvisoryKind::Security,
                    severity: Some("Moderate".into()),
                    cve_ids: vec![],
                    bugzilla_ids: vec![],
                    issued: Some(date!(2024 - 03 - 01)),
                    updated: None,
                }),
                repository: None,
                build_date: None,
            }),
        };
        let day = date!(2024 - 03 - 20);
        assert_eq!(
            evaluate(&rhel, &pkg, day),
            Decision::NotApproved,
            "moderate security"
        );
        if let PackageDetails::Dnf(dnf) = &mut pkg.details {
            if let Some(a) = dnf.advisory.as_mut() {
                a.severity = Some("Important".into());
            }
        }
        assert!(matches!(
            evaluate(&rhel, &pkg, day),
            Decision::Approved { .. }
        ));
        assert!(matches!(
            evaluate(&rhel, &pkg, date!(2024 - 03 - 07)),
            Decision::PendingApproval { .. }
        ));
        // Oracle's default takes Moderate.
        let oracle = default_for(OperatingSystem::OracleLinux).unwrap().baseline;
        if let PackageDetails::Dnf(dnf) = &mut pkg.details {
            if let Some(a) = dnf.advisory.as_mut() {
                a.severity = Some("Moderate".into());
                a.kind = AdvisoryKind::Security;
            }
        }
        assert!(matches!(
            evaluate(&oracle, &pkg, day),
            Decision::Approved { .. }
        ));
    }
}
