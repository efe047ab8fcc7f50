//! The RHEL family (RHEL, Rocky, Alma, Oracle, CentOS Stream) and Amazon Linux 2023: the
//! node's packages from rpm and dnf 4, and the install command line.
//!
//! What a scan runs, in this order (every command with `LC_ALL=C`; `-C` when
//! [`ScanOptions::cache_only`]; `--releasever=…` when [`ScanOptions::releasever`]). The
//! formats are dnf 4's (`dnf/cli/commands/repoquery.py` and `updateinfo.py`, dnf 4.14 as
//! RHEL 9 and AL2023 ship it); dnf 5 (Fedora 41+) prints differently and is not
//! supported.
//! 1. `dnf -q repoquery --upgrades --latest-limit 1 --qf
//!    '%{name}<TAB>%{arch}<TAB>%{epoch}:%{version}-%{release}<TAB>%{buildtime}<TAB>%{repoid}'`:
//!    the newest upgrade per installed `name.arch` ([`parse_repoquery_line`]). dnf 4
//!    prints `buildtime` as `YYYY-MM-DD HH:MM` (UTC); seconds since the epoch are accepted
//!    too. The tabs are real tab characters in the argument (no shell).
//! 2. `dnf -q updateinfo list --updates`: `ID LABEL NEVRA` per notice and package
//!    ([`parse_updateinfo_list_line`]), `LABEL` being the type (`bugfix`, `enhancement`,
//!    `newpackage`) or, for security notices, `<Severity>/Sec.` (`Unknown/Sec.` for a
//!    severity dnf has no label for — Amazon Linux's `Medium` among them).
//! 3. `dnf -q updateinfo info --updates`: the same notices in full
//!    ([`UpdateinfoInfoParser`]): `Update ID`, `Type`, `Updated`, `Bugs`, `CVEs`,
//!    `Severity`, labels right-aligned before `: `, continuation lines with an empty
//!    label, notices separated by `=` rules around their title. Descriptions are skipped
//!    line by line, never stored.
//! 4. `dnf -q updateinfo list --installed`: the notices whose package version is
//!    installed or older than the installed one, so an up-to-date package is judged by
//!    the notices that brought it. Per installed `name.arch` only the newest notice of
//!    each type and severity is kept (so an older installed version of an installonly
//!    package may be left without one).
//! 5. `rpm -qa --qf '%{NAME}\t%{ARCH}\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\t%{BUILDTIME}\t%{INSTALLTIME}\n'`:
//!    every installed package ([`parse_rpm_line`]), streamed; `gpg-pubkey` pseudo-packages
//!    (architecture `(none)`) are skipped.
//!
//! The join is [`DnfScan`], pure and fed line by line. Memory: the upgrades and their
//! notices (steps 1–3) and a few short records per installed `name.arch` with notices
//! (step 4) are kept; rpm's list is not. Installed packages with an upgrade wait until
//! rpm's list ends, because installonly packages (kernels) are installed in several
//! versions: the upgrade goes to the newest installed version (rpm's version comparison,
//! [`rpmvercmp`]), the older ones are reported as installed without one. (Every installed
//! version is an item of its own, as rpm lists it.)
//!
//! Versions are `[epoch:]version-release` with a zero epoch dropped, as dnf writes
//! them, so installed and candidate versions compare as strings.
//!
//! **Several notices per package.** Patch Manager judges notices; [`PackageInfo`]
//! carries one. The most relevant one goes into the package — security before bugfix
//! before enhancement before newpackage, then `Critical` > `Important` >
//! `Moderate`/`Medium` > `Low` > none, then the newest package version — and the others
//! into [`ScannedPackage::alternatives`], so the report can judge the package by the
//! notice the baseline favours ([`ScannedPackage::judged`]): an openssl update that is
//! both a `Moderate` security fix and a bugfix is approved by a baseline that takes
//! bugfixes but only `Important` security fixes. Installed packages' notices come from
//! the `list` output only: no CVE ids or dates (the release date then falls back to the
//! installed build time), and `Unknown/Sec.` carries no severity.
//!
//! A notice of type `unknown` is ignored (`AdvisoryKind` has no such kind).

use std::cmp::Ordering;
use std::collections::HashMap;

use bosun_patch::dates::parse_ymd;
use bosun_patch::names::{Evr, PatchListEntry};
use bosun_patch::{
    Advisory, AdvisoryKind, DnfDetails, OsFamily, PackageDetails, PackageInfo, PatchBaseline,
    RejectedPatchesAction,
};
use time::{Date, OffsetDateTime};

use super::{
    stream_lines, stream_lines_ok, CommandLine, InstallTarget, Node, PatchError, RebootStatus,
    ScanOptions, ScanSummary, ScannedPackage, UnrecognisedLine,
};

/// What a line of a dnf or rpm listing is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line<T> {
    Item(T),
    /// Expected, but not a package or notice (blank lines, `gpg-pubkey`, `unknown` notices).
    Ignored,
    Unrecognised,
}

/// One installed rpm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledRpm {
    pub name: String,
    pub arch: String,
    /// `[epoch:]version-release`, a zero epoch dropped.
    pub evr: String,
    pub build_time: Option<OffsetDateTime>,
    pub install_time: Option<OffsetDateTime>,
}

/// The `rpm -qa` query format a scan uses (real tabs and newline).
pub const RPM_QUERY_FORMAT: &str =
    "%{NAME}\t%{ARCH}\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\t%{BUILDTIME}\t%{INSTALLTIME}\n";

/// The `dnf repoquery` query format a scan uses (dnf adds the newline).
pub const REPOQUERY_FORMAT: &str =
    "%{name}\t%{arch}\t%{epoch}:%{version}-%{release}\t%{buildtime}\t%{repoid}";

/// Parses a line of `rpm -qa --qf` [`RPM_QUERY_FORMAT`].
pub fn parse_rpm_line(line: &str) -> Line<InstalledRpm> {
    if line.trim().is_empty() {
        return Line::Ignored;
    }
    let fields: Vec<&str> = line.split('\t').collect();
    let [name, arch, evr, build, install] = fields[..] else {
        return Line::Unrecognised;
    };
    if arch == "(none)" {
        return Line::Ignored;
    }
    if name.is_empty() || arch.is_empty() || !evr.contains('-') {
        return Line::Unrecognised;
    }
    Line::Item(InstalledRpm {
        name: name.to_owned(),
        arch: arch.to_owned(),
        evr: normalise_evr(evr),
        build_time: unix_time(build),
        install_time: unix_time(install),
    })
}

