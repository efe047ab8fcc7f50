//! What the agent reads from the package manager about one package, and the per-package
//! patch states AWS reports.
//!
//! One [`PackageInfo`] describes one package name and architecture on one node: the
//! version installed (if any) and the candidate update (if any), with the metadata the
//! baseline filters need. The metadata describes the candidate when there is one, else
//! the installed version.

use serde::{Deserialize, Serialize};
use time::Date;

/// One package as the node's package manager sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct PackageInfo {
    pub name: String,
    /// `amd64`, `x86_64`, `noarch`, `all`…
    pub arch: String,
    /// dnf: `[epoch:]version-release`; apt: the Debian version.
    pub installed_version: Option<String>,
    /// The version an upgrade would install, when newer than the installed one (or, for a
    /// package that is not installed, the version available).
    pub candidate_version: Option<String>,
    /// The node's product as Patch Manager names it (`Ubuntu22.04`,
    /// `RedhatEnterpriseLinux9.3`, `AmazonLinux2023`), matched by `PRODUCT` filters. The
    /// agent fills it from the node, the same for every package.
    pub product: Option<String>,
    pub details: PackageDetails,
}

impl PackageInfo {
    /// The version the baseline judges: the candidate update, or the installed version
    /// when nothing newer is available.
    pub fn patch_version(&self) -> Option<&str> {
        self.candidate_version
            .as_deref()
            .or(self.installed_version.as_deref())
    }

    /// Whether a newer version than the installed one is waiting.
    pub fn has_update(&self) -> bool {
        match (&self.installed_version, &self.candidate_version) {
            (Some(installed), Some(candidate)) => installed != candidate,
            _ => false,
        }
    }

    /// Whether Patch Manager counts this package as a security update. apt: the version
    /// comes from a security pocket (`jammy-security`, `bookworm-security`, Debian's
    /// `Debian-Security` label). yum/dnf: AWS counts every package named in an
    /// `updateinfo.xml` notice as security, whatever the notice's type; packages outside
    /// any notice are non-security.
    pub fn is_security(&self) -> bool {
        match &self.details {
            PackageDetails::Apt(apt) => apt.is_security_pocket(),
            PackageDetails::Dnf(dnf) => dnf.advisory.is_some(),
        }
    }

    pub fn advisory(&self) -> Option<&Advisory> {
        match &self.details {
            PackageDetails::Dnf(dnf) => dnf.advisory.as_ref(),
            PackageDetails::Apt(_) => None,
        }
    }

    /// The date approval delays count from: dnf's notice updated date (what AWS uses on
    /// Amazon Linux), else its issued date, else the package's build time. apt
    /// repositories carry no reliable release date, so apt packages have none.
    pub fn release_date(&self) -> Option<Date> {
        match &self.details {
            PackageDetails::Apt(_) => None,
            PackageDetails::Dnf(dnf) => dnf
                .advisory
                .as_ref()
                .and_then(|a| a.updated.or(a.issued))
                .or(dnf.build_date),
        }
    }
}

/// Package-manager specific metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "manager", rename_all = "snake_case")]
pub enum PackageDetails {
    Apt(AptDetails),
    Dnf(DnfDetails),
}

/// From `apt-cache policy` / the package records.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct AptDetails {
    /// The release's suite / archive (`a=`): `jammy-security`, `stable-security`.
    pub archive: Option<String>,
    /// The release's codename (`n=`): `jammy-security`, `bookworm-security`.
    pub codename: Option<String>,
    /// `o=`: `Ubuntu`, `Debian`.
    pub origin: Option<String>,
    /// `l=`: `Ubuntu`, `Debian-Security`.
    pub label: Option<String>,
    /// `Section:`: `net`, `universe/net`.
    pub section: Option<String>,
    /// `Priority:`: `required`, `important`, `standard`, `optional`, `extra`.
    pub priority: Option<String>,
}

impl AptDetails {
    fn is_security_pocket(&self) -> bool {
        let pocket = |s: &Option<String>| {
            s.as_deref()
                .is_some_and(|s| s.ends_with("-security") || s == "debian-security")
        };
        pocket(&self.archive)
            || pocket(&self.codename)
            || self
                .label
                .as_deref()
                .is_some_and(|l| l.eq_ignore_ascii_case("Debian-Security"))
    }
}

