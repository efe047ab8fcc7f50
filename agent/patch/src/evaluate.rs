//! The approval decision for one package and its compliance state on a node.
//!
//! Precedence, as AWS documents it: the rejected list beats the approved list and the
//! rules; a package is approved by the approved list or by any rule. Filters in a group
//! are ANDed, values within a filter ORed. Choices where AWS is silent:
//! - `GlobalFilters` gate the rules only; the approved list is an operator's explicit word
//!   and bypasses them.
//! - When several rules (or a rule and the approved list) approve a package, the most
//!   severe compliance level wins; on a tie the approved list, then the earliest rule.
//! - `ApproveAfterDays = N`: approved from the day `release + N` on (UTC days). A yum/dnf
//!   package with no known date (no notice date, no build time) counts as a zero delay,
//!   as AWS documents. `ApproveUntilDate = D`: approved when released on or before `D`; a
//!   package with no known date is *not* approved by a cutoff rule — a freeze must not let
//!   in what it cannot date.
//! - apt packages have no release dates; their rules approve without delay (validation
//!   refuses delays there).
//! - `SEVERITY` values `Medium` and `Moderate` are synonyms (Amazon Linux says one, Red
//!   Hat the other); `None` names a notice without a severity.
//! - `SECTION` values match the whole section or its last component (`net` matches
//!   `universe/net`), case-insensitively, with `*` wildcards.
//! - "Security" for `EnableNonSecurity` / `ApprovedPatchesEnableNonSecurity` is
//!   [`PackageInfo::is_security`]: an apt security pocket, or any yum/dnf notice.

use serde::{Deserialize, Serialize};
use time::{Date, Duration};

use crate::baseline::{
    ComplianceLevel, OsFamily, PatchBaseline, PatchFilter, PatchFilterGroup, PatchFilterKey,
    PatchRule, RejectedPatchesAction,
};
use crate::dates::parse_ymd;
use crate::names::{glob_match, list_matches};
use crate::package::{PackageDetails, PackageInfo, PatchState};

/// What the baseline says about a package's patch version ([`PackageInfo::patch_version`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approved {
        compliance_level: ComplianceLevel,
        by: ApprovedBy,
        /// When a rule's delay or cutoff applied: the day approval began.
        approval_date: Option<Date>,
    },
    /// A rule will approve it on `approval_date` (its delay has not passed yet).
    PendingApproval {
        compliance_level: ComplianceLevel,
        rule: usize,
        approval_date: Date,
    },
    Rejected,
    NotApproved,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApprovedBy {
    /// The index of the rule in `ApprovalRules.PatchRules`.
    Rule(usize),
    ApprovedList,
}

/// `PatchDeploymentStatus`, for `DescribeEffectivePatchesForPatchBaseline`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PatchDeploymentStatus {
    Approved,
    PendingApproval,
    ExplicitApproved,
    ExplicitRejected,
}

impl Decision {
    /// The status AWS would show for this decision; `None` for a package the baseline
    /// does not mention.
    pub fn deployment_status(&self) -> Option<PatchDeploymentStatus> {
        match self {
            Decision::Approved {
                by: ApprovedBy::ApprovedList,
                ..
            } => Some(PatchDeploymentStatus::ExplicitApproved),
            Decision::Approved { .. } => Some(PatchDeploymentStatus::Approved),
            Decision::PendingApproval { .. } => Some(PatchDeploymentStatus::PendingApproval),
            Decision::Rejected => Some(PatchDeploymentStatus::ExplicitRejected),
            Decision::NotApproved => None,
        }
    }

    /// The day the patch was approved, or will be (`PendingApproval`); `None` when no
    /// rule's delay or cutoff dates the approval (the approved list, apt rules, a package
    /// with no known release date) or nothing approves it.
    pub fn approval_date(&self) -> Option<Date> {
        match self {
            Decision::Approved { approval_date, .. } => *approval_date,
            Decision::PendingApproval { approval_date, .. } => Some(*approval_date),
            Decision::Rejected | Decision::NotApproved => None,
        }
    }
}

