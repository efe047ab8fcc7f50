//! Entries of `ApprovedPatches` / `RejectedPatches` and how they match a package.
//!
//! apt family: an entry is a package name (never a version or an architecture); `*`
//! wildcards are accepted too, so `linux-image-*` names every kernel image.
//!
//! yum/dnf family, as AWS documents it:
//! - a numbers-only entry is a Bugzilla id (approved list only);
//! - `CVE-YYYY-N…` is a CVE id (approved list only);
//! - `PREFIX-YYYY:N…` / `PREFIX-YYYY-N…` (`RHSA-2017:0864`, `ALAS-2018-123`,
//!   `ALAS2023-2023-123`) is an advisory id (approved list only);
//! - anything else is a package spec with at most one `*`, matched against the package
//!   the way yum/dnf match specs: `name`, `name.arch`, `name-version`,
//!   `name-version-release`, `name-version-release.arch`, `epoch:name-version-release.arch`
//!   and `name-epoch:version-release.arch`.
//!
//! Not implemented: provides (`/usr/bin/foo`, `foo(x86-64)`) and dnf's `[]`/`?` globs.

use crate::baseline::OsFamily;
use crate::package::PackageInfo;

/// What one entry of a patch list names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatchListEntry<'a> {
    /// A package name or NEVRA spec, possibly with `*`.
    Package(&'a str),
    BugzillaId(&'a str),
    CveId(&'a str),
    AdvisoryId(&'a str),
}

impl<'a> PatchListEntry<'a> {
    pub fn parse(entry: &'a str, family: OsFamily) -> Self {
        if family != OsFamily::Dnf {
            return PatchListEntry::Package(entry);
        }
        if !entry.is_empty() && entry.bytes().all(|b| b.is_ascii_digit()) {
            PatchListEntry::BugzillaId(entry)
        } else if is_cve_id(entry) {
            PatchListEntry::CveId(entry)
        } else if is_advisory_id(entry) {
            PatchListEntry::AdvisoryId(entry)
        } else {
            PatchListEntry::Package(entry)
        }
    }

    /// Whether this entry names `package` at `version` (`[epoch:]version-release` for dnf,
    /// the Debian version for apt; the version only matters to dnf specs).
    pub fn matches(&self, package: &PackageInfo, version: Option<&str>, family: OsFamily) -> bool {
        match self {
            PatchListEntry::Package(spec) => match family {
                OsFamily::Dnf => package_spec_forms(package, version)
                    .iter()
                    .any(|form| glob_match(spec, form)),
                _ => glob_match(spec, &package.name),
            },
            PatchListEntry::BugzillaId(id) => package
                .advisory()
                .is_some_and(|a| a.bugzilla_ids.iter().any(|b| b == id)),
            PatchListEntry::CveId(id) => package
                .advisory()
                .is_some_and(|a| a.cve_ids.iter().any(|c| c.eq_ignore_ascii_case(id))),
            PatchListEntry::AdvisoryId(id) => package
                .advisory()
                .is_some_and(|a| a.id.eq_ignore_ascii_case(id)),
        }
    }
}

/// Whether any entry of `list` names `package` at `version`.
pub fn list_matches(
    list: &[String],
    package: &PackageInfo,
    version: Option<&str>,
    family: OsFamily,
) -> bool {
    list.iter()
        .any(|entry| PatchListEntry::parse(entry, family).matches(package, version, family))
}

fn is_cve_id(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("CVE-") else {
        return false;
    };
    let mut parts = rest.splitn(2, '-');
    let (Some(year), Some(number)) = (parts.next(), parts.next()) else {
        return false;
    };
    year.len() == 4
        && year.bytes().all(|b| b.is_ascii_digit())
        && number.len() >= 4
        && number.bytes().all(|b| b.is_ascii_digit())
}

/// Upper-case letters (digits after the first letter allowed), `-`, a four-digit year, `:`
/// or `-`, digits. Package names are lower case by convention, so this does not swallow
/// real package specs.
fn is_advisory_id(s: &str) -> bool {
    let Some((prefix, rest)) = s.split_once('-') else {
        return false;
    };
    let prefix_ok = prefix.len() >= 2
        && prefix.as_bytes()[0].is_ascii_uppercase()
        && prefix
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if !prefix_ok || rest.len() < 6 {
        return false;
    }
    let (year, tail) = rest.split_at(4);
    let Some(number) = tail.strip_prefix(':').or_else(|| tail.strip_prefix('-')) else {
        return false;
    };
    year.bytes().all(|b| b.is_ascii_digit())
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
}

/// `[epoch:]version-release` split into its parts (release may be absent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evr<'a> {
    pub epoch: Option<&'a str>,
    pub version: &'a str,
    pub release: Option<&'a str>,
}

impl<'a> Evr<'a> {
    pub fn parse(evr: &'a str) -> Self {
        let (epoch, rest) = match evr.split_once(':') {
            Some((e, rest)) if !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()) => {
                (Some(e), rest)
            }
            _ => (None, evr),
        };
        match rest.rsplit_once('-') {
            Some((version, release)) => Evr {
                epoch,
                version,
                release: Some(release),
            },
            None => Evr {
                epoch,
                version: rest,
                release: None,
            },
        }
    }
}

fn package_spec_forms(package: &PackageInfo, version: Option<&str>) -> Vec<String> {
    let name = &package.name;
    let arch = &package.arch;
    let mut forms = vec![name.clone(), format!("{name}.{arch}")];
    let Some(version) = version else {
        return forms;
    };
    let evr = Evr::parse(version);
    let epoch = evr.epoch.unwrap_or("0");
    let v = evr.version;
    forms.push(format!("{name}-{v}"));
    if let Some(r) = evr.release {
        forms.push(format!("{name}-{v}-{r}"));
        forms.push(format!("{name}-{v}-{r}.{arch}"));
        forms.push(format!("{epoch}:{name}-{v}-{r}.{arch}"));
        forms.push(format!("{name}-{epoch}:{v}-{r}.{arch}"));
        forms.push(format!("{name}-{epoch}:{v}-{r}"));
    } else {
        forms.push(format!("{name}-{v}.{arch}"));
    }
    forms
}

/// Shell-style matching where `*` matches any run of characters (including none) and
/// every other character matches itself.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    // The position of the last `*` seen and the text position it is currently matched to.
    let mut backtrack: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            backtrack = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((star, matched)) = backtrack {
            pi = star + 1;
            ti = matched + 1;
            backtrack = Some((star, matched + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::package::{Advisory, AdvisoryKind, DnfDetails, PackageDetails};

    fn rpm(name: &str, arch: &str) -> PackageInfo {
        PackageInfo {
            name: name.into(),
            arch: arch.into(),
            installed_version: None,
            candidate_version: None,
            product: None,
            details: PackageDetails::Dnf(DnfDetails {
                advisory: Some(Advisory {
                    id: "RHSA-2024:1234".into(),
                    kind: AdvisoryKind::Security,
                    severity: Some("Important".into()),
                    cve_ids: vec!["CVE-2024-12345".into()],
                    bugzilla_ids: vec!["2251234".into()],
                    issued: None,
                    updated: None,
                }),
                repository: None,
                build_date: None,
            }),
        }
    }

    #[test]
    fn glob() {
        let cases = [
            ("*", "", true),
            ("*", "anything", true),
            ("abc", "abc", true),
            ("abc", "abcd", false),
            ("ab*", "abcd", true),
            ("*cd", "abcd", true),
            ("a*d", "abcd", true),
            ("a*d", "abc", false),
            ("a*b*c", "aXbYbZc", true),
            ("a*b*c", "aXbYbZ", false),
            (
                "example-pkg-*.abcd.x86_64",
                "example-pkg-0.710.10-2.7.abcd.x86_64",
                true,
            ),
            (
                "example-pkg-*.abcd.x86_64",
                "example-pkg-0.710.10-2.7.abcd.noarch",
                false,
            ),
            ("", "", true),
            ("", "a", false),
        ];
        for (pattern, text, expected) in cases {
            assert_eq!(glob_match(pattern, text), expected, "{pattern} vs {text}");
        }
    }

    #[test]
    fn dnf_entries_are_classified_as_aws_documents() {
        use PatchListEntry::*;
        let cases = [
            ("1234567", BugzillaId("1234567")),
            ("CVE-2018-1234567", CveId("CVE-2018-1234567")),
            ("RHSA-2017:0864", AdvisoryId("RHSA-2017:0864")),
            ("ALAS-2018-123", AdvisoryId("ALAS-2018-123")),
            ("ALAS2023-2023-123", AdvisoryId("ALAS2023-2023-123")),
            (
                "example-pkg-0.710.10-2.7.abcd.x86_64",
                Package("example-pkg-0.710.10-2.7.abcd.x86_64"),
            ),
            ("kernel", Package("kernel")),
            ("CVE-18-1", Package("CVE-18-1")),
        ];
        for (entry, expected) in cases {
            assert_eq!(
                PatchListEntry::parse(entry, OsFamily::Dnf),
                expected,
                "{entry}"
            );
        }
        assert_eq!(
            PatchListEntry::parse("1234567", OsFamily::Apt),
            Package("1234567")
        );
    }

    #[test]
    fn dnf_specs_match_nevra_forms() {
        let pkg = rpm("openssl-libs", "x86_64");
        let version = Some("1:3.0.7-25.el9_3");
        let cases = [
            ("openssl-libs", true),
            ("openssl-libs.x86_64", true),
            ("openssl-libs.noarch", false),
            ("openssl-libs-3.0.7", true),
            ("openssl-libs-3.0.7-25.el9_3", true),
            ("openssl-libs-3.0.7-25.el9_3.x86_64", true),
            ("1:openssl-libs-3.0.7-25.el9_3.x86_64", true),
            ("openssl-libs-1:3.0.7-25.el9_3.x86_64", true),
            ("openssl-libs-3.0.8-1.el9.x86_64", false),
            ("openssl-libs-*.el9_3.x86_64", true),
            ("openssl-*", true),
            ("openssl", false),
            ("RHSA-2024:1234", true),
            ("RHSA-2024:9999", false),
            ("CVE-2024-12345", true),
            ("2251234", true),
            ("2251235", false),
        ];
        for (entry, expected) in cases {
            let parsed = PatchListEntry::parse(entry, OsFamily::Dnf);
            assert_eq!(
                parsed.matches(&pkg, version, OsFamily::Dnf),
                expected,
                "{entry}"
            );
        }
    }

    #[test]
    fn epochless_versions_render_epoch_zero() {
        let pkg = rpm("bash", "x86_64");
        let entry = PatchListEntry::parse("0:bash-5.1.8-6.el9.x86_64", OsFamily::Dnf);
        assert!(entry.matches(&pkg, Some("5.1.8-6.el9"), OsFamily::Dnf));
        assert_eq!(
            Evr::parse("5.1.8-6.el9"),
            Evr {
                epoch: None,
                version: "5.1.8",
                release: Some("6.el9")
            }
        );
    }

    #[test]
    fn apt_entries_match_names_only() {
        let mut pkg = rpm("openssl", "amd64");
        pkg.details = PackageDetails::Apt(Default::default());
        let cases = [
            ("openssl", true),
            ("openssl-*", false),
            ("openss*", true),
            ("openssl=3.0.2-0ubuntu1.15", false),
            ("OpenSSL", false),
        ];
        for (entry, expected) in cases {
            let parsed = PatchListEntry::parse(entry, OsFamily::Apt);
            assert_eq!(
                parsed.matches(&pkg, Some("3.0.2-0ubuntu1.15"), OsFamily::Apt),
                expected,
                "{entry}"
            );
        }
    }
}
