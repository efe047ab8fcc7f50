//! Validation of a patch baseline: every constraint of the AWS model (lengths, ranges,
//! patterns, list sizes) plus the rules AWS documents per operating system, each problem
//! reported with the path of the offending member.
//!
//! Choices where AWS is silent or lax, made for an operator who prefers an early, precise
//! refusal to a baseline that silently does something else:
//! - Debian/Ubuntu/Raspberry Pi OS rules take no approval delay: AWS documents that auto-
//!   approval is "not supported" there. `ApproveAfterDays: 0` (what AWS's own Ubuntu
//!   baseline carries) or nothing is accepted; a positive delay or a cutoff date is refused
//!   rather than ignored.
//! - yum/dnf rules need exactly one of `ApproveAfterDays` and `ApproveUntilDate`.
//! - A filter key may appear once per group; `*` in a value of an enumerated key
//!   (`PRIORITY`, `CLASSIFICATION`, `SEVERITY`) must be the whole value.
//! - Bugzilla, CVE and advisory ids are accepted in `ApprovedPatches` only (AWS documents
//!   them for approved lists); yum/dnf package specs carry at most one `*`.
//! - Source names are unique within a baseline.
//! - Windows Server, SUSE and macOS baselines are accepted with the model's constraints
//!   only (any filter key, either approval form): operators may keep them alongside the
//!   rest, and nodes with those systems report NotApplicable since Bosun cannot patch them.
//!   `AvailableSecurityUpdatesComplianceStatus` is accepted on Windows baselines only.

use crate::baseline::{
    OperatingSystem, OsFamily, PatchBaseline, PatchFilterGroup, PatchFilterKey, PatchRule,
};
use crate::dates::parse_ymd;
use crate::names::PatchListEntry;

/// One thing wrong with a baseline.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct Problem {
    /// The member's path in the request, e.g.
    /// `ApprovalRules.PatchRules[2].PatchFilterGroup.PatchFilters[0].Key`.
    pub path: String,
    pub message: String,
    pub kind: ProblemKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// A value the model or the documented rules do not allow.
    Invalid,
}

impl Problem {
    /// The AWS exception to answer with.
    pub fn exception(&self) -> &'static str {
        match self.kind {
            ProblemKind::Invalid => "ValidationException",
        }
    }
}

const MAX_FILTERS: usize = 4;
const MAX_FILTER_VALUES: usize = 20;
const MAX_FILTER_VALUE_LEN: usize = 64;
const MAX_RULES: usize = 10;
const MAX_APPROVE_AFTER_DAYS: i64 = 360;
const MAX_PATCH_IDS: usize = 50;
const MAX_PATCH_ID_LEN: usize = 100;
const MAX_SOURCES: usize = 20;
const MAX_SOURCE_PRODUCTS: usize = 20;
const MAX_SOURCE_PRODUCT_LEN: usize = 128;
const MAX_SOURCE_CONFIGURATION_LEN: usize = 1024;
const MAX_DESCRIPTION_LEN: usize = 1024;

/// Checks `baseline`; on failure returns every problem found, in member order.
pub fn validate(baseline: &PatchBaseline) -> Result<(), Vec<Problem>> {
    let mut v = Validator::default();
    let family = baseline.operating_system.family();

    let name = &baseline.name;
    if !(3..=128).contains(&name.chars().count()) || !name.chars().all(is_name_char) {
        v.invalid(
            "Name",
            "must be 3 to 128 characters of letters, digits, '_', '-' and '.'",
        );
    }
    if let Some(description) = &baseline.description {
        if !(1..=MAX_DESCRIPTION_LEN).contains(&description.chars().count()) {
            v.invalid("Description", "must be 1 to 1024 characters");
        }
    }
    if let Some(group) = &baseline.global_filters {
        v.filter_group("GlobalFilters", group, family);
    }
    if let Some(rules) = &baseline.approval_rules {
        if rules.patch_rules.len() > MAX_RULES {
            v.invalid(
                "ApprovalRules.PatchRules",
                format!("at most {MAX_RULES} rules, got {}", rules.patch_rules.len()),
            );
        }
        for (i, rule) in rules.patch_rules.iter().enumerate() {
            v.rule(&format!("ApprovalRules.PatchRules[{i}]"), rule, family);
        }
    }
    v.patch_list("ApprovedPatches", &baseline.approved_patches, family, true);
    v.patch_list("RejectedPatches", &baseline.rejected_patches, family, false);
    v.sources(baseline);
    if baseline
        .available_security_updates_compliance_status
        .is_some()
        && baseline.operating_system != OperatingSystem::Windows
    {
        v.invalid(
            "AvailableSecurityUpdatesComplianceStatus",
            "applies to Windows Server only",
        );
    }
    v.finish()
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
}

