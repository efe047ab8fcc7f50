//! A node's patch report: one [`PatchItem`] per package AWS would report and the counts of
//! `InstancePatchState`, computed from a baseline, the node's packages, `today` and whether
//! a reboot is pending.
//!
//! [`ReportBuilder`] takes the packages one at a time, so a scanner can stream the package
//! manager's state through it: a package [`classify`] does not report (neither installed
//! nor approved) is dropped on the spot, and [`ReportBuilder::drain_items`] lets the caller
//! ship items in batches while the counts keep accumulating.
//!
//! How the fields are filled (AWS's `PatchComplianceData`, as DescribeInstancePatches
//! returns it on Linux):
//! - `kb_id` is `name.arch` (AWS's own examples: `java-1.7.0-openjdk.x86_64`,
//!   `apt-utils.amd64`), so the two architectures of a multi-arch package stay distinct.
//! - `title` is `name.arch:epoch:version-release` for rpm (the epoch always written, `0`
//!   when absent, as AWS does) and `name.arch:version` for deb (a Debian version already
//!   carries its epoch when it has one). The version is the candidate for `MISSING`,
//!   `FAILED` and `NOT_APPLICABLE` (what would be installed), else the installed one.
//! - `classification`: dnf, the notice's type (`Security`, `Bugfix`, `Enhancement`,
//!   `Newpackage`, `Recommended`), empty outside any notice; apt, always empty (AWS reports
//!   none for Debian and Ubuntu).
//! - `severity`: dnf, the notice's severity as published; apt, the package's `Priority`.
//!   Empty when unknown.
//! - `cve_ids`: the notice's CVE ids joined by `,` (AWS's `CVEIds` is one string).
//! - `state`: [`classify`]'s answer, turned into `FAILED` for a `MISSING` package the last
//!   Install operation failed to install ([`InstallFacts::install_failed`]).
//! - `deployment_status` and `approval_date`: the baseline's decision ([`evaluate`]) for
//!   the version the package is judged at, as `DescribeEffectivePatchesForPatchBaseline`
//!   spells it; `EXPLICIT_REJECTED` whenever the installed version itself is rejected
//!   (then the item is about that version, whatever the update). `None` for a package the
//!   baseline does not mention. They never change the counts.
//!
//! Counts, with `InstancePatchState`'s meaning:
//! - one counter per state; `AVAILABLE_SECURITY_UPDATE` (Windows only) is never counted.
//! - **non-compliant** states are `MISSING`, `FAILED`, `INSTALLED_REJECTED` and
//!   `INSTALLED_PENDING_REBOOT` ([`PatchState::is_compliant`]). Each non-compliant item
//!   adds to `critical_non_compliant` when the rule or list approving it has compliance
//!   level `CRITICAL`, to `security_non_compliant` when it is a security patch, and to
//!   `other_non_compliant` when it is neither. Critical and security overlap (a critical
//!   security patch counts in both), as in AWS, where "other" means "other than critical
//!   or security".
//! - a **security patch** here is the narrow sense AWS uses for the security count: dnf,
//!   a notice of type `security` (not every notice, as [`PackageInfo::is_security`] has it
//!   for `EnableNonSecurity`); apt, a version from a security pocket.
//! - `INSTALLED_PENDING_REBOOT`: the node needs a reboot (`pending_reboot`) and the
//!   package was installed or upgraded since the node last booted
//!   ([`InstallFacts::since_boot`]); [`classify`] then gives it to approved, up-to-date
//!   packages. Packages the node installed before its last boot are simply `INSTALLED`.
//!
//! Invariant: `counts` always equals what the items pushed so far add up to, whether or
//! not they were drained.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::baseline::{ComplianceLevel, PatchBaseline, PatchComplianceStatus};
use crate::evaluate::{classify, evaluate, Decision, PatchDeploymentStatus};
use crate::names::{list_matches, Evr};
use crate::package::{AdvisoryKind, PackageDetails, PackageInfo, PatchState};