/// What an Install operation may do with a package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstallAction {
    /// Approved: install or upgrade it.
    Install,
    /// Rejected under `ALLOW_AS_DEPENDENCY`: only as a dependency of an approved package.
    AllowAsDependency,
    /// Rejected under `BLOCK`: never, nor any package that needs it.
    Block,
    /// Not approved: leave it alone (the package manager may still pull it in as a
    /// dependency).
    Skip,
}

/// Decides whether `package` (at its patch version) is approved by `baseline` on `today`.
pub fn evaluate(baseline: &PatchBaseline, package: &PackageInfo, today: Date) -> Decision {
    let family = baseline.operating_system.family();
    let version = package.patch_version();
    if list_matches(&baseline.rejected_patches, package, version, family) {
        return Decision::Rejected;
    }
    let security = package.is_security();

    let mut best: Option<(ComplianceLevel, ApprovedBy, Option<Date>)> = None;
    if (security || baseline.approved_patches_enable_non_security)
        && list_matches(&baseline.approved_patches, package, version, family)
    {
        best = Some((
            baseline.approved_patches_compliance_level,
            ApprovedBy::ApprovedList,
            None,
        ));
    }

    let mut pending: Option<(ComplianceLevel, usize, Date)> = None;
    let passes_global = baseline
        .global_filters
        .as_ref()
        .is_none_or(|group| group_matches(group, package));
    if passes_global {
        for (i, rule) in baseline.rules().iter().enumerate() {
            if !(security || rule.enable_non_security)
                || !group_matches(&rule.patch_filter_group, package)
            {
                continue;
            }
            let level = rule.compliance_level;
            match timing(rule, family, package.release_date(), today) {
                Timing::Approved(date) => {
                    if best.is_none_or(|(l, _, _)| level.rank() > l.rank()) {
                        best = Some((level, ApprovedBy::Rule(i), date));
                    }
                }
                Timing::Pending(date) => {
                    if pending.is_none_or(|(_, _, d)| date < d) {
                        pending = Some((level, i, date));
                    }
                }
                Timing::Never => {}
            }
        }
    }

    match (best, pending) {
        (Some((compliance_level, by, approval_date)), _) => Decision::Approved {
            compliance_level,
            by,
            approval_date,
        },
        (None, Some((compliance_level, rule, approval_date))) => Decision::PendingApproval {
            compliance_level,
            rule,
            approval_date,
        },
        (None, None) => Decision::NotApproved,
    }
}

/// The compliance state of `package` on its node, or `None` when AWS would not report it
/// (neither installed nor approved, or rejected and not installed).
///
/// `pending_reboot`: Bosun's Install operation installed this package and the node has
/// not rebooted since. `FAILED` comes from the Install operation's result, never from here.
pub fn classify(
    baseline: &PatchBaseline,
    package: &PackageInfo,
    today: Date,
    pending_reboot: bool,
) -> Option<PatchState> {
    let family = baseline.operating_system.family();
    let installed = package.installed_version.is_some();
    let rejected_state = match baseline.rejected_patches_action {
        RejectedPatchesAction::Block => PatchState::InstalledRejected,
        RejectedPatchesAction::AllowAsDependency => PatchState::InstalledOther,
    };
    // The version on the node is itself rejected: whatever the update, that is the state.
    if installed
        && list_matches(
            &baseline.rejected_patches,
            package,
            package.installed_version.as_deref(),
            family,
        )
    {
        return Some(rejected_state);
    }
    match evaluate(baseline, package, today) {
        Decision::Approved { .. } if !installed => Some(PatchState::NotApplicable),
        Decision::Approved { .. } if package.has_update() => Some(PatchState::Missing),
        Decision::Approved { .. } if pending_reboot => Some(PatchState::InstalledPendingReboot),
        Decision::Approved { .. } => Some(PatchState::Installed),
        // Only the update is rejected (a version-specific entry); what is installed is
        // simply not in the baseline.
        Decision::Rejected | Decision::PendingApproval { .. } | Decision::NotApproved => {
            installed.then_some(PatchState::InstalledOther)
        }
    }
}