#[derive(Default)]
struct Validator {
    problems: Vec<Problem>,
}

impl Validator {
    fn push(&mut self, path: impl Into<String>, message: impl Into<String>, kind: ProblemKind) {
        self.problems.push(Problem {
            path: path.into(),
            message: message.into(),
            kind,
        });
    }

    fn invalid(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.push(path, message, ProblemKind::Invalid);
    }

    fn finish(self) -> Result<(), Vec<Problem>> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(self.problems)
        }
    }

    fn filter_group(&mut self, path: &str, group: &PatchFilterGroup, family: OsFamily) {
        let filters = &group.patch_filters;
        if filters.len() > MAX_FILTERS {
            self.invalid(
                format!("{path}.PatchFilters"),
                format!("at most {MAX_FILTERS} filters, got {}", filters.len()),
            );
        }
        for (i, filter) in filters.iter().enumerate() {
            let fpath = format!("{path}.PatchFilters[{i}]");
            let key = filter.key;
            let allowed = PatchFilterKey::allowed_for(family);
            if family != OsFamily::Unsupported && !allowed.contains(&key) {
                let names: Vec<&str> = allowed.iter().map(|k| k.as_str()).collect();
                self.invalid(
                    format!("{fpath}.Key"),
                    format!(
                        "{} is not a filter key for this operating system; use one of {}",
                        key.as_str(),
                        names.join(", ")
                    ),
                );
            }
            if filters[..i].iter().any(|earlier| earlier.key == key) {
                self.invalid(
                    format!("{fpath}.Key"),
                    format!("{} is used twice in the same group", key.as_str()),
                );
            }
            if filter.values.is_empty() || filter.values.len() > MAX_FILTER_VALUES {
                self.invalid(
                    format!("{fpath}.Values"),
                    format!(
                        "must hold 1 to {MAX_FILTER_VALUES} values, got {}",
                        filter.values.len()
                    ),
                );
            }
            let enumerated = key.enumerated_values(family);
            for (j, value) in filter.values.iter().enumerate() {
                let vpath = format!("{fpath}.Values[{j}]");
                if !(1..=MAX_FILTER_VALUE_LEN).contains(&value.chars().count()) {
                    self.invalid(vpath, "must be 1 to 64 characters");
                    continue;
                }
                if let Some(allowed) = enumerated {
                    if value != "*" && !allowed.contains(&value.as_str()) {
                        self.invalid(
                            vpath,
                            format!(
                                "'{value}' is not a {} value; use * or one of {}",
                                key.as_str(),
                                allowed.join(", ")
                            ),
                        );
                    }
                }
            }
        }
    }

    fn rule(&mut self, path: &str, rule: &PatchRule, family: OsFamily) {
        self.filter_group(
            &format!("{path}.PatchFilterGroup"),
            &rule.patch_filter_group,
            family,
        );
        let after = rule.approve_after_days;
        let until = rule.approve_until_date.as_deref();
        if let Some(days) = after {
            if !(0..=MAX_APPROVE_AFTER_DAYS).contains(&days) {
                self.invalid(
                    format!("{path}.ApproveAfterDays"),
                    format!("must be 0 to {MAX_APPROVE_AFTER_DAYS}, got {days}"),
                );
            }
        }
        if let Some(date) = until {
            if parse_ymd(date).is_none() {
                self.invalid(
                    format!("{path}.ApproveUntilDate"),
                    format!("'{date}' is not a date of the form YYYY-MM-DD"),
                );
            }
        }
        match family {
            OsFamily::Apt => {
                if after.is_some_and(|d| d > 0) {
                    self.invalid(
                        format!("{path}.ApproveAfterDays"),
                        "approval delays are not supported on Debian and Ubuntu: apt \
                         repositories publish no release dates; use 0 or leave it out",
                    );
                }
                if until.is_some() {
                    self.invalid(
                        format!("{path}.ApproveUntilDate"),
                        "approval cutoff dates are not supported on Debian and Ubuntu: apt \
                         repositories publish no release dates",
                    );
                }
            }
            OsFamily::Dnf | OsFamily::Unsupported => match (after, until) {
                (Some(_), Some(_)) => self.invalid(
                    path,
                    "give either ApproveAfterDays or ApproveUntilDate, not both",
                ),
                (None, None) => {
                    self.invalid(path, "give one of ApproveAfterDays or ApproveUntilDate")
                }
                _ => {}
            },
        }
    }

    fn patch_list(&mut self, path: &str, list: &[String], family: OsFamily, approved: bool) {
        if list.len() > MAX_PATCH_IDS {
            self.invalid(
                path,
                format!("at most {MAX_PATCH_IDS} entries, got {}", list.len()),
            );
        }
        for (i, entry) in list.iter().enumerate() {
            let epath = format!("{path}[{i}]");
            if !(1..=MAX_PATCH_ID_LEN).contains(&entry.chars().count()) {
                self.invalid(epath, "must be 1 to 100 characters");
                continue;
            }
            if entry.chars().any(char::is_whitespace) {
                self.invalid(epath, "a package name holds no spaces");
                continue;
            }
            match (PatchListEntry::parse(entry, family), family) {
                (PatchListEntry::Package(spec), OsFamily::Dnf) if spec.matches('*').count() > 1 => {
                    self.invalid(epath, "a package spec may hold only one '*' wildcard");
                }
                (PatchListEntry::Package(name), OsFamily::Apt)
                    if name.contains('=') || name.contains(':') =>
                {
                    self.invalid(
                        epath,
                        "Debian and Ubuntu lists take package names only, without version \
                         or architecture",
                    );
                }
                (PatchListEntry::Package(_), _) => {}
                (_, _) if !approved => self.invalid(
                    epath,
                    "Bugzilla, CVE and advisory ids are accepted in ApprovedPatches only; \
                     reject packages by name",
                ),
                _ => {}
            }
        }
    }

    fn sources(&mut self, baseline: &PatchBaseline) {
        let sources = &baseline.sources;
        if sources.len() > MAX_SOURCES {
            self.invalid(
                "Sources",
                format!("at most {MAX_SOURCES} sources, got {}", sources.len()),
            );
        }
        for (i, source) in sources.iter().enumerate() {
            let path = format!("Sources[{i}]");
            let name = &source.name;
            if !(3..=50).contains(&name.chars().count()) || !name.chars().all(is_name_char) {
                self.invalid(
                    format!("{path}.Name"),
                    "must be 3 to 50 characters of letters, digits, '_', '-' and '.'",
                );
            } else if sources[..i].iter().any(|s| &s.name == name) {
                self.invalid(format!("{path}.Name"), format!("'{name}' is used twice"));
            }
            if source.products.is_empty() || source.products.len() > MAX_SOURCE_PRODUCTS {
                self.invalid(
                    format!("{path}.Products"),
                    format!(
                        "must hold 1 to {MAX_SOURCE_PRODUCTS} products, got {}",
                        source.products.len()
                    ),
                );
            }
            for (j, product) in source.products.iter().enumerate() {
                if !(1..=MAX_SOURCE_PRODUCT_LEN).contains(&product.chars().count()) {
                    self.invalid(
                        format!("{path}.Products[{j}]"),
                        "must be 1 to 128 characters",
                    );
                }
            }
            // The configuration is sensitive: the message never quotes it.
            if !(1..=MAX_SOURCE_CONFIGURATION_LEN).contains(&source.configuration.chars().count()) {
                self.invalid(
                    format!("{path}.Configuration"),
                    "must be 1 to 1024 characters",
                );
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::baseline::{PatchComplianceStatus, PatchFilter, PatchRuleGroup, PatchSource};

    fn rhel() -> PatchBaseline {
        let mut b = PatchBaseline::new("rhel-web", OperatingSystem::RedhatEnterpriseLinux);
        b.approval_rules = Some(PatchRuleGroup {
            patch_rules: vec![PatchRule::after_days(
                vec![PatchFilter::new(
                    PatchFilterKey::Classification,
                    &["Security"],
                )],
                7,
            )],
        });
        b
    }

    fn ubuntu() -> PatchBaseline {
        let mut b = PatchBaseline::new("ubuntu-web", OperatingSystem::Ubuntu);
        b.approval_rules = Some(PatchRuleGroup {
            patch_rules: vec![PatchRule::after_days(
                vec![PatchFilter::new(PatchFilterKey::Priority, &["Required"])],
                0,
            )],
        });
        b
    }

    fn rule0(b: &mut PatchBaseline) -> &mut PatchRule {
        &mut b.approval_rules.as_mut().unwrap().patch_rules[0]
    }

    /// Runs `validate` and returns the (path, exception) pairs of the problems.
    fn problems(b: &PatchBaseline) -> Vec<(String, &'static str)> {
        match validate(b) {
            Ok(()) => vec![],
            Err(problems) => problems
                .iter()
                .map(|p| (p.path.clone(), p.exception()))
                .collect(),
        }
    }

    fn only(path: &str) -> Vec<(String, &'static str)> {
        vec![(path.to_owned(), "ValidationException")]
    }

    #[test]
    fn valid_baselines_pass() {
        assert_eq!(problems(&rhel()), vec![]);
        assert_eq!(problems(&ubuntu()), vec![]);
        let mut b = ubuntu();
        rule0(&mut b).approve_after_days = None;
        assert_eq!(problems(&b), vec![]);
    }

    #[test]
    fn each_rule_reports_its_path() {
        type Edit = fn(&mut PatchBaseline);
        let cases: Vec<(&str, Edit, &str)> = vec![
            ("name too short", |b| b.name = "ab".into(), "Name"),
            ("name bad char", |b| b.name = "web servers".into(), "Name"),
            ("name too long", |b| b.name = "a".repeat(129), "Name"),
            (
                "empty description",
                |b| b.description = Some(String::new()),
                "Description",
            ),
            (
                "description too long",
                |b| b.description = Some("d".repeat(1025)),
                "Description",
            ),
            (
                "too many rules",
                |b| {
                    let rule = b.rules()[0].clone();
                    b.approval_rules.as_mut().unwrap().patch_rules = vec![rule; 11];
                },
                "ApprovalRules.PatchRules",
            ),
            (
                "key not for the OS",
                |b| rule0(b).patch_filter_group.patch_filters[0].key = PatchFilterKey::Priority,
                "ApprovalRules.PatchRules[0].PatchFilterGroup.PatchFilters[0].Key",
            ),
            (
                "no values",
                |b| rule0(b).patch_filter_group.patch_filters[0].values.clear(),
                "ApprovalRules.PatchRules[0].PatchFilterGroup.PatchFilters[0].Values",
            ),
            (
                "too many values",
                |b| {
                    rule0(b).patch_filter_group.patch_filters[0].values =
                        vec!["Security".into(); 21]
                },
                "ApprovalRules.PatchRules[0].PatchFilterGroup.PatchFilters[0].Values",
            ),
            (
                "unknown classification",
                |b| {
                    rule0(b).patch_filter_group.patch_filters[0].values =
                        vec!["Security".into(), "Important".into()]
                },
                "ApprovalRules.PatchRules[0].PatchFilterGroup.PatchFilters[0].Values[1]",
            ),
            (
                "classification in the wrong case",
                |b| rule0(b).patch_filter_group.patch_filters[0].values = vec!["security".into()],
                "ApprovalRules.PatchRules[0].PatchFilterGroup.PatchFilters[0].Values[0]",
            ),
            (
                "partial wildcard in an enumerated key",
                |b| rule0(b).patch_filter_group.patch_filters[0].values = vec!["Sec*".into()],
                "ApprovalRules.PatchRules[0].PatchFilterGroup.PatchFilters[0].Values[0]",
            ),
            (
                "value too long",
                |b| {
                    rule0(b).patch_filter_group.patch_filters[0] =
                        PatchFilter::new(PatchFilterKey::Product, &[&"p".repeat(65)])
                },
                "ApprovalRules.PatchRules[0].PatchFilterGroup.PatchFilters[0].Values[0]",
            ),
            (
                "days above 360",
                |b| rule0(b).approve_after_days = Some(361),
                "ApprovalRules.PatchRules[0].ApproveAfterDays",
            ),
            (
                "negative days",
                |b| rule0(b).approve_after_days = Some(-1),
                "ApprovalRules.PatchRules[0].ApproveAfterDays",
            ),
            (
                "both days and date",
                |b| rule0(b).approve_until_date = Some("2024-01-31".into()),
                "ApprovalRules.PatchRules[0]",
            ),
            (
                "neither days nor date",
                |b| rule0(b).approve_after_days = None,
                "ApprovalRules.PatchRules[0]",
            ),
            (
                "global filter key",
                |b| {
                    b.global_filters = Some(PatchFilterGroup {
                        patch_filters: vec![PatchFilter::new(PatchFilterKey::Section, &["net"])],
                    })
                },
                "GlobalFilters.PatchFilters[0].Key",
            ),
            (
                "global filter used twice",
                |b| {
                    b.global_filters = Some(PatchFilterGroup {
                        patch_filters: vec![
                            PatchFilter::new(PatchFilterKey::Product, &["RedhatEnterpriseLinux9*"]),
                            PatchFilter::new(PatchFilterKey::Product, &["*"]),
                        ],
                    })
                },
                "GlobalFilters.PatchFilters[1].Key",
            ),
            (
                "too many approved",
                |b| b.approved_patches = vec!["bash".into(); 51],
                "ApprovedPatches",
            ),
            (
                "too many rejected",
                |b| b.rejected_patches = vec!["bash".into(); 51],
                "RejectedPatches",
            ),
            (
                "approved entry too long",
                |b| b.approved_patches = vec!["bash".into(), "p".repeat(101)],
                "ApprovedPatches[1]",
            ),
            (
                "empty rejected entry",
                |b| b.rejected_patches = vec![String::new()],
                "RejectedPatches[0]",
            ),
            (
                "two wildcards",
                |b| b.approved_patches = vec!["kernel-*-*.x86_64".into()],
                "ApprovedPatches[0]",
            ),
            (
                "advisory in rejected",
                |b| b.rejected_patches = vec!["RHSA-2024:1234".into()],
                "RejectedPatches[0]",
            ),
            (
                "cve in rejected",
                |b| b.rejected_patches = vec!["CVE-2024-12345".into()],
                "RejectedPatches[0]",
            ),
            (
                "space in a name",
                |b| b.rejected_patches = vec!["open ssl".into()],
                "RejectedPatches[0]",
            ),
            (
                "source name",
                |b| {
                    b.sources = vec![PatchSource {
                        name: "my repo".into(),
                        products: vec!["RedhatEnterpriseLinux9.3".into()],
                        configuration: "[main]".into(),
                    }]
                },
                "Sources[0].Name",
            ),
            (
                "source without products",
                |b| {
                    b.sources = vec![PatchSource {
                        name: "my-repo".into(),
                        products: vec![],
                        configuration: "[main]".into(),
                    }]
                },
                "Sources[0].Products",
            ),
            (
                "source product too long",
                |b| {
                    b.sources = vec![PatchSource {
                        name: "my-repo".into(),
                        products: vec!["p".repeat(129)],
                        configuration: "[main]".into(),
                    }]
                },
                "Sources[0].Products[0]",
            ),
            (
                "source configuration too long",
                |b| {
                    b.sources = vec![PatchSource {
                        name: "my-repo".into(),
                        products: vec!["RedhatEnterpriseLinux9.3".into()],
                        configuration: "x".repeat(1025),
                    }]
                },
                "Sources[0].Configuration",
            ),
            (
                "duplicate source",
                |b| {
                    let source = PatchSource {
                        name: "my-repo".into(),
                        products: vec!["RedhatEnterpriseLinux9.3".into()],
                        configuration: "[main]".into(),
                    };
                    b.sources = vec![source.clone(), source];
                },
                "Sources[1].Name",
            ),
            (
                "too many sources",
                |b| {
                    b.sources = (0..21)
                        .map(|i| PatchSource {
                            name: format!("repo-{i}"),
                            products: vec!["RedhatEnterpriseLinux9.3".into()],
                            configuration: "[main]".into(),
                        })
                        .collect()
                },
                "Sources",
            ),
            (
                "windows-only member",
                |b| {
                    b.available_security_updates_compliance_status =
                        Some(PatchComplianceStatus::NonCompliant)
                },
                "AvailableSecurityUpdatesComplianceStatus",
            ),
        ];
        for (what, edit, path) in cases {
            let mut b = rhel();
            edit(&mut b);
            assert_eq!(problems(&b), only(path), "{what}");
        }
    }

    #[test]
    fn apt_rules() {
        type Edit = fn(&mut PatchBaseline);
        let cases: Vec<(&str, Edit, &str)> = vec![
            (
                "approval delay",
                |b| rule0(b).approve_after_days = Some(7),
                "ApprovalRules.PatchRules[0].ApproveAfterDays",
            ),
            (
                "cutoff date",
                |b| {
                    rule0(b).approve_after_days = None;
                    rule0(b).approve_until_date = Some("2024-01-01".into());
                },
                "ApprovalRules.PatchRules[0].ApproveUntilDate",
            ),
            (
                "classification is not an apt key",
                |b| {
                    rule0(b).patch_filter_group.patch_filters[0] =
                        PatchFilter::new(PatchFilterKey::Classification, &["Security"])
                },
                "ApprovalRules.PatchRules[0].PatchFilterGroup.PatchFilters[0].Key",
            ),
            (
                "unknown priority",
                |b| {
                    rule0(b).patch_filter_group.patch_filters[0].values =
                        vec!["Required".into(), "Urgent".into()]
                },
                "ApprovalRules.PatchRules[0].PatchFilterGroup.PatchFilters[0].Values[1]",
            ),
            (
                "version in a name",
                |b| b.approved_patches = vec!["openssl=3.0.2-0ubuntu1.15".into()],
                "ApprovedPatches[0]",
            ),
            (
                "arch in a name",
                |b| b.rejected_patches = vec!["openssl:amd64".into()],
                "RejectedPatches[0]",
            ),
        ];
        for (what, edit, path) in cases {
            let mut b = ubuntu();
            edit(&mut b);
            assert_eq!(problems(&b), only(path), "{what}");
        }
        // Free-text and wildcard values are fine on apt.
        let mut b = ubuntu();
        rule0(&mut b)
            .patch_filter_group
            .patch_filters
            .push(PatchFilter::new(
                PatchFilterKey::Section,
                &["universe/*", "net"],
            ));
        b.approved_patches = vec!["linux-image-*".into(), "1234567".into()];
        assert_eq!(problems(&b), vec![]);
    }

    #[test]
    fn at_most_four_filters_per_group() {
        let mut b = rhel();
        rule0(&mut b).patch_filter_group.patch_filters = vec![
            PatchFilter::new(PatchFilterKey::Classification, &["Security"]),
            PatchFilter::new(PatchFilterKey::Severity, &["Critical"]),
            PatchFilter::new(PatchFilterKey::Product, &["*"]),
            PatchFilter::new(PatchFilterKey::Classification, &["Bugfix"]),
            PatchFilter::new(PatchFilterKey::Severity, &["Low"]),
        ];
        let found = problems(&b);
        let group = "ApprovalRules.PatchRules[0].PatchFilterGroup.PatchFilters";
        assert_eq!(found[0], (group.to_owned(), "ValidationException"));
        assert_eq!(found[1].0, format!("{group}[3].Key"));
        assert_eq!(found[2].0, format!("{group}[4].Key"));
        assert_eq!(found.len(), 3);
    }

    #[test]
    fn until_date_must_be_a_real_day() {
        for (date, ok) in [
            ("2024-02-29", true),
            ("2023-02-29", false),
            ("2024-1-5", false),
            ("20240105", false),
        ] {
            let mut b = rhel();
            rule0(&mut b).approve_after_days = None;
            rule0(&mut b).approve_until_date = Some(date.into());
            let expected = if ok {
                vec![]
            } else {
                only("ApprovalRules.PatchRules[0].ApproveUntilDate")
            };
            assert_eq!(problems(&b), expected, "{date}");
        }
    }

    #[test]
    fn boundaries_that_pass() {
        let mut b = rhel();
        rule0(&mut b).approve_after_days = Some(360);
        b.approved_patches = vec!["p".repeat(100); 50];
        b.rejected_patches = vec!["kernel-*".into(); 50];
        b.description = Some("d".repeat(1024));
        b.name = "a".repeat(128);
        rule0(&mut b).patch_filter_group.patch_filters = vec![
            PatchFilter::new(PatchFilterKey::Classification, &["*"]),
            PatchFilter::new(PatchFilterKey::Severity, &["Critical", "Moderate", "None"]),
            PatchFilter::new(PatchFilterKey::Product, &[&"p".repeat(64)]),
        ];
        assert_eq!(problems(&b), vec![]);
        let mut b = rhel();
        rule0(&mut b).approve_after_days = Some(0);
        b.approved_patches = vec![
            "RHSA-2017:0864".into(),
            "ALAS-2018-123".into(),
            "CVE-2018-1234567".into(),
            "1234567".into(),
            "example-pkg-EE-2018*.amzn1.noarch".into(),
        ];
        assert_eq!(problems(&b), vec![]);
    }

    #[test]
    fn other_operating_systems_are_accepted_with_the_model_constraints_only() {
        let mut b = rhel();
        b.operating_system = OperatingSystem::Windows;
        b.available_security_updates_compliance_status = Some(PatchComplianceStatus::NonCompliant);
        assert_eq!(problems(&b), vec![]);
        b.operating_system = OperatingSystem::Suse;
        b.name = "x".into();
        let err = validate(&b).unwrap_err();
        assert_eq!(
            err.iter().map(|p| p.path.as_str()).collect::<Vec<_>>(),
            ["Name", "AvailableSecurityUpdatesComplianceStatus"]
        );
        assert_eq!(
            err[0].to_string(),
            "Name: must be 3 to 128 characters of letters, digits, '_', '-' and '.'"
        );
    }
}