/// One package's line in a node's patch report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct PatchItem {
    /// `name.arch:epoch:version-release` (rpm) or `name.arch:version` (deb).
    pub title: String,
    /// `name.arch`.
    pub kb_id: String,
    /// dnf: the notice's type (`Security`…); apt and packages outside any notice: empty.
    pub classification: String,
    /// dnf: the notice's severity; apt: the package's priority; empty when unknown.
    pub severity: String,
    pub state: PatchState,
    /// When the installed version was installed, if the package manager says.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub installed_time: Option<OffsetDateTime>,
    /// The notice's CVE ids, comma separated; empty when none.
    pub cve_ids: String,
    pub name: String,
    pub arch: String,
    pub installed_version: Option<String>,
    pub candidate_version: Option<String>,
    /// The compliance level of the rule or list approving the package; `None` when the
    /// baseline does not approve it (yet).
    pub compliance_level: Option<ComplianceLevel>,
    /// A security patch in the narrow sense of the security count (see the module doc).
    pub security: bool,
    /// dnf: the notice's id (`RHSA-2024:1234`).
    pub advisory_id: Option<String>,
    /// The baseline's decision: `APPROVED` (by a rule), `EXPLICIT_APPROVED` (the approved
    /// list), `PENDING_APPROVAL` (a rule's delay has not passed) or `EXPLICIT_REJECTED`;
    /// `None` when the baseline does not mention the package. Absent from the reports of
    /// agents older than the field, hence the default.
    #[serde(default)]
    pub deployment_status: Option<PatchDeploymentStatus>,
    /// The day the baseline approved the patch, or will (`PENDING_APPROVAL`), when a
    /// rule's delay or cutoff dates it.
    #[serde(default, with = "crate::dates::option")]
    pub approval_date: Option<Date>,
}

/// `InstancePatchState`'s counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct PatchCounts {
    pub installed: u32,
    pub installed_other: u32,
    pub installed_pending_reboot: u32,
    pub installed_rejected: u32,
    pub missing: u32,
    pub failed: u32,
    pub not_applicable: u32,
    pub critical_non_compliant: u32,
    pub security_non_compliant: u32,
    pub other_non_compliant: u32,
}

impl PatchCounts {
    /// Items in a non-compliant state.
    pub fn non_compliant(&self) -> u32 {
        self.missing + self.failed + self.installed_rejected + self.installed_pending_reboot
    }

    /// The node is compliant when nothing is missing, failed, rejected-but-installed or
    /// waiting for a reboot.
    pub fn status(&self) -> PatchComplianceStatus {
        if self.non_compliant() == 0 {
            PatchComplianceStatus::Compliant
        } else {
            PatchComplianceStatus::NonCompliant
        }
    }

    /// Counts one reported item (the state's counter and, when it is not compliant,
    /// its non-compliance class).
    pub fn add(&mut self, item: &PatchItem) {
        let counter = match item.state {
            PatchState::Installed => &mut self.installed,
            PatchState::InstalledOther => &mut self.installed_other,
            PatchState::InstalledPendingReboot => &mut self.installed_pending_reboot,
            PatchState::InstalledRejected => &mut self.installed_rejected,
            PatchState::Missing => &mut self.missing,
            PatchState::Failed => &mut self.failed,
            PatchState::NotApplicable => &mut self.not_applicable,
            // Windows Server only; nothing Bosun scans produces it.
            PatchState::AvailableSecurityUpdate => return,
        };
        *counter += 1;
        if item.state.is_compliant() {
            return;
        }
        let critical = item.compliance_level == Some(ComplianceLevel::Critical);
        if critical {
            self.critical_non_compliant += 1;
        }
        if item.security {
            self.security_non_compliant += 1;
        }
        if !critical && !item.security {
            self.other_non_compliant += 1;
        }
    }
}

/// A node's patch report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct PatchReport {
    pub items: Vec<PatchItem>,
    pub counts: PatchCounts,
}

/// What the node knows about a package beyond the package manager's metadata.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InstallFacts {
    /// When the installed version was installed.
    pub installed_time: Option<OffsetDateTime>,
    /// The installed version was installed or upgraded after the node last booted.
    pub since_boot: bool,
    /// The last Install operation tried to install this package's update and failed.
    pub install_failed: bool,
}