/// One available upgrade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upgrade {
    pub name: String,
    pub arch: String,
    pub evr: String,
    pub build_date: Option<Date>,
    pub repository: Option<String>,
}

/// Parses a line of `dnf repoquery --qf` [`REPOQUERY_FORMAT`].
pub fn parse_repoquery_line(line: &str) -> Line<Upgrade> {
    if line.trim().is_empty() {
        return Line::Ignored;
    }
    let fields: Vec<&str> = line.split('\t').collect();
    let [name, arch, evr, build, repo] = fields[..] else {
        return Line::Unrecognised;
    };
    if name.is_empty() || arch.is_empty() || !evr.contains('-') {
        return Line::Unrecognised;
    }
    let build_date = match build.trim() {
        "" => None,
        digits if digits.bytes().all(|b| b.is_ascii_digit()) => {
            unix_time(digits).map(OffsetDateTime::date)
        }
        text => text.get(..10).and_then(parse_ymd),
    };
    Line::Item(Upgrade {
        name: name.to_owned(),
        arch: arch.to_owned(),
        evr: normalise_evr(evr),
        build_date,
        repository: Some(repo.trim())
            .filter(|r| !r.is_empty() && *r != "(none)")
            .map(str::to_owned),
    })
}

/// One line of `dnf updateinfo list`: a notice naming one package version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeRef {
    pub id: String,
    pub kind: AdvisoryKind,
    /// From a `<Severity>/Sec.` label; `None` for other types and `Unknown/Sec.`.
    pub severity: Option<String>,
    pub name: String,
    pub arch: String,
    pub evr: String,
}

impl NoticeRef {
    fn advisory(&self) -> Advisory {
        Advisory {
            id: self.id.clone(),
            kind: self.kind,
            severity: self.severity.clone(),
            cve_ids: Vec::new(),
            bugzilla_ids: Vec::new(),
            issued: None,
            updated: None,
        }
    }
}

/// Parses a line of `dnf updateinfo list` (without `--all`, so no `i ` mark).
pub fn parse_updateinfo_list_line(line: &str) -> Line<NoticeRef> {
    let mut words = line.split_whitespace();
    let (Some(id), Some(label), Some(nevra), None) =
        (words.next(), words.next(), words.next(), words.next())
    else {
        return if line.trim().is_empty() {
            Line::Ignored
        } else {
            Line::Unrecognised
        };
    };
    let (kind, severity) = match label.strip_suffix("/Sec.") {
        Some("Unknown") => (AdvisoryKind::Security, None),
        Some(severity) => (AdvisoryKind::Security, Some(severity.to_owned())),
        None => match advisory_kind(label) {
            Some(kind) => (kind, None),
            None if label == "unknown" => return Line::Ignored,
            None => return Line::Unrecognised,
        },
    };
    let Some((name, evr, arch)) = parse_nevra(nevra) else {
        return Line::Unrecognised;
    };
    Line::Item(NoticeRef {
        id: id.to_owned(),
        kind,
        severity,
        name: name.to_owned(),
        arch: arch.to_owned(),
        evr: normalise_evr(evr),
    })
}

/// `name-[epoch:]version-release.arch` → (name, evr, arch).
fn parse_nevra(nevra: &str) -> Option<(&str, &str, &str)> {
    let (nevr, arch) = nevra.rsplit_once('.')?;
    let (nev, _release) = nevr.rsplit_once('-')?;
    let (name, _version) = nev.rsplit_once('-')?;
    let evr = &nevr[name.len() + 1..];
    (!name.is_empty() && !arch.is_empty()).then_some((name, evr, arch))
}