/// From `dnf updateinfo` / `yum updateinfo` and the repository metadata.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct DnfDetails {
    /// The notice that ships this version, if any.
    pub advisory: Option<Advisory>,
    /// The repository id the version comes from.
    pub repository: Option<String>,
    /// The package's build time (day, UTC): the release date when no notice gives one.
    #[serde(default, with = "crate::dates::option")]
    pub build_date: Option<Date>,
}

/// One `updateinfo.xml` notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct Advisory {
    /// `RHSA-2024:1234`, `ALAS2023-2024-512`.
    pub id: String,
    pub kind: AdvisoryKind,
    /// As published: `Critical`, `Important`, `Moderate`, `Medium`, `Low`.
    pub severity: Option<String>,
    #[serde(default)]
    pub cve_ids: Vec<String>,
    #[serde(default)]
    pub bugzilla_ids: Vec<String>,
    #[serde(default, with = "crate::dates::option")]
    pub issued: Option<Date>,
    #[serde(default, with = "crate::dates::option")]
    pub updated: Option<Date>,
}

/// A notice's `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdvisoryKind {
    Security,
    Bugfix,
    Enhancement,
    Newpackage,
    Recommended,
}

impl AdvisoryKind {
    /// The `CLASSIFICATION` filter value naming this kind.
    pub fn classification(self) -> &'static str {
        match self {
            AdvisoryKind::Security => "Security",
            AdvisoryKind::Bugfix => "Bugfix",
            AdvisoryKind::Enhancement => "Enhancement",
            AdvisoryKind::Newpackage => "Newpackage",
            AdvisoryKind::Recommended => "Recommended",
        }
    }
}

/// `PatchComplianceDataState`: a package's state on a node, spelled as AWS spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PatchState {
    /// Approved and installed at the approved (or a newer) version.
    Installed,
    /// Installed but not approved, or rejected under `ALLOW_AS_DEPENDENCY`. Compliant.
    InstalledOther,
    /// Installed by Bosun's Install operation, node not rebooted since. Non-compliant.
    InstalledPendingReboot,
    /// Installed, rejected, under `BLOCK`. Non-compliant.
    InstalledRejected,
    /// Approved, an update waits to be installed. Non-compliant.
    Missing,
    /// Approved, but the package is not installed on the node.
    NotApplicable,
    /// An Install operation failed to install it; only the operation knows this, so
    /// [`crate::classify`] never returns it.
    Failed,
    /// Windows Server only in AWS; never produced by Bosun.
    AvailableSecurityUpdate,
}

impl PatchState {
    pub const ALL: [PatchState; 8] = [
        PatchState::Installed,
        PatchState::InstalledOther,
        PatchState::InstalledPendingReboot,
        PatchState::InstalledRejected,
        PatchState::Missing,
        PatchState::NotApplicable,
        PatchState::Failed,
        PatchState::AvailableSecurityUpdate,
    ];