/// Builds a [`PatchReport`] one package at a time.
#[derive(Debug)]
pub struct ReportBuilder<'a> {
    baseline: &'a PatchBaseline,
    today: Date,
    pending_reboot: bool,
    items: Vec<PatchItem>,
    counts: PatchCounts,
}

impl<'a> ReportBuilder<'a> {
    /// `pending_reboot`: the node needs a reboot for changes already installed.
    pub fn new(baseline: &'a PatchBaseline, today: Date, pending_reboot: bool) -> Self {
        ReportBuilder {
            baseline,
            today,
            pending_reboot,
            items: Vec::new(),
            counts: PatchCounts::default(),
        }
    }

    /// Adds a package the node knows nothing more about (no install time, not installed
    /// since boot, no failed install). Returns its item, or `None` when it is not reported.
    pub fn push(&mut self, package: &PackageInfo) -> Option<&PatchItem> {
        self.push_with(package, &InstallFacts::default())
    }

    /// Adds a package with what the node knows of its installation.
    pub fn push_with(&mut self, package: &PackageInfo, facts: &InstallFacts) -> Option<&PatchItem> {
        let awaits_reboot = self.pending_reboot && facts.since_boot;
        let mut state = classify(self.baseline, package, self.today, awaits_reboot)?;
        if state == PatchState::Missing && facts.install_failed {
            state = PatchState::Failed;
        }
        let decision = evaluate(self.baseline, package, self.today);
        let compliance_level = match decision {
            Decision::Approved {
                compliance_level, ..
            } => Some(compliance_level),
            Decision::PendingApproval { .. } | Decision::Rejected | Decision::NotApproved => None,
        };
        let mut item = item(package, state, compliance_level, facts.installed_time);
        // `classify` judges an installed version on the rejected list before the update:
        // the item then stands for that version, and that version is rejected.
        let installed_rejected = package.installed_version.is_some()
            && list_matches(
                &self.baseline.rejected_patches,
                package,
                package.installed_version.as_deref(),
                self.baseline.operating_system.family(),
            );
        if installed_rejected {
            item.deployment_status = Some(PatchDeploymentStatus::ExplicitRejected);
        } else {
            item.deployment_status = decision.deployment_status();
            item.approval_date = decision.approval_date();
        }
        self.counts.add(&item);
        self.items.push(item);
        self.items.last()
    }

    /// The counts of every package pushed so far.
    pub fn counts(&self) -> &PatchCounts {
        &self.counts
    }

    /// Takes the items kept since the last drain; the counts are unaffected.
    pub fn drain_items(&mut self) -> Vec<PatchItem> {
        std::mem::take(&mut self.items)
    }

    /// The report: the items not drained, and the counts of every package pushed.
    pub fn finish(self) -> PatchReport {
        PatchReport {
            items: self.items,
            counts: self.counts,
        }
    }
}