fn advisory_kind(word: &str) -> Option<AdvisoryKind> {
    match word.to_ascii_lowercase().as_str() {
        "security" => Some(AdvisoryKind::Security),
        "bugfix" => Some(AdvisoryKind::Bugfix),
        "enhancement" => Some(AdvisoryKind::Enhancement),
        "newpackage" => Some(AdvisoryKind::Newpackage),
        "recommended" => Some(AdvisoryKind::Recommended),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InfoState {
    /// Before the first rule.
    Start,
    /// Between the rules around a title.
    Title,
    Fields,
}

/// Parses `dnf updateinfo info` one line at a time; [`line`](Self::line) returns a
/// notice when the next one starts, [`finish`](Self::finish) the last one.
#[derive(Debug)]
pub struct UpdateinfoInfoParser {
    state: InfoState,
    /// The field continuation lines belong to.
    field: String,
    id: Option<String>,
    kind: Option<String>,
    updated: Option<Date>,
    issued: Option<Date>,
    severity: Option<String>,
    cve_ids: Vec<String>,
    bugzilla_ids: Vec<String>,
}

impl Default for UpdateinfoInfoParser {
    fn default() -> Self {
        UpdateinfoInfoParser {
            state: InfoState::Start,
            field: String::new(),
            id: None,
            kind: None,
            updated: None,
            issued: None,
            severity: None,
            cve_ids: Vec::new(),
            bugzilla_ids: Vec::new(),
        }
    }
}

impl UpdateinfoInfoParser {
    /// Feeds one line. `Err` for a line not understood.
    pub fn line(&mut self, line: &str) -> Result<Option<Advisory>, UnrecognisedLine> {
        if line.starts_with("=====") && line.trim_end().bytes().all(|b| b == b'=') {
            return Ok(match self.state {
                InfoState::Start | InfoState::Fields => {
                    let done = self.finish();
                    self.state = InfoState::Title;
                    done
                }
                InfoState::Title => {
                    self.state = InfoState::Fields;
                    None
                }
            });
        }
        match self.state {
            InfoState::Start if line.trim().is_empty() => Ok(None),
            InfoState::Start => Err(UnrecognisedLine),
            InfoState::Title => Ok(None),
            InfoState::Fields => {
                self.field_line(line);
                Ok(None)
            }
        }
    }

    fn field_line(&mut self, line: &str) {
        let (label, value) = match line.split_once(": ") {
            Some((label, value)) => (label.trim(), value.trim()),
            // `           :` — an empty continuation line whose trailing space was lost.
            None => match line.trim_end().strip_suffix(':') {
                Some(label) => (label.trim(), ""),
                // Blank lines between notices.
                None => return,
            },
        };
        if !label.is_empty() {
            self.field = label.to_owned();
        }
        if value.is_empty() {
            return;
        }
        let date = |v: &str| v.get(..10).and_then(parse_ymd);
        match self.field.as_str() {
            "Update ID" => self.id = Some(value.to_owned()),
            "Type" => self.kind = Some(value.to_owned()),
            "Updated" => self.updated = date(value),
            "Issued" => self.issued = date(value),
            "Severity" => self.severity = Some(value.to_owned()),
            "CVEs" => self.cve_ids.push(value.to_owned()),
            "Bugs" => {
                let id = value.split_once(" - ").map_or(value, |(id, _)| id);
                self.bugzilla_ids.push(id.trim().to_owned());
            }
            // Description, Rights, Files, Installed, and labels of later dnf versions.
            _ => {}
        }
    }

    /// The notice being read, if complete (it has an id and a known type).
    pub fn finish(&mut self) -> Option<Advisory> {
        let state = self.state;
        let taken = std::mem::take(self);
        self.state = state;
        let kind = advisory_kind(taken.kind.as_deref()?)?;
        Some(Advisory {
            id: taken.id?,
            kind,
            severity: taken.severity,
            cve_ids: taken.cve_ids,
            bugzilla_ids: taken.bugzilla_ids,
            issued: taken.issued,
            updated: taken.updated,
        })
    }
}

/// How strongly a notice should decide a package's judgement (see the module doc).
fn notice_rank(notice: &NoticeRef) -> (u8, u8) {
    let kind = match notice.kind {
        AdvisoryKind::Security => 5,
        AdvisoryKind::Bugfix => 4,
        AdvisoryKind::Enhancement => 3,
        AdvisoryKind::Newpackage => 2,
        AdvisoryKind::Recommended => 1,
    };
    let severity = match notice
        .severity
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("critical") => 4,
        Some("important") => 3,
        Some("moderate" | "medium") => 2,
        Some("low") => 1,
        _ => 0,
    };
    (kind, severity)
}

/// Most relevant first: rank, then the newest package version.
fn by_relevance(a: &NoticeRef, b: &NoticeRef) -> Ordering {
    notice_rank(b)
        .cmp(&notice_rank(a))
        .then_with(|| evr_cmp(&b.evr, &a.evr))
}

type Key = (String, String);

/// The join of a scan's listings, fed one line at a time in the order of
/// [`scan_commands`]: upgrades, their notices (list, then info), the installed
/// packages' notices, then rpm's list. Installed packages without an upgrade come out
/// of [`rpm_line`](Self::rpm_line) as they are read; the others out of
/// [`finish`](Self::finish).
#[derive(Debug, Default)]
pub struct DnfScan {
    product: String,
    upgrades: HashMap<Key, Upgrade>,
    /// Every notice naming an upgrade.
    update_notices: HashMap<Key, Vec<NoticeRef>>,
    /// The update notices in full, by id.
    advisories: HashMap<String, Advisory>,
    info: UpdateinfoInfoParser,
    /// Per installed package, the newest notice of each type and severity: enough for
    /// any baseline's filters, and at most a few per package however long its history.
    installed_notices: HashMap<Key, Vec<NoticeRef>>,
    /// Installed versions of packages with an upgrade, until rpm's list ends.
    waiting: HashMap<Key, Vec<InstalledRpm>>,
    /// Lines no parser recognised.
    pub skipped_lines: usize,
}

impl DnfScan {
    pub fn new(product: &str) -> Self {
        DnfScan {
            product: product.to_owned(),
            ..DnfScan::default()
        }
    }

    fn skip<T>(&mut self, line: &Line<T>) {
        if matches!(line, Line::Unrecognised) {
            self.skipped_lines += 1;
        }
    }

    /// A line of `dnf repoquery --upgrades`.
    pub fn repoquery_line(&mut self, line: &str) {
        match parse_repoquery_line(line) {
            Line::Item(u) => {
                self.upgrades.insert((u.name.clone(), u.arch.clone()), u);
            }
            other => self.skip(&other),
        }
    }

    /// A line of `dnf updateinfo list --updates`.
    pub fn updates_list_line(&mut self, line: &str) {
        match parse_updateinfo_list_line(line) {
            Line::Item(n) => self
                .update_notices
                .entry((n.name.clone(), n.arch.clone()))
                .or_default()
                .push(n),
            other => self.skip(&other),
        }
    }

    /// A line of `dnf updateinfo info --updates`.
    pub fn updates_info_line(&mut self, line: &str) {
        match self.info.line(line) {
            Ok(Some(a)) => {
                self.advisories.insert(a.id.clone(), a);
            }
            Ok(None) => {}
            Err(UnrecognisedLine) => self.skipped_lines += 1,
        }
    }

    /// A line of `dnf updateinfo list --installed`.
    pub fn installed_list_line(&mut self, line: &str) {
        if let Some(a) = self.info.finish() {
            self.advisories.insert(a.id.clone(), a);
        }
        match parse_updateinfo_list_line(line) {
            Line::Item(n) => {
                let notices = self
                    .installed_notices
                    .entry((n.name.clone(), n.arch.clone()))
                    .or_default();
                match notices
                    .iter_mut()
                    .find(|o| o.kind == n.kind && o.severity == n.severity)
                {
                    Some(same) if evr_cmp(&n.evr, &same.evr) == Ordering::Greater => *same = n,
                    Some(_) => {}
                    None => notices.push(n),
                }
            }
            other => self.skip(&other),
        }
    }

    /// A line of `rpm -qa`: the package when it has no upgrade.
    pub fn rpm_line(&mut self, line: &str) -> Option<ScannedPackage> {
        if let Some(a) = self.info.finish() {
            self.advisories.insert(a.id.clone(), a);
        }
        match parse_rpm_line(line) {
            Line::Item(installed) => {
                let key = (installed.name.clone(), installed.arch.clone());
                if self.upgrades.contains_key(&key) {
                    self.waiting.entry(key).or_default().push(installed);
                    None
                } else {
                    Some(self.current(installed))
                }
            }
            other => {
                self.skip(&other);
                None
            }
        }
    }

    /// The packages with an upgrade (and older installed versions of them).
    pub fn finish(mut self) -> Vec<ScannedPackage> {
        let mut out = Vec::with_capacity(self.upgrades.len());
        let mut upgrades: Vec<(Key, Upgrade)> =
            std::mem::take(&mut self.upgrades).into_iter().collect();
        // Deterministic order for the caller.
        upgrades.sort_by(|a, b| a.0.cmp(&b.0));
        for (key, upgrade) in upgrades {
            let mut versions = self.waiting.remove(&key).unwrap_or_default();
            versions.sort_by(|a, b| evr_cmp(&a.evr, &b.evr));
            let newest = versions.pop();
            for older in versions {
                out.push(self.current(older));
            }
            let mut notices = self.update_notices.remove(&key).unwrap_or_default();
            notices.sort_by(by_relevance);
            notices.dedup_by(|a, b| a.id == b.id);
            let mut advisories = notices.iter().map(|n| {
                self.advisories
                    .get(&n.id)
                    .cloned()
                    .unwrap_or_else(|| n.advisory())
            });
            let advisory = advisories.next();
            let alternatives = advisories.collect();
            out.push(ScannedPackage {
                info: PackageInfo {
                    name: upgrade.name,
                    arch: upgrade.arch,
                    installed_version: newest.as_ref().map(|n| n.evr.clone()),
                    candidate_version: Some(upgrade.evr),
                    product: Some(self.product.clone()),
                    details: PackageDetails::Dnf(DnfDetails {
                        advisory,
                        repository: upgrade.repository,
                        build_date: upgrade.build_date,
                    }),
                },
                installed_time: newest.and_then(|n| n.install_time),
                alternatives,
            });
        }
        out
    }

    /// An installed package without an upgrade, judged by the notices that brought its
    /// version or an older one.
    fn current(&self, installed: InstalledRpm) -> ScannedPackage {
        let mut notices: Vec<&NoticeRef> = self
            .installed_notices
            .get(&(installed.name.clone(), installed.arch.clone()))
            .map(|all| {
                all.iter()
                    .filter(|n| evr_cmp(&n.evr, &installed.evr) != Ordering::Greater)
                    .collect()
            })
            .unwrap_or_default();
        notices.sort_by(|a, b| by_relevance(a, b));
        let mut advisories = notices.into_iter().map(NoticeRef::advisory);
        let advisory = advisories.next();
        ScannedPackage {
            info: PackageInfo {
                name: installed.name,
                arch: installed.arch,
                installed_version: Some(installed.evr),
                candidate_version: None,
                product: Some(self.product.clone()),
                details: PackageDetails::Dnf(DnfDetails {
                    advisory,
                    repository: None,
                    build_date: installed.build_time.map(OffsetDateTime::date),
                }),
            },
            installed_time: installed.install_time,
            alternatives: advisories.collect(),
        }
    }
}

/// `0:1.2-3` → `1.2-3`; `(none):1.2-3` → `1.2-3`; other epochs kept.
fn normalise_evr(evr: &str) -> String {
    let evr = evr.trim();
    evr.strip_prefix("0:")
        .or_else(|| evr.strip_prefix("(none):"))
        .unwrap_or(evr)
        .to_owned()
}

fn unix_time(text: &str) -> Option<OffsetDateTime> {
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|s| *s > 0)
        .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
}