    /// AWS's spelling (`PatchComplianceDataState`): `MISSING`, `INSTALLED_OTHER`…
    pub fn as_str(self) -> &'static str {
        match self {
            PatchState::Installed => "INSTALLED",
            PatchState::InstalledOther => "INSTALLED_OTHER",
            PatchState::InstalledPendingReboot => "INSTALLED_PENDING_REBOOT",
            PatchState::InstalledRejected => "INSTALLED_REJECTED",
            PatchState::Missing => "MISSING",
            PatchState::NotApplicable => "NOT_APPLICABLE",
            PatchState::Failed => "FAILED",
            PatchState::AvailableSecurityUpdate => "AVAILABLE_SECURITY_UPDATE",
        }
    }

    /// The state AWS spells `s`.
    pub fn parse(s: &str) -> Option<PatchState> {
        PatchState::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Whether AWS counts the state as compliant (`NOT_APPLICABLE` counts as compliant:
    /// nothing is missing).
    pub fn is_compliant(self) -> bool {
        matches!(
            self,
            PatchState::Installed | PatchState::InstalledOther | PatchState::NotApplicable
        )
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use time::macros::date;

    fn apt(archive: &str, label: &str) -> PackageInfo {
        PackageInfo {
            name: "openssl".into(),
            arch: "amd64".into(),
            installed_version: Some("3.0.2-0ubuntu1.14".into()),
            candidate_version: Some("3.0.2-0ubuntu1.15".into()),
            product: Some("Ubuntu22.04".into()),
            details: PackageDetails::Apt(AptDetails {
                archive: Some(archive.into()),
                label: Some(label.into()),
                ..Default::default()
            }),
        }
    }

    #[test]
    fn apt_security_pocket() {
        let cases = [
            ("jammy-security", "Ubuntu", true),
            ("jammy-updates", "Ubuntu", false),
            ("jammy", "Ubuntu", false),
            ("stable-security", "Debian-Security", true),
            ("buster/updates", "Debian-Security", true),
            ("stable", "Debian", false),
        ];
        for (archive, label, expected) in cases {
            assert_eq!(apt(archive, label).is_security(), expected, "{archive}");
        }
    }

    #[test]
    fn dnf_security_means_in_a_notice_and_release_date_prefers_updated() {
        let mut details = DnfDetails {
            advisory: None,
            repository: Some("baseos".into()),
            build_date: Some(date!(2024 - 01 - 01)),
        };
        let mut pkg = PackageInfo {
            name: "bash".into(),
            arch: "x86_64".into(),
            installed_version: None,
            candidate_version: Some("5.1.8-9.el9".into()),
            product: None,
            details: PackageDetails::Dnf(details.clone()),
        };
        assert!(!pkg.is_security());
        assert_eq!(pkg.release_date(), Some(date!(2024 - 01 - 01)));
        details.advisory = Some(Advisory {
            id: "RHBA-2024:1".into(),
            kind: AdvisoryKind::Bugfix,
            severity: None,
            cve_ids: vec![],
            bugzilla_ids: vec![],
            issued: Some(date!(2024 - 02 - 01)),
            updated: Some(date!(2024 - 02 - 03)),
        });
        pkg.details = PackageDetails::Dnf(details.clone());
        assert!(pkg.is_security());
        assert_eq!(pkg.release_date(), Some(date!(2024 - 02 - 03)));
        if let Some(a) = details.advisory.as_mut() {
            a.updated = None;
        }
        pkg.details = PackageDetails::Dnf(details);
        assert_eq!(pkg.release_date(), Some(date!(2024 - 02 - 01)));
    }

    #[test]
    fn patch_states_serialise_as_aws_spells_them() {
        let cases = [
            (PatchState::Installed, "INSTALLED"),
            (PatchState::InstalledOther, "INSTALLED_OTHER"),
            (
                PatchState::InstalledPendingReboot,
                "INSTALLED_PENDING_REBOOT",
            ),
            (PatchState::InstalledRejected, "INSTALLED_REJECTED"),
            (PatchState::Missing, "MISSING"),
            (PatchState::NotApplicable, "NOT_APPLICABLE"),
            (PatchState::Failed, "FAILED"),
            (
                PatchState::AvailableSecurityUpdate,
                "AVAILABLE_SECURITY_UPDATE",
            ),
        ];
        for (state, spelled) in cases {
            assert_eq!(serde_json::to_value(state).unwrap(), spelled);
        }
        assert!(PatchState::InstalledOther.is_compliant());
        assert!(!PatchState::InstalledRejected.is_compliant());
        assert!(!PatchState::Missing.is_compliant());
    }

    #[test]
    fn package_info_round_trips_with_dates_as_text() {
        let pkg = PackageInfo {
            name: "kernel".into(),
            arch: "x86_64".into(),
            installed_version: Some("5.14.0-362.8.1.el9_3".into()),
            candidate_version: Some("5.14.0-362.13.1.el9_3".into()),
            product: Some("RedhatEnterpriseLinux9.3".into()),
            details: PackageDetails::Dnf(DnfDetails {
                advisory: Some(Advisory {
                    id: "RHSA-2023:7549".into(),
                    kind: AdvisoryKind::Security,
                    severity: Some("Important".into()),
                    cve_ids: vec!["CVE-2023-3812".into()],
                    bugzilla_ids: vec![],
                    issued: Some(date!(2023 - 11 - 29)),
                    updated: None,
                }),
                repository: Some("rhel-9-baseos".into()),
                build_date: None,
            }),
        };
        let json = serde_json::to_value(&pkg).unwrap();
        assert_eq!(json["details"]["manager"], "dnf");
        assert_eq!(json["details"]["advisory"]["issued"], "2023-11-29");
        assert_eq!(json["details"]["advisory"]["kind"], "security");
        let back: PackageInfo = serde_json::from_value(json).unwrap();
        assert_eq!(back, pkg);
    }

    #[test]
    fn patch_states_spell_as_serde_does() {
        for state in PatchState::ALL {
            assert_eq!(serde_json::to_value(state).unwrap(), state.as_str());
            assert_eq!(PatchState::parse(state.as_str()), Some(state));
        }
        assert_eq!(PatchState::parse("Missing"), None);
    }
}