/// What an Install operation may do with `package` under `baseline` on `today`.
pub fn install_action(
    baseline: &PatchBaseline,
    package: &PackageInfo,
    today: Date,
) -> InstallAction {
    match evaluate(baseline, package, today) {
        Decision::Approved { .. } => InstallAction::Install,
        Decision::Rejected => match baseline.rejected_patches_action {
            RejectedPatchesAction::Block => InstallAction::Block,
            RejectedPatchesAction::AllowAsDependency => InstallAction::AllowAsDependency,
        },
        Decision::PendingApproval { .. } | Decision::NotApproved => InstallAction::Skip,
    }
}

enum Timing {
    Approved(Option<Date>),
    Pending(Date),
    Never,
}

fn timing(rule: &PatchRule, family: OsFamily, release: Option<Date>, today: Date) -> Timing {
    if family == OsFamily::Apt {
        return Timing::Approved(None);
    }
    if let Some(days) = rule.approve_after_days {
        let Some(released) = release else {
            return Timing::Approved(None);
        };
        return match released.checked_add(Duration::days(days)) {
            Some(approval) if today >= approval => Timing::Approved(Some(approval)),
            Some(approval) => Timing::Pending(approval),
            None => Timing::Never,
        };
    }
    if let Some(until) = rule.approve_until_date.as_deref() {
        return match (parse_ymd(until), release) {
            (Some(until), Some(released)) if released <= until => Timing::Approved(Some(released)),
            _ => Timing::Never,
        };
    }
    Timing::Approved(None)
}

fn group_matches(group: &PatchFilterGroup, package: &PackageInfo) -> bool {
    group
        .patch_filters
        .iter()
        .all(|filter| filter_matches(filter, package))
}

fn filter_matches(filter: &PatchFilter, package: &PackageInfo) -> bool {
    filter
        .values
        .iter()
        .any(|value| value == "*" || value_matches(filter.key, value, package))
}

fn value_matches(key: PatchFilterKey, value: &str, package: &PackageInfo) -> bool {
    match (key, &package.details) {
        (PatchFilterKey::Product, _) => package
            .product
            .as_deref()
            .is_some_and(|product| glob_match(value, product)),
        (PatchFilterKey::Priority, PackageDetails::Apt(apt)) => apt
            .priority
            .as_deref()
            .is_some_and(|p| p.eq_ignore_ascii_case(value)),
        (PatchFilterKey::Section, PackageDetails::Apt(apt)) => {
            apt.section.as_deref().is_some_and(|section| {
                let section = section.to_ascii_lowercase();
                let pattern = value.to_ascii_lowercase();
                let last = section.rsplit('/').next().unwrap_or(&section);
                glob_match(&pattern, &section) || glob_match(&pattern, last)
            })
        }
        (PatchFilterKey::Classification, PackageDetails::Dnf(dnf)) => dnf
            .advisory
            .as_ref()
            .is_some_and(|a| a.kind.classification().eq_ignore_ascii_case(value)),
        (PatchFilterKey::Severity, PackageDetails::Dnf(dnf)) => {
            dnf.advisory.as_ref().is_some_and(|a| {
                let published = a.severity.as_deref().unwrap_or("None");
                severity_eq(published, value)
            })
        }
        _ => false,
    }
}