/// rpm's version comparison (`rpmvercmp`): alternating runs of digits and letters
/// compared numerically or lexically, other characters only separate, `~` sorts before
/// anything (even the end), `^` after the end but before anything else.
pub fn rpmvercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    let separator = |c: u8| !c.is_ascii_alphanumeric() && c != b'~' && c != b'^';
    loop {
        while i < a.len() && separator(a[i]) {
            i += 1;
        }
        while j < b.len() && separator(b[j]) {
            j += 1;
        }
        let (ca, cb) = (a.get(i).copied(), b.get(j).copied());
        if ca == Some(b'~') || cb == Some(b'~') {
            if ca != Some(b'~') {
                return Ordering::Greater;
            }
            if cb != Some(b'~') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        if ca == Some(b'^') || cb == Some(b'^') {
            return match (ca, cb) {
                (None, _) => Ordering::Less,
                (_, None) => Ordering::Greater,
                (Some(b'^'), Some(b'^')) => {
                    i += 1;
                    j += 1;
                    continue;
                }
                (Some(b'^'), _) => Ordering::Less,
                _ => Ordering::Greater,
            };
        }
        let (Some(ca), Some(_)) = (ca, cb) else {
            break;
        };
        let numeric = ca.is_ascii_digit();
        let run = |s: &[u8], start: usize| {
            let mut end = start;
            while end < s.len()
                && if numeric {
                    s[end].is_ascii_digit()
                } else {
                    s[end].is_ascii_alphabetic()
                }
            {
                end += 1;
            }
            end
        };
        let (ea, eb) = (run(a, i), run(b, j));
        let (sa, sb) = (&a[i..ea], &b[j..eb]);
        if sb.is_empty() {
            // Different kinds of segment: a number is newer than letters.
            return if numeric {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        let ord = if numeric {
            let trim = |s: &[u8]| {
                let zeros = s.iter().take_while(|c| **c == b'0').count();
                s[zeros..].to_vec()
            };
            let (ta, tb) = (trim(sa), trim(sb));
            ta.len().cmp(&tb.len()).then_with(|| ta.cmp(&tb))
        } else {
            sa.cmp(sb)
        };
        if ord != Ordering::Equal {
            return ord;
        }
        i = ea;
        j = eb;
    }
    match (i < a.len(), j < b.len()) {
        (false, false) => Ordering::Equal,
        (true, _) => Ordering::Greater,
        (false, true) => Ordering::Less,
    }
}

/// Compares `[epoch:]version-release` strings as rpm does (missing epoch = 0).
pub fn evr_cmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (Evr::parse(a), Evr::parse(b));
    let epoch = |e: Option<&str>| e.and_then(|e| e.parse::<u64>().ok()).unwrap_or(0);
    epoch(a.epoch)
        .cmp(&epoch(b.epoch))
        .then_with(|| rpmvercmp(a.version, b.version))
        .then_with(|| rpmvercmp(a.release.unwrap_or(""), b.release.unwrap_or("")))
}

/// `dnf -q [-C] [--releasever=…] <args>`.
fn dnf(options: &ScanOptions, args: &[&str]) -> CommandLine {
    let mut all = vec!["-q".to_owned()];
    if options.cache_only {
        all.push("-C".into());
    }
    if let Some(release) = &options.releasever {
        all.push(format!("--releasever={release}"));
    }
    all.extend(args.iter().map(|a| (*a).to_owned()));
    CommandLine::new("dnf", all)
}

/// The commands a scan runs, in order (see the module doc).
pub fn scan_commands(options: &ScanOptions) -> [CommandLine; 5] {
    [
        dnf(
            options,
            &[
                "repoquery",
                "--upgrades",
                "--latest-limit",
                "1",
                "--qf",
                REPOQUERY_FORMAT,
            ],
        ),
        dnf(options, &["updateinfo", "list", "--updates"]),
        dnf(options, &["updateinfo", "info", "--updates"]),
        dnf(options, &["updateinfo", "list", "--installed"]),
        CommandLine::new("rpm", ["-qa", "--qf", RPM_QUERY_FORMAT]),
    ]
}

/// Scans a dnf node (see the module doc for the steps).
pub(super) async fn scan(
    node: &Node,
    options: &ScanOptions,
    sink: &mut (dyn FnMut(ScannedPackage) + Send),
) -> Result<ScanSummary, PatchError> {
    let timeout = options.command_timeout;
    let [repoquery, list_updates, info_updates, list_installed, rpm] = scan_commands(options);
    let mut join = DnfScan::new(&node.os.product);
    stream_lines_ok(&repoquery, timeout, &mut |l| join.repoquery_line(l)).await?;
    stream_lines_ok(&list_updates, timeout, &mut |l| join.updates_list_line(l)).await?;
    stream_lines_ok(&info_updates, timeout, &mut |l| join.updates_info_line(l)).await?;
    stream_lines_ok(&list_installed, timeout, &mut |l| {
        join.installed_list_line(l)
    })
    .await?;
    let mut summary = ScanSummary::default();
    stream_lines_ok(&rpm, timeout, &mut |line| {
        if let Some(scanned) = join.rpm_line(line) {
            summary.count(&scanned);
            sink(scanned);
        }
    })
    .await?;
    summary.skipped_lines = join.skipped_lines;
    for scanned in join.finish() {
        summary.count(&scanned);
        sink(scanned);
    }
    Ok(summary)
}

/// `dnf needs-restarting -r` (dnf-plugins-core): exit status 1 and a `  * name` line per
/// package updated since boot that needs a reboot (kernel, glibc, systemd…), or exit
/// status 0. When the plugin is missing or fails, the status is unknown and reported as
/// no reboot pending (logged), rather than failing the scan.
pub(super) async fn reboot_status(options: &ScanOptions) -> Result<RebootStatus, PatchError> {
    let command = CommandLine::new("dnf", ["-q", "needs-restarting", "-r"]);
    let mut lines = Vec::new();
    let result = stream_lines(&command, options.command_timeout, &mut |line| {
        lines.push(line.to_owned())
    })
    .await;
    let parsed = match &result {
        Ok((status, _)) => parse_needs_restarting(status.code(), &lines),
        Err(_) => None,
    };
    Ok(parsed.unwrap_or_else(|| {
        match result {
            Ok((status, stderr)) => {
                tracing::warn!(%status, %stderr, "`{command}` failed; assuming no reboot is pending")
            }
            Err(e) => tracing::warn!(error = %e, "assuming no reboot is pending"),
        }
        RebootStatus::default()
    }))
}

/// Interprets `needs-restarting -r`: `None` when the answer is not one of its two.
pub fn parse_needs_restarting(code: Option<i32>, lines: &[String]) -> Option<RebootStatus> {
    let packages: Vec<String> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("  * "))
        .map(|p| p.trim().to_owned())
        .collect();
    match code {
        Some(0) => Some(RebootStatus::default()),
        Some(1) if !packages.is_empty() => Some(RebootStatus {
            pending: true,
            requested_by: packages,
            boot_time: None,
        }),
        _ => None,
    }
}