fn item(
    package: &PackageInfo,
    state: PatchState,
    compliance_level: Option<ComplianceLevel>,
    installed_time: Option<OffsetDateTime>,
) -> PatchItem {
    let name = &package.name;
    let arch = &package.arch;
    let installed = package.installed_version.as_deref();
    let candidate = package.candidate_version.as_deref();
    let version = match state {
        PatchState::Missing | PatchState::Failed | PatchState::NotApplicable => {
            candidate.or(installed)
        }
        _ => installed.or(candidate),
    }
    .unwrap_or_default();
    let (title, classification, severity, security) = match &package.details {
        PackageDetails::Dnf(dnf) => {
            let evr = Evr::parse(version);
            let vr = match evr.release {
                Some(release) => format!("{}-{release}", evr.version),
                None => evr.version.to_owned(),
            };
            let advisory = dnf.advisory.as_ref();
            (
                format!("{name}.{arch}:{}:{vr}", evr.epoch.unwrap_or("0")),
                advisory.map_or("", |a| a.kind.classification()).to_owned(),
                advisory
                    .and_then(|a| a.severity.clone())
                    .unwrap_or_default(),
                advisory.is_some_and(|a| a.kind == AdvisoryKind::Security),
            )
        }
        PackageDetails::Apt(apt) => (
            format!("{name}.{arch}:{version}"),
            String::new(),
            apt.priority.clone().unwrap_or_default(),
            package.is_security(),
        ),
    };
    let advisory = package.advisory();
    PatchItem {
        title,
        kb_id: format!("{name}.{arch}"),
        classification,
        severity,
        state,
        installed_time,
        cve_ids: advisory.map(|a| a.cve_ids.join(",")).unwrap_or_default(),
        name: name.clone(),
        arch: arch.clone(),
        installed_version: package.installed_version.clone(),
        candidate_version: package.candidate_version.clone(),
        compliance_level,
        security,
        advisory_id: advisory.map(|a| a.id.clone()),
        deployment_status: None,
        approval_date: None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::baseline::{
        OperatingSystem, PatchFilter, PatchFilterKey, PatchRule, PatchRuleGroup,
        RejectedPatchesAction,
    };
    use crate::package::{Advisory, AptDetails, DnfDetails};
    use time::macros::{date, datetime};

    const TODAY: Date = date!(2024 - 03 - 15);

    fn rpm(
        name: &str,
        installed: Option<&str>,
        candidate: Option<&str>,
        notice: Option<(AdvisoryKind, &str)>,
    ) -> PackageInfo {
        PackageInfo {
            name: name.into(),
            arch: "x86_64".into(),
            installed_version: installed.map(Into::into),
            candidate_version: candidate.map(Into::into),
            product: Some("RedhatEnterpriseLinux9.3".into()),
            details: PackageDetails::Dnf(DnfDetails {
                advisory: notice.map(|(kind, severity)| Advisory {
                    id: format!("RHSA-2024:{}", name.len()),
                    kind,
                    severity: Some(severity.into()),
                    cve_ids: vec!["CVE-2024-0001".into(), "CVE-2024-0002".into()],
                    bugzilla_ids: vec![],
                    issued: Some(date!(2024 - 03 - 01)),
                    updated: None,
                }),
                repository: Some("baseos".into()),
                build_date: Some(date!(2024 - 02 - 01)),
            }),
        }
    }

    fn deb(name: &str, installed: &str, candidate: Option<&str>, archive: &str) -> PackageInfo {
        PackageInfo {
            name: name.into(),
            arch: "amd64".into(),
            installed_version: Some(installed.into()),
            candidate_version: candidate.map(Into::into),
            product: Some("Debian12".into()),
            details: PackageDetails::Apt(AptDetails {
                archive: Some(archive.into()),
                priority: Some("optional".into()),
                ..Default::default()
            }),
        }
    }

    /// Security notices Critical → CRITICAL, Important → HIGH; bugfixes → LOW.
    fn rhel() -> PatchBaseline {
        let rule = |severity: &str, level| PatchRule {
            compliance_level: level,
            ..PatchRule::after_days(
                vec![
                    PatchFilter::new(PatchFilterKey::Classification, &["Security"]),
                    PatchFilter::new(PatchFilterKey::Severity, &[severity]),
                ],
                0,
            )
        };
        let mut b = PatchBaseline::new("rhel", OperatingSystem::RedhatEnterpriseLinux);
        b.approval_rules = Some(PatchRuleGroup {
            patch_rules: vec![
                rule("Critical", ComplianceLevel::Critical),
                rule("Important", ComplianceLevel::High),
                PatchRule {
                    compliance_level: ComplianceLevel::Low,
                    ..PatchRule::after_days(
                        vec![PatchFilter::new(
                            PatchFilterKey::Classification,
                            &["Bugfix"],
                        )],
                        0,
                    )
                },
            ],
        });
        b
    }

    #[test]
    fn states_and_non_compliance_categories_are_counted() {
        let b = rhel();
        let sec = AdvisoryKind::Security;
        let packages = [
            // Critical security update waiting: missing, critical and security.
            rpm(
                "openssl",
                Some("1-1.el9"),
                Some("1-2.el9"),
                Some((sec, "Critical")),
            ),
            // Important security update waiting: missing, security only.
            rpm(
                "curl",
                Some("1-1.el9"),
                Some("1-2.el9"),
                Some((sec, "Important")),
            ),
            // Bugfix waiting: missing, other.
            rpm(
                "bash",
                Some("1-1.el9"),
                Some("1-2.el9"),
                Some((AdvisoryKind::Bugfix, "")),
            ),
            // Approved and current.
            rpm("glibc", Some("1-2.el9"), None, Some((sec, "Important"))),
            // Moderate security: not approved by these rules.
            rpm(
                "vim",
                Some("1-1.el9"),
                Some("1-2.el9"),
                Some((sec, "Moderate")),
            ),
            // Outside any notice, installed.
            rpm("tzdata", Some("2024a-1.el9"), None, None),
            // Approved, not installed.
            rpm("zsh", None, Some("5-1.el9"), Some((sec, "Critical"))),
            // Neither installed nor approved: not reported.
            rpm("emacs", None, Some("29-1.el9"), None),
        ];
        let mut builder = ReportBuilder::new(&b, TODAY, false);
        for p in &packages {
            builder.push(p);
        }
        let report = builder.finish();
        assert_eq!(report.items.len(), 7);
        assert_eq!(
            report.counts,
            PatchCounts {
                installed: 1,
                installed_other: 2,
                missing: 3,
                not_applicable: 1,
                critical_non_compliant: 1,
                security_non_compliant: 2,
                other_non_compliant: 1,
                ..PatchCounts::default()
            }
        );
        assert_eq!(report.counts.non_compliant(), 3);
        assert_eq!(report.counts.status(), PatchComplianceStatus::NonCompliant);
        let level = |name: &str| {
            report
                .items
                .iter()
                .find(|i| i.name == name)
                .unwrap()
                .compliance_level
        };
        assert_eq!(level("openssl"), Some(ComplianceLevel::Critical));
        assert_eq!(level("curl"), Some(ComplianceLevel::High));
        assert_eq!(level("bash"), Some(ComplianceLevel::Low));
        assert_eq!(level("vim"), None);
        assert!(report.items.iter().all(|i| i.name != "emacs"));
    }

    #[test]
    fn a_bugfix_notice_is_not_a_security_patch_in_the_counts() {
        // The rule takes non-security patches too; the bugfix is approved at CRITICAL.
        let mut b = PatchBaseline::new("all", OperatingSystem::AmazonLinux2023);
        b.approval_rules = Some(PatchRuleGroup {
            patch_rules: vec![PatchRule {
                compliance_level: ComplianceLevel::Critical,
                enable_non_security: true,
                ..PatchRule::after_days(vec![], 0)
            }],
        });
        let mut builder = ReportBuilder::new(&b, TODAY, false);
        let item = builder
            .push(&rpm(
                "bash",
                Some("1-1"),
                Some("1-2"),
                Some((AdvisoryKind::Bugfix, "Low")),
            ))
            .unwrap()
            .clone();
        assert!(!item.security);
        assert_eq!(item.classification, "Bugfix");
        builder.push(&rpm("plain", Some("1-1"), Some("1-2"), None));
        let counts = builder.finish().counts;
        assert_eq!(
            (
                counts.missing,
                counts.critical_non_compliant,
                counts.security_non_compliant,
                counts.other_non_compliant
            ),
            (2, 2, 0, 0)
        );
    }

    #[test]
    fn failed_installs_and_pending_reboots() {
        let b = rhel();
        let sec = Some((AdvisoryKind::Security, "Critical"));
        let waiting = rpm("openssl", Some("1-1.el9"), Some("1-2.el9"), sec);
        let current = rpm("kernel", Some("5-2.el9"), None, sec);
        let failed = InstallFacts {
            install_failed: true,
            ..InstallFacts::default()
        };
        let since_boot = InstallFacts {
            since_boot: true,
            installed_time: Some(datetime!(2024-03-14 10:00 UTC)),
            ..InstallFacts::default()
        };
        let state = |pending: bool, p: &PackageInfo, f: &InstallFacts| {
            ReportBuilder::new(&b, TODAY, pending)
                .push_with(p, f)
                .map(|i| i.state)
        };
        assert_eq!(state(false, &waiting, &failed), Some(PatchState::Failed));
        assert_eq!(
            state(false, &waiting, &since_boot),
            Some(PatchState::Missing)
        );
        // A failed install of something now current is simply installed.
        assert_eq!(state(false, &current, &failed), Some(PatchState::Installed));
        assert_eq!(
            state(true, &current, &since_boot),
            Some(PatchState::InstalledPendingReboot)
        );
        // Installed before the last boot, or no reboot needed: installed.
        assert_eq!(
            state(true, &current, &InstallFacts::default()),
            Some(PatchState::Installed)
        );
        assert_eq!(
            state(false, &current, &since_boot),
            Some(PatchState::Installed)
        );

        let mut builder = ReportBuilder::new(&b, TODAY, true);
        builder.push_with(&waiting, &failed);
        builder.push_with(&current, &since_boot);
        let report = builder.finish();
        assert_eq!(
            report.counts,
            PatchCounts {
                failed: 1,
                installed_pending_reboot: 1,
                critical_non_compliant: 2,
                security_non_compliant: 2,
                ..PatchCounts::default()
            }
        );
        assert_eq!(
            report.items[1].installed_time,
            Some(datetime!(2024-03-14 10:00 UTC))
        );
    }

    #[test]
    fn rejected_under_block_is_non_compliant_other() {
        let mut b = rhel();
        b.rejected_patches = vec!["telnet".into()];
        b.rejected_patches_action = RejectedPatchesAction::Block;
        let telnet = rpm("telnet", Some("1-1.el9"), None, None);
        let mut builder = ReportBuilder::new(&b, TODAY, false);
        let item = builder.push(&telnet).unwrap();
        assert_eq!(item.state, PatchState::InstalledRejected);
        assert_eq!(item.compliance_level, None);
        let counts = builder.finish().counts;
        assert_eq!(
            (counts.installed_rejected, counts.other_non_compliant),
            (1, 1)
        );
        assert_eq!(counts.status(), PatchComplianceStatus::NonCompliant);
    }

    #[test]
    fn rpm_items_are_titled_as_aws_titles_them() {
        let b = rhel();
        let mut p = rpm(
            "bind-libs",
            Some("32:9.16.23-14.el9"),
            Some("32:9.16.23-15.el9"),
            Some((AdvisoryKind::Security, "Important")),
        );
        let mut builder = ReportBuilder::new(&b, TODAY, false);
        let missing = builder.push(&p).unwrap().clone();
        assert_eq!(missing.state, PatchState::Missing);
        assert_eq!(missing.title, "bind-libs.x86_64:32:9.16.23-15.el9");
        assert_eq!(missing.kb_id, "bind-libs.x86_64");
        assert_eq!(missing.classification, "Security");
        assert_eq!(missing.severity, "Important");
        assert_eq!(missing.cve_ids, "CVE-2024-0001,CVE-2024-0002");
        assert_eq!(missing.advisory_id.as_deref(), Some("RHSA-2024:9"));
        assert!(missing.security);
        // Without an epoch, `0` is written; an installed-other item shows what is installed.
        p.installed_version = Some("9.16.23-14.el9".into());
        p.candidate_version = Some("9.16.23-15.el9".into());
        if let PackageDetails::Dnf(dnf) = &mut p.details {
            dnf.advisory = None;
        }
        let other = builder.push(&p).unwrap();
        assert_eq!(other.state, PatchState::InstalledOther);
        assert_eq!(other.title, "bind-libs.x86_64:0:9.16.23-14.el9");
        assert_eq!(
            (other.classification.as_str(), other.severity.as_str()),
            ("", "")
        );
        assert_eq!(other.cve_ids, "");
        assert_eq!(other.advisory_id, None);
    }

    #[test]
    fn deb_items_use_priority_as_severity_and_the_pocket_as_security() {
        let b = crate::predefined::default_for(OperatingSystem::Debian)
            .unwrap()
            .baseline;
        let mut builder = ReportBuilder::new(&b, TODAY, false);
        let security = deb(
            "libssl3",
            "3.0.11-1~deb12u1",
            Some("3.0.11-1~deb12u2"),
            "stable-security",
        );
        let item = builder.push(&security).unwrap().clone();
        assert_eq!(item.state, PatchState::Missing);
        assert_eq!(item.title, "libssl3.amd64:3.0.11-1~deb12u2");
        assert_eq!(item.kb_id, "libssl3.amd64");
        assert_eq!(item.classification, "");
        assert_eq!(item.severity, "optional");
        assert_eq!(item.compliance_level, Some(ComplianceLevel::Unspecified));
        assert!(item.security);
        let point_release = deb("base-files", "12.4", Some("12.5"), "stable");
        let item = builder.push(&point_release).unwrap().clone();
        assert_eq!(item.state, PatchState::InstalledOther);
        assert_eq!(item.title, "base-files.amd64:12.4");
        assert!(!item.security);
        let epoch = deb("dpkg-dev", "1:1.0", None, "stable-security");
        assert_eq!(builder.push(&epoch).unwrap().title, "dpkg-dev.amd64:1:1.0");
        let counts = builder.finish().counts;
        assert_eq!(
            (counts.missing, counts.installed, counts.installed_other),
            (1, 1, 1)
        );
        assert_eq!(counts.security_non_compliant, 1);
    }

    #[test]
    fn draining_keeps_the_counts() {
        let b = rhel();
        let mut builder = ReportBuilder::new(&b, TODAY, false);
        builder.push(&rpm("a", Some("1-1"), None, None));
        builder.push(&rpm("b", Some("1-1"), None, None));
        let first = builder.drain_items();
        assert_eq!(first.len(), 2);
        builder.push(&rpm("c", Some("1-1"), None, None));
        assert_eq!(builder.counts().installed_other, 3);
        let report = builder.finish();
        assert_eq!(report.items.len(), 1);
        assert_eq!(report.items[0].name, "c");
        assert_eq!(report.counts.installed_other, 3);
        assert_eq!(report.counts.status(), PatchComplianceStatus::Compliant);
    }

    #[test]
    fn items_carry_the_baseline_s_decision_and_its_date() {
        use PatchDeploymentStatus::*;
        let sec = Some((AdvisoryKind::Security, "Critical"));
        let mut b = rhel();
        // A second rule that waits 30 days for Low security notices.
        if let Some(group) = b.approval_rules.as_mut() {
            group.patch_rules.push(PatchRule {
                compliance_level: ComplianceLevel::Medium,
                ..PatchRule::after_days(
                    vec![
                        PatchFilter::new(PatchFilterKey::Classification, &["Security"]),
                        PatchFilter::new(PatchFilterKey::Severity, &["Low"]),
                    ],
                    30,
                )
            });
        }
        b.approved_patches = vec!["vim".into()];
        b.rejected_patches = vec!["telnet".into(), "curl-1-1.el9".into()];
        let low = Some((AdvisoryKind::Security, "Low"));
        let moderate = Some((AdvisoryKind::Security, "Moderate"));
        // (package, state, deployment status, approval date)
        let cases = [
            // A rule without delay: approved on the day of release (the notice's date).
            (
                rpm("openssl", Some("1-1.el9"), Some("1-2.el9"), sec),
                PatchState::Missing,
                Some(Approved),
                Some(date!(2024 - 03 - 01)),
            ),
            (
                rpm("glibc", Some("1-2.el9"), None, sec),
                PatchState::Installed,
                Some(Approved),
                Some(date!(2024 - 03 - 01)),
            ),
            // The 30-day rule has not approved it yet: it will on the 31st.
            (
                rpm("libxml2", Some("1-1.el9"), Some("1-2.el9"), low),
                PatchState::InstalledOther,
                Some(PendingApproval),
                Some(date!(2024 - 03 - 31)),
            ),
            // The approved list: approved, undated.
            (
                rpm("vim", Some("1-1.el9"), Some("1-2.el9"), moderate),
                PatchState::Missing,
                Some(ExplicitApproved),
                None,
            ),
            (
                rpm("telnet", Some("1-1.el9"), None, None),
                PatchState::InstalledOther,
                Some(ExplicitRejected),
                None,
            ),
            // The installed version is rejected; the update would be approved.
            (
                rpm("curl", Some("1-1.el9"), Some("1-2.el9"), sec),
                PatchState::InstalledOther,
                Some(ExplicitRejected),
                None,
            ),
            // Not in the baseline at all.
            (
                rpm("tzdata", Some("2024a-1.el9"), None, None),
                PatchState::InstalledOther,
                None,
                None,
            ),
        ];
        let mut builder = ReportBuilder::new(&b, TODAY, false);
        for (package, state, status, date) in &cases {
            let item = builder.push(package).unwrap();
            assert_eq!(
                (item.state, item.deployment_status, item.approval_date),
                (*state, *status, *date),
                "{}",
                package.name
            );
        }
        // The decision does not change what is counted.
        let with_decisions = builder.finish();
        let mut recounted = PatchCounts::default();
        for item in &with_decisions.items {
            let mut bare = item.clone();
            bare.deployment_status = None;
            bare.approval_date = None;
            recounted.add(&bare);
        }
        assert_eq!(recounted, with_decisions.counts);
        assert_eq!(with_decisions.counts.missing, 2);
    }

    #[test]
    fn apt_rules_approve_undated_and_older_reports_still_parse() {
        let b = crate::predefined::default_for(OperatingSystem::Debian)
            .unwrap()
            .baseline;
        let mut builder = ReportBuilder::new(&b, TODAY, false);
        let item = builder
            .push(&deb(
                "libssl3",
                "3.0.11-1~deb12u1",
                Some("3.0.11-1~deb12u2"),
                "stable-security",
            ))
            .unwrap()
            .clone();
        assert_eq!(
            item.deployment_status,
            Some(PatchDeploymentStatus::Approved)
        );
        assert_eq!(item.approval_date, None);
        let json = serde_json::to_value(&item).unwrap();
        assert_eq!(json["deployment_status"], "APPROVED");
        assert!(json["approval_date"].is_null());

        // An agent from before the decision was reported sends neither field.
        let mut old = json.clone();
        let fields = old.as_object_mut().unwrap();
        fields.remove("deployment_status");
        fields.remove("approval_date");
        let parsed: PatchItem = serde_json::from_value(old).unwrap();
        assert_eq!(parsed.deployment_status, None);
        assert_eq!(parsed.approval_date, None);
        assert_eq!(parsed.title, item.title);
    }

    #[test]
    fn report_json_is_snake_case_with_aws_enum_spellings() {
        let b = rhel();
        let mut builder = ReportBuilder::new(&b, TODAY, true);
        builder.push_with(
            &rpm(
                "kernel",
                Some("5-1.el9"),
                None,
                Some((AdvisoryKind::Security, "Critical")),
            ),
            &InstallFacts {
                since_boot: true,
                installed_time: Some(datetime!(2024-03-14 10:00:05 UTC)),
                install_failed: false,
            },
        );
        let report = builder.finish();
        let json = serde_json::to_value(&report).unwrap();
        let item = &json["items"][0];
        assert_eq!(item["state"], "INSTALLED_PENDING_REBOOT");
        assert_eq!(item["kb_id"], "kernel.x86_64");
        assert_eq!(item["compliance_level"], "CRITICAL");
        assert_eq!(item["installed_time"], "2024-03-14T10:00:05Z");
        assert_eq!(item["deployment_status"], "APPROVED");
        assert_eq!(item["approval_date"], "2024-03-01");
        assert_eq!(json["counts"]["installed_pending_reboot"], 1);
        assert_eq!(json["counts"]["critical_non_compliant"], 1);
        let back: PatchReport = serde_json::from_value(json).unwrap();
        assert_eq!(back, report);
    }
}