fn severity_eq(published: &str, wanted: &str) -> bool {
    let canon = |s: &str| {
        let s = s.to_ascii_lowercase();
        match s.as_str() {
            "moderate" => "medium".to_owned(),
            "" => "none".to_owned(),
            _ => s,
        }
    };
    canon(published) == canon(wanted)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::baseline::{OperatingSystem, PatchRuleGroup};
    use crate::package::{Advisory, AdvisoryKind, AptDetails, DnfDetails};
    use time::macros::date;

    const TODAY: Date = date!(2024 - 03 - 15);

    fn rpm(name: &str, kind: Option<AdvisoryKind>, severity: Option<&str>) -> PackageInfo {
        PackageInfo {
            name: name.into(),
            arch: "x86_64".into(),
            installed_version: Some("1.0-1.el9".into()),
            candidate_version: Some("1.0-2.el9".into()),
            product: Some("RedhatEnterpriseLinux9.3".into()),
            details: PackageDetails::Dnf(DnfDetails {
                advisory: kind.map(|kind| Advisory {
                    id: "RHSA-2024:1000".into(),
                    kind,
                    severity: severity.map(Into::into),
                    cve_ids: vec!["CVE-2024-0001".into()],
                    bugzilla_ids: vec![],
                    issued: Some(date!(2024 - 03 - 01)),
                    updated: Some(date!(2024 - 03 - 08)),
                }),
                repository: Some("baseos".into()),
                build_date: Some(date!(2024 - 02 - 20)),
            }),
        }
    }

    fn deb(name: &str, archive: &str, priority: &str, section: &str) -> PackageInfo {
        PackageInfo {
            name: name.into(),
            arch: "amd64".into(),
            installed_version: Some("1.0-1".into()),
            candidate_version: Some("1.0-1ubuntu0.1".into()),
            product: Some("Ubuntu22.04".into()),
            details: PackageDetails::Apt(AptDetails {
                archive: Some(archive.into()),
                codename: None,
                origin: Some("Ubuntu".into()),
                label: Some("Ubuntu".into()),
                section: Some(section.into()),
                priority: Some(priority.into()),
            }),
        }
    }

    fn with_rules(os: OperatingSystem, rules: Vec<PatchRule>) -> PatchBaseline {
        let mut b = PatchBaseline::new("test-baseline", os);
        b.approval_rules = Some(PatchRuleGroup { patch_rules: rules });
        b
    }

    fn rhel_rule(filters: Vec<PatchFilter>) -> PatchBaseline {
        with_rules(
            OperatingSystem::RedhatEnterpriseLinux,
            vec![PatchRule::after_days(filters, 0)],
        )
    }

    fn approved(d: Decision) -> bool {
        matches!(d, Decision::Approved { .. })
    }

    #[test]
    fn dnf_filter_keys() {
        use AdvisoryKind::*;
        let f = PatchFilter::new;
        let cases: Vec<(PatchFilter, PackageInfo, bool)> = vec![
            (
                f(PatchFilterKey::Classification, &["Security"]),
                rpm("a", Some(Security), None),
                true,
            ),
            (
                f(PatchFilterKey::Classification, &["Security"]),
                rpm("a", Some(Bugfix), None),
                false,
            ),
            (
                f(PatchFilterKey::Classification, &["Security", "Bugfix"]),
                rpm("a", Some(Bugfix), None),
                true,
            ),
            (
                f(PatchFilterKey::Classification, &["Enhancement"]),
                rpm("a", Some(Enhancement), None),
                true,
            ),
            (
                f(PatchFilterKey::Classification, &["Newpackage"]),
                rpm("a", Some(Newpackage), None),
                true,
            ),
            (
                f(PatchFilterKey::Classification, &["Recommended"]),
                rpm("a", Some(Recommended), None),
                true,
            ),
            (
                f(PatchFilterKey::Classification, &["*"]),
                rpm("a", Some(Bugfix), None),
                true,
            ),
            (
                f(PatchFilterKey::Severity, &["Critical", "Important"]),
                rpm("a", Some(Security), Some("Important")),
                true,
            ),
            (
                f(PatchFilterKey::Severity, &["Critical"]),
                rpm("a", Some(Security), Some("Important")),
                false,
            ),
            (
                f(PatchFilterKey::Severity, &["Medium"]),
                rpm("a", Some(Security), Some("Moderate")),
                true,
            ),
            (
                f(PatchFilterKey::Severity, &["Moderate"]),
                rpm("a", Some(Security), Some("Medium")),
                true,
            ),
            (
                f(PatchFilterKey::Severity, &["Critical"]),
                rpm("a", Some(Security), Some("critical")),
                true,
            ),
            (
                f(PatchFilterKey::Severity, &["None"]),
                rpm("a", Some(Bugfix), None),
                true,
            ),
            (
                f(PatchFilterKey::Severity, &["Low"]),
                rpm("a", Some(Bugfix), None),
                false,
            ),
            (
                f(PatchFilterKey::Product, &["RedhatEnterpriseLinux9.3"]),
                rpm("a", Some(Security), None),
                true,
            ),
            (
                f(PatchFilterKey::Product, &["RedhatEnterpriseLinux9*"]),
                rpm("a", Some(Security), None),
                true,
            ),
            (
                f(PatchFilterKey::Product, &["RedhatEnterpriseLinux8*"]),
                rpm("a", Some(Security), None),
                false,
            ),
            (
                f(PatchFilterKey::Product, &["*"]),
                rpm("a", Some(Security), None),
                true,
            ),
        ];
        for (i, (filter, pkg, expected)) in cases.into_iter().enumerate() {
            let b = rhel_rule(vec![filter]);
            assert_eq!(approved(evaluate(&b, &pkg, TODAY)), expected, "case {i}");
        }
    }

    #[test]
    fn filters_in_a_group_are_anded() {
        let b = rhel_rule(vec![
            PatchFilter::new(PatchFilterKey::Classification, &["Security"]),
            PatchFilter::new(PatchFilterKey::Severity, &["Critical"]),
        ]);
        let crit = rpm("a", Some(AdvisoryKind::Security), Some("Critical"));
        let imp = rpm("a", Some(AdvisoryKind::Security), Some("Important"));
        assert!(approved(evaluate(&b, &crit, TODAY)));
        assert!(!approved(evaluate(&b, &imp, TODAY)));
    }

    #[test]
    fn apt_filter_keys() {
        let f = PatchFilter::new;
        let cases: Vec<(PatchFilter, PackageInfo, bool)> = vec![
            (
                f(PatchFilterKey::Priority, &["Required", "Important"]),
                deb("a", "jammy-security", "important", "net"),
                true,
            ),
            (
                f(PatchFilterKey::Priority, &["Required"]),
                deb("a", "jammy-security", "optional", "net"),
                false,
            ),
            (
                f(PatchFilterKey::Priority, &["*"]),
                deb("a", "jammy-security", "optional", "net"),
                true,
            ),
            (
                f(PatchFilterKey::Section, &["net"]),
                deb("a", "jammy-security", "optional", "universe/net"),
                true,
            ),
            (
                f(PatchFilterKey::Section, &["universe/net"]),
                deb("a", "jammy-security", "optional", "universe/net"),
                true,
            ),
            (
                f(PatchFilterKey::Section, &["universe/*"]),
                deb("a", "jammy-security", "optional", "universe/net"),
                true,
            ),
            (
                f(PatchFilterKey::Section, &["kernel"]),
                deb("a", "jammy-security", "optional", "universe/net"),
                false,
            ),
            (
                f(PatchFilterKey::Section, &["Net"]),
                deb("a", "jammy-security", "optional", "net"),
                true,
            ),
            (
                f(PatchFilterKey::Product, &["Ubuntu22.04"]),
                deb("a", "jammy-security", "optional", "net"),
                true,
            ),
            (
                f(PatchFilterKey::Product, &["Ubuntu20.04"]),
                deb("a", "jammy-security", "optional", "net"),
                false,
            ),
        ];
        for (i, (filter, pkg, expected)) in cases.into_iter().enumerate() {
            let b = with_rules(
                OperatingSystem::Ubuntu,
                vec![PatchRule::after_days(vec![filter], 0)],
            );
            assert_eq!(approved(evaluate(&b, &pkg, TODAY)), expected, "case {i}");
        }
    }

    #[test]
    fn approve_after_days_boundaries() {
        // Release date is the notice's updated date, 2024-03-08.
        let pkg = rpm("a", Some(AdvisoryKind::Security), Some("Critical"));
        let b = with_rules(
            OperatingSystem::RedhatEnterpriseLinux,
            vec![PatchRule::after_days(vec![], 7)],
        );
        let cases = [
            (date!(2024 - 03 - 14), false),
            (date!(2024 - 03 - 15), true),
            (date!(2024 - 03 - 16), true),
        ];
        for (today, expected) in cases {
            let d = evaluate(&b, &pkg, today);
            assert_eq!(approved(d), expected, "{today}");
            match d {
                Decision::Approved { approval_date, .. } => {
                    assert_eq!(approval_date, Some(date!(2024 - 03 - 15)))
                }
                Decision::PendingApproval {
                    approval_date,
                    rule,
                    ..
                } => {
                    assert_eq!((approval_date, rule), (date!(2024 - 03 - 15), 0));
                    assert_eq!(
                        d.deployment_status(),
                        Some(PatchDeploymentStatus::PendingApproval)
                    );
                }
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    #[test]
    fn release_date_falls_back_to_build_time_then_zero_delay() {
        let b = with_rules(
            OperatingSystem::Centos,
            vec![PatchRule {
                enable_non_security: true,
                ..PatchRule::after_days(vec![], 7)
            }],
        );
        let mut pkg = rpm("a", None, None); // build date 2024-02-20
        assert!(approved(evaluate(&b, &pkg, date!(2024 - 02 - 27))));
        assert!(!approved(evaluate(&b, &pkg, date!(2024 - 02 - 26))));
        if let PackageDetails::Dnf(dnf) = &mut pkg.details {
            dnf.build_date = None;
        }
        assert!(approved(evaluate(&b, &pkg, date!(2000 - 01 - 01))));
    }

    #[test]
    fn approve_until_date_boundaries() {
        let pkg = rpm("a", Some(AdvisoryKind::Security), None); // released 2024-03-08
        let cases = [
            ("2024-03-07", false),
            ("2024-03-08", true),
            ("2024-03-09", true),
        ];
        for (until, expected) in cases {
            let b = with_rules(
                OperatingSystem::RedhatEnterpriseLinux,
                vec![PatchRule {
                    approve_after_days: None,
                    approve_until_date: Some(until.into()),
                    ..PatchRule::after_days(vec![], 0)
                }],
            );
            assert_eq!(approved(evaluate(&b, &pkg, TODAY)), expected, "{until}");
        }
        // Undated packages are not let through a cutoff.
        let mut undated = rpm("a", None, None);
        if let PackageDetails::Dnf(dnf) = &mut undated.details {
            dnf.build_date = None;
        }
        let b = with_rules(
            OperatingSystem::RedhatEnterpriseLinux,
            vec![PatchRule {
                approve_after_days: None,
                approve_until_date: Some("2030-01-01".into()),
                enable_non_security: true,
                ..PatchRule::after_days(vec![], 0)
            }],
        );
        assert_eq!(evaluate(&b, &undated, TODAY), Decision::NotApproved);
    }

    #[test]
    fn enable_non_security() {
        // dnf: outside any notice is non-security.
        let plain = rpm("a", None, None);
        let mut b = rhel_rule(vec![]);
        assert_eq!(evaluate(&b, &plain, TODAY), Decision::NotApproved);
        b.approval_rules.as_mut().unwrap().patch_rules[0].enable_non_security = true;
        assert!(approved(evaluate(&b, &plain, TODAY)));
        // A bugfix notice counts as security for this purpose, as AWS documents.
        let bugfix = rpm("a", Some(AdvisoryKind::Bugfix), None);
        assert!(approved(evaluate(&rhel_rule(vec![]), &bugfix, TODAY)));

        // apt: only the security pocket, unless the rule enables non-security.
        let updates = deb("a", "jammy-updates", "optional", "net");
        let security = deb("a", "jammy-security", "optional", "net");
        let mut b = with_rules(
            OperatingSystem::Ubuntu,
            vec![PatchRule::after_days(vec![], 0)],
        );
        assert_eq!(evaluate(&b, &updates, TODAY), Decision::NotApproved);
        assert!(approved(evaluate(&b, &security, TODAY)));
        b.approval_rules.as_mut().unwrap().patch_rules[0].enable_non_security = true;
        assert!(approved(evaluate(&b, &updates, TODAY)));
    }

    #[test]
    fn approved_list_needs_approved_patches_enable_non_security_for_non_security() {
        let mut b = PatchBaseline::new("list-only", OperatingSystem::Ubuntu);
        b.approved_patches = vec!["curl".into()];
        b.approved_patches_compliance_level = ComplianceLevel::High;
        let updates = deb("curl", "jammy-updates", "optional", "web");
        let security = deb("curl", "jammy-security", "optional", "web");
        assert_eq!(evaluate(&b, &updates, TODAY), Decision::NotApproved);
        let expected = Decision::Approved {
            compliance_level: ComplianceLevel::High,
            by: ApprovedBy::ApprovedList,
            approval_date: None,
        };
        assert_eq!(evaluate(&b, &security, TODAY), expected);
        assert_eq!(
            expected.deployment_status(),
            Some(PatchDeploymentStatus::ExplicitApproved)
        );
        b.approved_patches_enable_non_security = true;
        assert_eq!(evaluate(&b, &updates, TODAY), expected);
    }

    #[test]
    fn rejected_beats_approved_list_and_rules() {
        let pkg = rpm("openssl", Some(AdvisoryKind::Security), Some("Critical"));
        let mut b = rhel_rule(vec![]);
        b.approved_patches = vec!["openssl".into()];
        assert!(approved(evaluate(&b, &pkg, TODAY)));
        for entry in ["openssl", "openssl-1.0-2.el9.x86_64", "openss*"] {
            b.rejected_patches = vec![entry.into()];
            let d = evaluate(&b, &pkg, TODAY);
            assert_eq!(d, Decision::Rejected, "{entry}");
            assert_eq!(
                d.deployment_status(),
                Some(PatchDeploymentStatus::ExplicitRejected)
            );
        }
        b.rejected_patches = vec!["openssl-1.0-1.el9.x86_64".into()];
        assert!(
            approved(evaluate(&b, &pkg, TODAY)),
            "only the installed version is rejected"
        );
    }

    #[test]
    fn global_filters_gate_rules_but_not_the_approved_list() {
        let pkg = rpm("a", Some(AdvisoryKind::Security), None);
        let mut b = rhel_rule(vec![]);
        b.global_filters = Some(PatchFilterGroup {
            patch_filters: vec![PatchFilter::new(
                PatchFilterKey::Product,
                &["RedhatEnterpriseLinux8*"],
            )],
        });
        assert_eq!(evaluate(&b, &pkg, TODAY), Decision::NotApproved);
        b.approved_patches = vec!["a".into()];
        assert!(matches!(
            evaluate(&b, &pkg, TODAY),
            Decision::Approved {
                by: ApprovedBy::ApprovedList,
                ..
            }
        ));
    }

    #[test]
    fn compliance_level_propagates_and_the_most_severe_wins() {
        let pkg = rpm("a", Some(AdvisoryKind::Security), Some("Critical"));
        let level = |l| PatchRule {
            compliance_level: l,
            ..PatchRule::after_days(vec![], 0)
        };
        let b = with_rules(
            OperatingSystem::RedhatEnterpriseLinux,
            vec![
                level(ComplianceLevel::Low),
                level(ComplianceLevel::Critical),
                level(ComplianceLevel::Critical),
            ],
        );
        assert_eq!(
            evaluate(&b, &pkg, TODAY),
            Decision::Approved {
                compliance_level: ComplianceLevel::Critical,
                by: ApprovedBy::Rule(1),
                approval_date: Some(date!(2024 - 03 - 08)),
            }
        );
        let mut b = with_rules(
            OperatingSystem::RedhatEnterpriseLinux,
            vec![level(ComplianceLevel::Medium)],
        );
        b.approved_patches = vec!["a".into()];
        b.approved_patches_compliance_level = ComplianceLevel::Medium;
        assert!(matches!(
            evaluate(&b, &pkg, TODAY),
            Decision::Approved {
                compliance_level: ComplianceLevel::Medium,
                by: ApprovedBy::ApprovedList,
                ..
            }
        ));
        b.approved_patches_compliance_level = ComplianceLevel::Low;
        assert!(matches!(
            evaluate(&b, &pkg, TODAY),
            Decision::Approved {
                compliance_level: ComplianceLevel::Medium,
                by: ApprovedBy::Rule(0),
                ..
            }
        ));
    }

    #[test]
    fn classify_states() {
        let approve_all = rhel_rule(vec![]);
        let sec = || rpm("a", Some(AdvisoryKind::Security), None);
        let up_to_date = {
            let mut p = sec();
            p.candidate_version = None;
            p
        };
        let not_installed = {
            let mut p = sec();
            p.installed_version = None;
            p
        };
        let non_security = rpm("a", None, None);
        let cases: Vec<(&str, PackageInfo, bool, Option<PatchState>)> = vec![
            ("update waiting", sec(), false, Some(PatchState::Missing)),
            (
                "up to date",
                up_to_date.clone(),
                false,
                Some(PatchState::Installed),
            ),
            (
                "pending reboot",
                up_to_date,
                true,
                Some(PatchState::InstalledPendingReboot),
            ),
            (
                "not installed",
                not_installed,
                false,
                Some(PatchState::NotApplicable),
            ),
            (
                "not approved",
                non_security.clone(),
                false,
                Some(PatchState::InstalledOther),
            ),
        ];
        for (what, pkg, reboot, expected) in cases {
            assert_eq!(
                classify(&approve_all, &pkg, TODAY, reboot),
                expected,
                "{what}"
            );
        }
        let mut gone = non_security;
        gone.installed_version = None;
        assert_eq!(classify(&approve_all, &gone, TODAY, false), None);
    }

    #[test]
    fn allow_as_dependency_versus_block() {
        let pkg = rpm("telnet", Some(AdvisoryKind::Security), None);
        let mut b = rhel_rule(vec![]);
        b.rejected_patches = vec!["telnet".into()];
        assert_eq!(
            classify(&b, &pkg, TODAY, false),
            Some(PatchState::InstalledOther)
        );
        assert_eq!(
            install_action(&b, &pkg, TODAY),
            InstallAction::AllowAsDependency
        );
        b.rejected_patches_action = RejectedPatchesAction::Block;
        assert_eq!(
            classify(&b, &pkg, TODAY, false),
            Some(PatchState::InstalledRejected)
        );
        assert_eq!(install_action(&b, &pkg, TODAY), InstallAction::Block);
        let mut absent = pkg.clone();
        absent.installed_version = None;
        assert_eq!(classify(&b, &absent, TODAY, false), None);
        // Only the candidate version is rejected: the installed one is just not approved.
        b.rejected_patches = vec!["telnet-1.0-2.el9".into()];
        assert_eq!(
            classify(&b, &pkg, TODAY, false),
            Some(PatchState::InstalledOther)
        );
        // The installed version is rejected, the update is approved: still rejected state.
        b.rejected_patches = vec!["telnet-1.0-1.el9".into()];
        assert_eq!(
            classify(&b, &pkg, TODAY, false),
            Some(PatchState::InstalledRejected)
        );
        assert_eq!(install_action(&b, &pkg, TODAY), InstallAction::Install);
    }

    #[test]
    fn installed_other_when_the_approved_version_is_not_the_installed_one() {
        // The list pins a version that is neither installed nor the candidate.
        let mut pkg = rpm("nginx", Some(AdvisoryKind::Security), None);
        pkg.candidate_version = None;
        let mut b = PatchBaseline::new("pin", OperatingSystem::RedhatEnterpriseLinux);
        b.approved_patches = vec!["nginx-1.0-9.el9.x86_64".into()];
        assert_eq!(
            classify(&b, &pkg, TODAY, false),
            Some(PatchState::InstalledOther)
        );
        b.approved_patches = vec!["nginx-1.0-1.el9.x86_64".into()];
        assert_eq!(
            classify(&b, &pkg, TODAY, false),
            Some(PatchState::Installed)
        );
    }

    #[test]
    fn pending_approval_installs_nothing() {
        let pkg = rpm("a", Some(AdvisoryKind::Security), None);
        let b = with_rules(
            OperatingSystem::RedhatEnterpriseLinux,
            vec![PatchRule::after_days(vec![], 30)],
        );
        assert_eq!(install_action(&b, &pkg, TODAY), InstallAction::Skip);
        assert_eq!(
            classify(&b, &pkg, TODAY, false),
            Some(PatchState::InstalledOther)
        );
    }
}