/// `name-[epoch:]version-release.arch`, the spec dnf takes for an exact version.
fn target_spec(t: &InstallTarget) -> String {
    format!("{}-{}.{}", t.name, t.version, t.arch)
}

/// Upgrades exactly `targets` to their versions. Under `BLOCK`, every package spec of
/// `RejectedPatches` becomes an `--exclude=`, so dnf never installs one, not even as a
/// dependency; with exclusions `--skip-broken` lets dnf skip an approved update that
/// needs a blocked package and install the rest, as Patch Manager's `BLOCK` documents
/// (its absence then shows as `MISSING` in the next scan). Under `ALLOW_AS_DEPENDENCY`
/// nothing is excluded: rejected packages are only never targets.
pub fn upgrade_command(
    targets: &[InstallTarget],
    baseline: &PatchBaseline,
    releasever: Option<&str>,
) -> CommandLine {
    let mut args = vec!["-y".to_owned()];
    if let Some(release) = releasever {
        args.push(format!("--releasever={release}"));
    }
    args.push("upgrade".into());
    if baseline.rejected_patches_action == RejectedPatchesAction::Block {
        let excludes: Vec<String> = baseline
            .rejected_patches
            .iter()
            .filter(|e| {
                matches!(
                    PatchListEntry::parse(e, OsFamily::Dnf),
                    PatchListEntry::Package(_)
                )
            })
            .map(|e| format!("--exclude={e}"))
            .collect();
        if !excludes.is_empty() {
            args.extend(excludes);
            args.push("--skip-broken".into());
        }
    }
    args.extend(targets.iter().map(target_spec));
    CommandLine::new("dnf", args)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use bosun_patch::OperatingSystem;
    use time::macros::{date, datetime};

    const RPM_QA: &str = include_str!("fixtures/rpm-qa-rhel9.txt");
    const REPOQUERY: &str = include_str!("fixtures/dnf-repoquery-upgrades-rhel9.txt");
    const LIST_UPDATES: &str = include_str!("fixtures/dnf-updateinfo-list-updates-rhel9.txt");
    const INFO_UPDATES: &str = include_str!("fixtures/dnf-updateinfo-info-updates-rhel9.txt");
    const INFO_AL2023: &str = include_str!("fixtures/dnf-updateinfo-info-updates-al2023.txt");
    const LIST_INSTALLED: &str = include_str!("fixtures/dnf-updateinfo-list-installed-rhel9.txt");
    const NEEDS_REBOOT: &str = include_str!("fixtures/dnf-needs-restarting-reboot.txt");
    const NO_REBOOT: &str = include_str!("fixtures/dnf-needs-restarting-none.txt");

    fn items<T>(text: &str, parse: impl Fn(&str) -> Line<T>) -> Vec<T> {
        text.lines()
            .filter_map(|l| match parse(l) {
                Line::Item(t) => Some(t),
                Line::Ignored => None,
                Line::Unrecognised => panic!("unrecognised {l:?}"),
            })
            .collect()
    }

    fn info(text: &str) -> Vec<Advisory> {
        let mut parser = UpdateinfoInfoParser::default();
        let mut out: Vec<Advisory> = text
            .lines()
            .filter_map(|l| parser.line(l).unwrap())
            .collect();
        out.extend(parser.finish());
        out
    }

    #[test]
    fn rpm_query_lines() {
        let all = items(RPM_QA, parse_rpm_line);
        assert_eq!(all.len(), 9, "gpg-pubkey is skipped");
        assert_eq!(
            all[1],
            InstalledRpm {
                name: "openssl".into(),
                arch: "x86_64".into(),
                evr: "1:3.0.7-24.el9".into(),
                build_time: Some(datetime!(2023-09-25 00:00 UTC)),
                install_time: Some(datetime!(2023-11-14 22:15 UTC)),
            }
        );
        assert_eq!(all[0].evr, "5.1.8-6.el9_1", "a zero epoch is dropped");
        assert_eq!(parse_rpm_line("bash\tx86_64\t0:5.1-1"), Line::Unrecognised);
        assert_eq!(parse_rpm_line(""), Line::Ignored);
        assert_eq!(RPM_QUERY_FORMAT.matches('\t').count(), 4, "five fields");
    }

    #[test]
    fn repoquery_lines() {
        let all = items(REPOQUERY, parse_repoquery_line);
        assert_eq!(all.len(), 6);
        assert_eq!(
            all[1],
            Upgrade {
                name: "openssl".into(),
                arch: "x86_64".into(),
                evr: "1:3.0.7-25.el9_3".into(),
                build_date: Some(date!(2024 - 01 - 09)),
                repository: Some("baseos".into()),
            }
        );
        // Seconds since the epoch (as dnf 5 prints buildtime) work too.
        assert_eq!(all[5].evr, "2:8.2.2637-20.el9_1");
        assert_eq!(all[5].build_date, Some(date!(2024 - 02 - 01)));
        assert_eq!(
            parse_repoquery_line("kernel\tx86_64\t0:1-1\t\t"),
            Line::Item(Upgrade {
                name: "kernel".into(),
                arch: "x86_64".into(),
                evr: "1-1".into(),
                build_date: None,
                repository: None,
            })
        );
        assert_eq!(parse_repoquery_line("kernel x86_64"), Line::Unrecognised);
    }

    #[test]
    fn updateinfo_list_lines() {
        let all = items(LIST_UPDATES, parse_updateinfo_list_line);
        assert_eq!(all.len(), 7, "the `unknown` notice is ignored");
        assert_eq!(
            all[0],
            NoticeRef {
                id: "RHSA-2024:0448".into(),
                kind: AdvisoryKind::Security,
                severity: Some("Important".into()),
                name: "kernel".into(),
                arch: "x86_64".into(),
                evr: "5.14.0-362.18.1.el9_3".into(),
            }
        );
        assert_eq!(all[1].evr, "1:3.0.7-25.el9_3");
        assert_eq!(all[2].kind, AdvisoryKind::Bugfix);
        assert_eq!(all[2].severity, None);
        assert_eq!(all[5].kind, AdvisoryKind::Enhancement);
        assert_eq!(all[5].name, "python3-setuptools");
        assert_eq!(all[5].arch, "noarch");
        let installed = items(LIST_INSTALLED, parse_updateinfo_list_line);
        let unknown = installed.last().unwrap();
        assert_eq!(
            (unknown.kind, unknown.severity.clone()),
            (AdvisoryKind::Security, None)
        );
        assert_eq!(
            parse_updateinfo_list_line("RHSA-1 weird pkg-1-1.x86_64"),
            Line::Unrecognised
        );
        assert_eq!(
            parse_updateinfo_list_line("RHSA-1 bugfix nonevra"),
            Line::Unrecognised
        );
        assert_eq!(parse_updateinfo_list_line("too few"), Line::Unrecognised);
    }

    #[test]
    fn nevra_parsing() {
        let cases = [
            (
                "kernel-5.14.0-362.18.1.el9_3.x86_64",
                Some(("kernel", "5.14.0-362.18.1.el9_3", "x86_64")),
            ),
            (
                "openssl-libs-1:3.0.7-25.el9_3.x86_64",
                Some(("openssl-libs", "1:3.0.7-25.el9_3", "x86_64")),
            ),
            (
                "python3-setuptools-53.0.0-12.el9_3.1.noarch",
                Some(("python3-setuptools", "53.0.0-12.el9_3.1", "noarch")),
            ),
            ("noversion.x86_64", None),
            ("a-1.x86_64", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_nevra(text), expected, "{text}");
        }
    }

    #[test]
    fn updateinfo_info_blocks() {
        let all = info(INFO_UPDATES);
        let ids: Vec<_> = all.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "RHSA-2024:0448",
                "RHSA-2023:7877",
                "RHBA-2024:0101",
                "RHEA-2024:0300",
                "RHBA-2024:0262"
            ]
        );
        assert_eq!(
            all[0],
            Advisory {
                id: "RHSA-2024:0448".into(),
                kind: AdvisoryKind::Security,
                severity: Some("Important".into()),
                cve_ids: vec![
                    "CVE-2023-45871".into(),
                    "CVE-2023-6931".into(),
                    "CVE-2023-6932".into()
                ],
                bugzilla_ids: vec!["2242943".into(), "2254054".into()],
                issued: None,
                updated: Some(date!(2024 - 01 - 25)),
            }
        );
        // A notice without a Severity line, and the last notice (ends at EOF).
        assert_eq!(all[3].severity, None);
        assert_eq!(all[3].kind, AdvisoryKind::Enhancement);
        assert_eq!(all[4].bugzilla_ids, ["2260063"]);
        assert_eq!(all[4].updated, Some(date!(2024 - 02 - 01)));
        let al = info(INFO_AL2023);
        assert_eq!(al.len(), 2);
        assert_eq!(al[0].severity.as_deref(), Some("Medium"));
        assert_eq!(al[0].cve_ids, ["CVE-2023-46218", "CVE-2023-46219"]);
        assert_eq!(al[1].severity.as_deref(), Some("Critical"));
        // Text before the first rule is not dnf's.
        assert!(UpdateinfoInfoParser::default().line("Error: oops").is_err());
    }

    #[test]
    fn rpm_version_comparison() {
        use Ordering::*;
        let cases = [
            ("1.0", "1.0", Equal),
            ("1.0", "2.0", Less),
            ("2.0.1", "2.0", Greater),
            ("1.10", "1.9", Greater),
            ("1.001", "1.1", Equal),
            ("1.0a", "1.0", Greater),
            ("1.0", "1.0a", Less),
            ("a", "1", Less),
            ("1", "a", Greater),
            ("1.0~rc1", "1.0", Less),
            ("1.0~rc1", "1.0~rc2", Less),
            ("1.0^git1", "1.0", Greater),
            ("1.0^git1", "1.0.1", Less),
            ("362.13.1.el9_3", "362.8.1.el9_3", Greater),
            ("1_0", "1.0", Equal),
        ];
        for (a, b, expected) in cases {
            assert_eq!(rpmvercmp(a, b), expected, "{a} vs {b}");
            assert_eq!(rpmvercmp(b, a), expected.reverse(), "{b} vs {a}");
        }
        assert_eq!(evr_cmp("1:1.0-1", "2.0-1"), Greater);
        assert_eq!(evr_cmp("0:2.0-1", "2.0-1"), Equal);
        assert_eq!(evr_cmp("2.0-2", "2.0-10"), Less);
    }

    /// [`DnfScan`] fed from the fixtures, as [`scan`] feeds it from the commands.
    fn scan_fixtures() -> (Vec<ScannedPackage>, usize) {
        let mut join = DnfScan::new("RedhatEnterpriseLinux9.3");
        REPOQUERY.lines().for_each(|l| join.repoquery_line(l));
        LIST_UPDATES.lines().for_each(|l| join.updates_list_line(l));
        INFO_UPDATES.lines().for_each(|l| join.updates_info_line(l));
        LIST_INSTALLED
            .lines()
            .for_each(|l| join.installed_list_line(l));
        let mut out: Vec<ScannedPackage> =
            RPM_QA.lines().filter_map(|l| join.rpm_line(l)).collect();
        let skipped = join.skipped_lines;
        out.extend(join.finish());
        (out, skipped)
    }

    #[test]
    fn fixtures_join_into_packages() {
        let (all, skipped) = scan_fixtures();
        assert_eq!(skipped, 0);
        // Nine installed rpms (gpg-pubkey is not one) and an upgrade nothing installed has.
        assert_eq!(all.len(), 10);
        let find = |name: &str, installed: &str| {
            all.iter()
                .find(|p| {
                    p.info.name == name && p.info.installed_version.as_deref() == Some(installed)
                })
                .unwrap()
                .clone()
        };
        // Two kernels installed: the newest gets the upgrade, the older is just installed.
        let kernel = find("kernel", "5.14.0-362.13.1.el9_3");
        assert_eq!(
            kernel.info.candidate_version.as_deref(),
            Some("5.14.0-362.18.1.el9_3")
        );
        assert_eq!(kernel.info.advisory().unwrap().id, "RHSA-2024:0448");
        assert_eq!(
            kernel.info.advisory().unwrap().cve_ids.len(),
            3,
            "in full from `info`"
        );
        assert_eq!(
            kernel.installed_time,
            Some(datetime!(2023-12-08 01:46:40 UTC))
        );
        let old_kernel = find("kernel", "5.14.0-362.8.1.el9_3");
        assert_eq!(old_kernel.info.candidate_version, None);
        // Only the newest Important security notice of kernel is kept, and it is newer
        // than this version: the older kernel is judged without a notice.
        assert_eq!(old_kernel.info.advisory(), None);
        // An up-to-date package judged by the notice that brought its version; its
        // release date falls back to the build date.
        let bash = find("bash", "5.1.8-6.el9_1");
        assert_eq!(bash.info.advisory().unwrap().id, "RHSA-2023:0402");
        assert_eq!(bash.info.release_date(), Some(date!(2022 - 11 - 03)));
        // glibc: the security notice first, the older bugfix as an alternative.
        let glibc = find("glibc", "2.34-83.el9_3.7");
        assert_eq!(glibc.info.advisory().unwrap().id, "RHSA-2023:7549");
        assert_eq!(glibc.alternatives.len(), 1);
        assert_eq!(glibc.alternatives[0].id, "RHBA-2023:6501");
        // Two notices for the openssl update: security first, bugfix as an alternative.
        let openssl = find("openssl", "1:3.0.7-24.el9");
        assert_eq!(openssl.info.advisory().unwrap().id, "RHSA-2023:7877");
        assert_eq!(openssl.alternatives.len(), 1);
        assert_eq!(openssl.alternatives[0].id, "RHBA-2024:0101");
        assert_eq!(openssl.alternatives[0].updated, Some(date!(2024 - 01 - 09)));
        // An upgrade whose package is not installed under that name and arch.
        let vim = all.iter().find(|p| p.info.name == "vim-minimal").unwrap();
        assert_eq!(vim.info.installed_version, None);
        // A package outside any notice.
        let tzdata_notice = find("tzdata", "2023c-1.el9");
        assert_eq!(tzdata_notice.info.advisory().unwrap().id, "RHBA-2024:0262");
    }

    #[test]
    fn fixtures_through_the_report_with_the_default_baseline() {
        let (all, _) = scan_fixtures();
        // Security Critical/Important and bugfixes, after 7 days.
        let baseline = bosun_patch::predefined::default_for(OperatingSystem::RedhatEnterpriseLinux)
            .unwrap()
            .baseline;
        let today = date!(2024 - 03 - 01);
        let mut builder = bosun_patch::ReportBuilder::new(&baseline, today, false);
        for p in all {
            builder.push(&p.judged(&baseline, today));
        }
        let report = builder.finish();
        let item = |kb: &str, version: &str| {
            report
                .items
                .iter()
                .find(|i| i.kb_id == kb && i.installed_version.as_deref() == Some(version))
                .unwrap()
        };
        use bosun_patch::PatchState::*;
        assert_eq!(
            item("kernel.x86_64", "5.14.0-362.13.1.el9_3").state,
            Missing
        );
        assert_eq!(
            item("kernel.x86_64", "5.14.0-362.8.1.el9_3").state,
            InstalledOther
        );
        assert_eq!(item("glibc.x86_64", "2.34-83.el9_3.7").state, Installed);
        assert_eq!(item("glibc.i686", "2.34-83.el9_3.7").state, Installed);
        // Moderate security is not approved, but the update's bugfix notice is.
        let openssl = item("openssl.x86_64", "1:3.0.7-24.el9");
        assert_eq!(openssl.state, Missing);
        assert_eq!(openssl.classification, "Bugfix");
        assert_eq!(openssl.title, "openssl.x86_64:1:3.0.7-25.el9_3");
        assert_eq!(item("bash.x86_64", "5.1.8-6.el9_1").state, InstalledOther);
        assert_eq!(item("tzdata.noarch", "2023c-1.el9").state, Missing);
        // The enhancement notice is not approved.
        assert_eq!(
            item("python3-setuptools.noarch", "53.0.0-12.el9").state,
            InstalledOther
        );
        assert_eq!(report.counts.missing, 4);
        assert_eq!(report.counts.security_non_compliant, 1);
    }

    #[test]
    fn needs_restarting_answers() {
        let lines = |t: &str| t.lines().map(str::to_owned).collect::<Vec<_>>();
        let pending = parse_needs_restarting(Some(1), &lines(NEEDS_REBOOT)).unwrap();
        assert!(pending.pending);
        assert_eq!(pending.requested_by, ["glibc", "kernel"]);
        assert_eq!(
            parse_needs_restarting(Some(0), &lines(NO_REBOOT)),
            Some(RebootStatus::default())
        );
        // Exit 1 without the list is dnf failing (no plugin, broken repository).
        assert_eq!(
            parse_needs_restarting(Some(1), &lines("Error: No such command")),
            None
        );
        assert_eq!(parse_needs_restarting(None, &[]), None);
    }

    fn target(name: &str, arch: &str, version: &str) -> InstallTarget {
        InstallTarget {
            name: name.into(),
            arch: arch.into(),
            version: version.into(),
        }
    }

    #[test]
    fn upgrade_command_lines() {
        let targets = [
            target("openssl", "x86_64", "1:3.0.7-25.el9_3"),
            target("tzdata", "noarch", "2024a-1.el9"),
        ];
        let mut b = PatchBaseline::new("b", OperatingSystem::RedhatEnterpriseLinux);
        b.rejected_patches = vec![
            "telnet*".into(),
            "kernel-5.14.0-362.18.1.el9_3.x86_64".into(),
        ];
        let allow = upgrade_command(&targets, &b, None);
        assert_eq!(allow.program, "dnf");
        assert_eq!(
            allow.args,
            [
                "-y",
                "upgrade",
                "openssl-1:3.0.7-25.el9_3.x86_64",
                "tzdata-2024a-1.el9.noarch"
            ]
        );
        assert!(allow.env.contains(&("LC_ALL".into(), "C".into())));
        b.rejected_patches_action = RejectedPatchesAction::Block;
        let block = upgrade_command(&targets, &b, Some("latest"));
        assert_eq!(
            block.args,
            [
                "-y",
                "--releasever=latest",
                "upgrade",
                "--exclude=telnet*",
                "--exclude=kernel-5.14.0-362.18.1.el9_3.x86_64",
                "--skip-broken",
                "openssl-1:3.0.7-25.el9_3.x86_64",
                "tzdata-2024a-1.el9.noarch"
            ]
        );
    }

    #[test]
    fn scan_command_lines() {
        let options = ScanOptions {
            cache_only: true,
            releasever: Some("latest".into()),
            ..ScanOptions::default()
        };
        let [repoquery, list, info, installed, rpm] = scan_commands(&options);
        assert_eq!(
            repoquery.args,
            [
                "-q",
                "-C",
                "--releasever=latest",
                "repoquery",
                "--upgrades",
                "--latest-limit",
                "1",
                "--qf",
                "%{name}\t%{arch}\t%{epoch}:%{version}-%{release}\t%{buildtime}\t%{repoid}"
            ]
        );
        assert_eq!(list.args[3..], ["updateinfo", "list", "--updates"]);
        assert_eq!(info.args[3..], ["updateinfo", "info", "--updates"]);
        assert_eq!(installed.args[3..], ["updateinfo", "list", "--installed"]);
        assert_eq!(rpm.program, "rpm");
        assert_eq!(rpm.args[..2], ["-qa", "--qf"]);
        let plain = scan_commands(&ScanOptions::default());
        assert_eq!(plain[1].args, ["-q", "updateinfo", "list", "--updates"]);
    }
}
