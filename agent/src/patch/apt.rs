//! Debian and Ubuntu: the node's packages from dpkg and apt, and the install command
//! lines.
//!
//! What a scan reads, in this order (every command with `LC_ALL=C`):
//! 1. `dpkg --print-architecture`: the native architecture (apt writes `name` for it and
//!    `name:arch` for foreign ones).
//! 2. `apt-cache policy` (no arguments): the *package files* and the release each comes
//!    from — `o=` origin, `l=` label, `a=` archive (suite), `n=` codename, `v=` version
//!    ([`ReleaseTable`]). A few lines per configured repository.
//! 3. `apt-get -s -o Debug::NoLocking=1 -o APT::Get::Show-User-Simulation-Note=false
//!    dist-upgrade`: what an upgrade would install. Only its `Inst` lines are used
//!    ([`parse_simulation_line`]); they come from apt's `pkgSimulate::Describe` and
//!    `VerIterator::RelStr`:
//!    `Inst name[:arch] [installed] (candidate Label:Version/Archive[, …] [arch]) [broken…]`,
//!    the `[installed]` part absent for a new package, the release part a package file's
//!    `Label:Version/Archive` (label and version omitted when the release has none; the
//!    site for a repository without a Release file). The pending updates are kept in
//!    memory, keyed by name and architecture: they are the only list held.
//! 4. `/var/lib/dpkg/status`, paragraph by paragraph ([`DpkgStatusParser`]): every
//!    installed package with its `Section` and `Priority`. A package with a pending update
//!    is emitted at once with the simulation's candidate. The others are emitted in
//!    batches of [`POLICY_BATCH`] after one `apt-cache policy name:arch …` per batch
//!    ([`PolicyParser`]): it says which releases carry the *installed* version (an
//!    up-to-date package from the security pocket is an approved, `INSTALLED` patch) and
//!    shows a newer candidate the simulation did not take (held or kept back), which is
//!    reported as the package's candidate too: it is missing all the same.
//! 5. The packages the upgrade would newly install (dependencies), not installed.
//!
//! [`AptDetails`] describes the candidate when there is one, else the installed
//! version; among several releases carrying that version, a security pocket wins (so a
//! version in both `bookworm` and `bookworm-security` counts as a security update, as
//! Patch Manager counts it). `Section` and `Priority` are dpkg's, i.e. the installed
//! version's: apt's simulation does not print them, and a new dependency has none.
//!
//! A package is installed when its dpkg `Status` is anything but `not-installed` and
//! `config-files` (half-configured or trigger-pending packages are on disk). Its
//! installed time is the mtime of `/var/lib/dpkg/info/<name>[:arch].list`, which dpkg
//! rewrites whenever it unpacks the package.

use std::collections::HashMap;
use std::path::Path;

use bosun_patch::names::list_matches;
use bosun_patch::{
    AptDetails, OsFamily, PackageDetails, PackageInfo, PatchBaseline, RejectedPatchesAction,
};
use time::OffsetDateTime;
use tokio::io::BufReader;

use super::{
    failed, stream_lines, stream_lines_ok, CommandLine, InstallTarget, Lines, Node, PatchError,
    RebootStatus, ScanOptions, ScanSummary, ScannedPackage, UnrecognisedLine,
};

/// Up-to-date packages per `apt-cache policy` call. Each call spends most of its time
/// (~0.8 s) loading apt's cache, so batches are large: a typical server needs one or two
/// calls, the command line stays far below `ARG_MAX` (~40 KiB), and a batch's parsed
/// output is a few hundred KiB at most.
pub const POLICY_BATCH: usize = 1024;

/// Options every simulation passes: no lock (a running apt or unattended-upgrades is not
/// disturbed, nothing is changed), and no note that this is only a simulation.
const SIMULATION_OPTIONS: [&str; 5] = [
    "-s",
    "-o",
    "Debug::NoLocking=1",
    "-o",
    "APT::Get::Show-User-Simulation-Note=false",
];

/// One installed package from `/var/lib/dpkg/status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DpkgPackage {
    pub name: String,
    pub arch: String,
    pub version: String,
    pub section: Option<String>,
    pub priority: Option<String>,
}

/// Parses the dpkg status file one line at a time: [`line`](Self::line) returns a
/// package when the blank line ending its paragraph arrives, [`finish`](Self::finish)
/// the last one.
#[derive(Debug, Default)]
pub struct DpkgStatusParser {
    package: Option<String>,
    arch: Option<String>,
    version: Option<String>,
    status: Option<String>,
    section: Option<String>,
    priority: Option<String>,
}

impl DpkgStatusParser {
    pub fn line(&mut self, line: &str) -> Option<DpkgPackage> {
        if line.trim().is_empty() {
            return self.finish();
        }
        // Continuation lines (descriptions, conffiles) belong to fields not needed here.
        if line.starts_with([' ', '\t']) {
            return None;
        }
        let (key, value) = line.split_once(':')?;
        let value = Some(value.trim().to_owned());
        match key {
            "Package" => self.package = value,
            "Architecture" => self.arch = value,
            "Version" => self.version = value,
            "Status" => self.status = value,
            "Section" => self.section = value,
            "Priority" => self.priority = value,
            _ => {}
        }
        None
    }

    pub fn finish(&mut self) -> Option<DpkgPackage> {
        let paragraph = std::mem::take(self);
        let installed = paragraph
            .status
            .as_deref()
            .and_then(|s| s.split_whitespace().nth(2))
            .is_some_and(|s| s != "not-installed" && s != "config-files");
        if !installed {
            return None;
        }
        Some(DpkgPackage {
            name: paragraph.package?,
            arch: paragraph.arch?,
            version: paragraph.version?,
            section: paragraph.section,
            priority: paragraph.priority,
        })
    }
}

/// A package file's release, from `apt-cache policy`'s `release` line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Release {
    /// `o=`
    pub origin: Option<String>,
    /// `l=`
    pub label: Option<String>,
    /// `a=`, the suite: `stable-security`, `jammy-updates`.
    pub archive: Option<String>,
    /// `n=`
    pub codename: Option<String>,
    /// `v=`
    pub version: Option<String>,
}

impl Release {
    fn parse(fields: &str) -> Self {
        let mut release = Release::default();
        let mut last: Option<&mut Option<String>> = None;
        for part in fields.split(',') {
            match part.split_once('=') {
                Some((key, value)) => {
                    let slot = match key {
                        "o" => &mut release.origin,
                        "l" => &mut release.label,
                        "a" => &mut release.archive,
                        "n" => &mut release.codename,
                        "v" => &mut release.version,
                        _ => {
                            last = None;
                            continue;
                        }
                    };
                    *slot = Some(value.to_owned());
                    last = Some(slot);
                }
                // A value with a comma in it (some PPA labels): the rest of the value.
                None => {
                    if let Some(Some(value)) = last.as_deref_mut() {
                        value.push(',');
                        value.push_str(part);
                    }
                }
            }
        }
        release
    }

    fn matches(&self, r: &ReleaseRef) -> bool {
        self.label == r.label
            && self.version == r.version
            && self.archive.as_ref() == Some(&r.archive)
    }
}

/// The package files apt knows and their releases: `apt-cache policy` without arguments.
#[derive(Debug, Default)]
pub struct ReleaseTable {
    /// Package file description (`http://deb.debian.org/debian bookworm/main amd64
    /// Packages`) → its release. A handful of entries.
    files: Vec<(String, Release)>,
    in_files: bool,
    current: Option<String>,
}

impl ReleaseTable {
    /// Feeds one line of `apt-cache policy`'s output; `false` for a line not understood.
    pub fn line(&mut self, line: &str) -> bool {
        if line == "Package files:" {
            self.in_files = true;
            return true;
        }
        if line.ends_with(':') && !line.starts_with(' ') {
            // "Pinned packages:" and anything after the file list.
            self.in_files = false;
            return true;
        }
        if !self.in_files {
            return true;
        }
        let trimmed = line.trim_start();
        if let Some(fields) = trimmed.strip_prefix("release ") {
            if let Some(file) = self.current.take() {
                let release = Release::parse(fields);
                // dpkg's own status file (`a=now`) is not a repository.
                if release.archive.as_deref() != Some("now") {
                    self.files.push((file, release));
                }
            }
            return true;
        }
        if trimmed.starts_with("origin ") {
            return true;
        }
        match split_priority(trimmed) {
            Some(file) => {
                self.current = Some(file.to_owned());
                true
            }
            None => false,
        }
    }

    /// The release of a package file, by the description apt prints for it.
    pub fn by_file(&self, file: &str) -> Option<&Release> {
        self.files.iter().find(|(f, _)| f == file).map(|(_, r)| r)
    }

    /// The release a simulation's `Label:Version/Archive` names.
    pub fn by_ref(&self, r: &ReleaseRef) -> Option<&Release> {
        self.files
            .iter()
            .map(|(_, rel)| rel)
            .find(|rel| rel.matches(r))
    }

    /// A simulation's reference completed from the table (origin, codename); as written
    /// when the table does not know it.
    fn resolve(&self, r: &ReleaseRef) -> Release {
        self.by_ref(r).cloned().unwrap_or_else(|| Release {
            label: r.label.clone(),
            version: r.version.clone(),
            archive: Some(r.archive.clone()),
            ..Release::default()
        })
    }
}

/// `  500 http://…` → `http://…` (the pin priority may be negative or wide).
fn split_priority(text: &str) -> Option<&str> {
    let (priority, rest) = text.trim_start().split_once(' ')?;
    priority.parse::<i32>().ok()?;
    Some(rest.trim())
}

/// One `Label:Version/Archive` of a simulation line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReleaseRef {
    pub label: Option<String>,
    pub version: Option<String>,
    /// The archive (suite), or the site of a repository without a Release file.
    pub archive: String,
}

impl ReleaseRef {
    fn parse(text: &str) -> Self {
        let (label, rest) = match text.split_once(':') {
            Some((label, rest)) => (Some(label.to_owned()), rest),
            None => (None, text),
        };
        let (version, archive) = match rest.split_once('/') {
            Some((version, archive)) => (Some(version.to_owned()), archive),
            None => (None, rest),
        };
        ReleaseRef {
            label,
            version,
            archive: archive.to_owned(),
        }
    }
}

/// A package an `apt-get -s` run would install or upgrade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimulatedInstall {
    pub name: String,
    /// From the `[arch]` of the release part, else the `:arch` of the name; `None` when
    /// the line has neither (then the native architecture).
    pub arch: Option<String>,
    /// `None` for a package the run installs anew.
    pub installed_version: Option<String>,
    pub candidate_version: String,
    pub releases: Vec<ReleaseRef>,
}

/// What one line of `apt-get -s` output is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SimulationLine {
    Inst(SimulatedInstall),
    /// `Conf`, `Remv`, `Purg` and apt's messages.
    Other,
    /// An `Inst` line that does not have the expected shape.
    Unrecognised,
}

/// Parses one line of an `apt-get -s` run.
pub fn parse_simulation_line(line: &str) -> SimulationLine {
    match line.strip_prefix("Inst ") {
        Some(rest) => parse_inst(rest).map_or(SimulationLine::Unrecognised, SimulationLine::Inst),
        None => SimulationLine::Other,
    }
}

fn parse_inst(rest: &str) -> Option<SimulatedInstall> {
    let (full_name, mut rest) = rest.split_once(' ')?;
    let (name, name_arch) = match full_name.split_once(':') {
        Some((name, arch)) => (name, Some(arch)),
        None => (full_name, None),
    };
    let mut installed_version = None;
    if let Some(after) = rest.strip_prefix('[') {
        let (version, after) = after.split_once(']')?;
        installed_version = Some(version.to_owned());
        rest = after.trim_start();
    }
    let (inner, _) = rest.strip_prefix('(')?.split_once(')')?;
    let (candidate, mut releases) = match inner.split_once(' ') {
        Some((candidate, releases)) => (candidate, releases.trim()),
        None => (inner, ""),
    };
    let mut arch = name_arch.map(str::to_owned);
    if let (Some(open), true) = (releases.rfind('['), releases.ends_with(']')) {
        arch = Some(releases[open + 1..releases.len() - 1].to_owned());
        releases = releases[..open].trim_end();
    }
    if name.is_empty() || candidate.is_empty() {
        return None;
    }
    Some(SimulatedInstall {
        name: name.to_owned(),
        arch,
        installed_version,
        candidate_version: candidate.to_owned(),
        releases: releases
            .split(", ")
            .filter(|r| !r.is_empty())
            .map(ReleaseRef::parse)
            .collect(),
    })
}

/// One package of `apt-cache policy name…`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyEntry {
    /// As apt prints it: `name` (native or `all`) or `name:arch` (foreign).
    pub heading: String,
    pub installed: Option<String>,
    pub candidate: Option<String>,
    /// Each version of the version table with the package files carrying it.
    pub versions: Vec<(String, Vec<String>)>,
}

impl PolicyEntry {
    fn files_of(&self, version: &str) -> &[String] {
        self.versions
            .iter()
            .find(|(v, _)| v == version)
            .map_or(&[], |(_, files)| files.as_slice())
    }
}

/// Parses `apt-cache policy name…` output, one line at a time (`apt-cache`'s `Policy`:
/// `name:` headings, `  Installed:`/`  Candidate:`, version lines ` *** ver prio` or
/// `     ver prio`, file lines `       prio file`).
#[derive(Debug, Default)]
pub struct PolicyParser {
    current: Option<PolicyEntry>,
}

impl PolicyParser {
    /// Feeds one line; returns the previous package when a new heading starts. `Err` for
    /// a line not understood.
    pub fn line(&mut self, line: &str) -> Result<Option<PolicyEntry>, UnrecognisedLine> {
        if !line.starts_with(' ') {
            if let Some(heading) = line.strip_suffix(':') {
                let done = self.current.take();
                self.current = Some(PolicyEntry {
                    heading: heading.to_owned(),
                    ..PolicyEntry::default()
                });
                return Ok(done);
            }
            return Err(UnrecognisedLine);
        }
        let Some(entry) = self.current.as_mut() else {
            return Err(UnrecognisedLine);
        };
        let trimmed = line.trim_start();
        let known = |v: &str| (v != "(none)").then(|| v.to_owned());
        if let Some(v) = trimmed.strip_prefix("Installed: ") {
            entry.installed = known(v.trim());
        } else if let Some(v) = trimmed.strip_prefix("Candidate: ") {
            entry.candidate = known(v.trim());
        } else if trimmed.starts_with("Version table:") || trimmed.starts_with("Package pin:") {
        } else if let Some(rest) = line
            .strip_prefix(" *** ")
            .or_else(|| line.strip_prefix("     ").filter(|r| !r.starts_with(' ')))
        {
            let version = rest.split_whitespace().next().ok_or(UnrecognisedLine)?;
            entry.versions.push((version.to_owned(), Vec::new()));
        } else if line.starts_with("       ") {
            let file = split_priority(trimmed).ok_or(UnrecognisedLine)?;
            let (_, files) = entry.versions.last_mut().ok_or(UnrecognisedLine)?;
            files.push(file.to_owned());
        } else {
            return Err(UnrecognisedLine);
        }
        Ok(None)
    }

    pub fn finish(&mut self) -> Option<PolicyEntry> {
        self.current.take()
    }
}

/// The details of a version carried by `releases` (the security pocket first), with
/// dpkg's section and priority.
fn details(
    releases: Vec<Release>,
    section: Option<String>,
    priority: Option<String>,
) -> PackageDetails {
    let as_details = |r: &Release| AptDetails {
        archive: r.archive.clone(),
        codename: r.codename.clone(),
        origin: r.origin.clone(),
        label: r.label.clone(),
        section: section.clone(),
        priority: priority.clone(),
    };
    let mut probe = PackageInfo {
        name: String::new(),
        arch: String::new(),
        installed_version: None,
        candidate_version: None,
        product: None,
        details: PackageDetails::Apt(AptDetails::default()),
    };
    let mut chosen = None;
    for release in &releases {
        probe.details = PackageDetails::Apt(as_details(release));
        // The security rule is bosun-patch's (`PackageInfo::is_security`), not a copy.
        if probe.is_security() {
            return probe.details;
        }
        chosen.get_or_insert(probe.details.clone());
    }
    chosen.unwrap_or_else(|| {
        PackageDetails::Apt(AptDetails {
            section,
            priority,
            ..AptDetails::default()
        })
    })
}

/// Scans an apt node (see the module doc for the steps).
pub(super) async fn scan(
    node: &Node,
    options: &ScanOptions,
    sink: &mut (dyn FnMut(ScannedPackage) + Send),
) -> Result<ScanSummary, PatchError> {
    let mut summary = ScanSummary::default();
    let timeout = options.command_timeout;

    let mut native = String::new();
    stream_lines_ok(
        &CommandLine::new("dpkg", ["--print-architecture"]),
        timeout,
        &mut |line| {
            if native.is_empty() {
                native = line.trim().to_owned();
            }
        },
    )
    .await?;

    let mut table = ReleaseTable::default();
    stream_lines_ok(
        &CommandLine::new("apt-cache", ["policy"]),
        timeout,
        &mut |line| {
            if !table.line(line) {
                summary.skipped_lines += 1;
            }
        },
    )
    .await?;

    let mut upgrades: HashMap<(String, String), SimulatedInstall> = HashMap::new();
    stream_lines_ok(
        &dist_upgrade_simulation(),
        timeout,
        &mut |line| match parse_simulation_line(line) {
            SimulationLine::Inst(inst) => {
                let arch = inst.arch.clone().unwrap_or_else(|| native.clone());
                upgrades.insert((inst.name.clone(), arch), inst);
            }
            SimulationLine::Other => {}
            SimulationLine::Unrecognised => summary.skipped_lines += 1,
        },
    )
    .await?;

    let ctx = Context {
        node,
        options,
        table: &table,
        native: &native,
    };
    let path = node.root.join("var/lib/dpkg/status");
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(|e| PatchError::io(&path, e))?;
    let mut lines = Lines::new(BufReader::new(file));
    let mut parser = DpkgStatusParser::default();
    let mut batch = Vec::with_capacity(POLICY_BATCH);
    loop {
        let (package, end) = match lines.next_line().await {
            Ok(Some(line)) => (parser.line(&line), false),
            Ok(None) => (parser.finish(), true),
            Err(e) => return Err(PatchError::io(&path, e)),
        };
        if let Some(package) = package {
            match upgrades.remove(&(package.name.clone(), package.arch.clone())) {
                Some(upgrade) => {
                    let scanned = ctx.upgrade(&package, &upgrade);
                    summary.count(&scanned);
                    sink(scanned);
                }
                None => {
                    batch.push(package);
                    if batch.len() >= POLICY_BATCH {
                        ctx.flush(&mut batch, &mut summary, sink).await?;
                    }
                }
            }
        }
        if end {
            break;
        }
    }
    ctx.flush(&mut batch, &mut summary, sink).await?;

    // What the upgrade would install anew.
    for ((_, arch), new) in upgrades {
        let scanned = ScannedPackage {
            info: PackageInfo {
                name: new.name,
                arch,
                installed_version: None,
                candidate_version: Some(new.candidate_version),
                product: Some(node.os.product.clone()),
                details: details(
                    new.releases.iter().map(|r| table.resolve(r)).collect(),
                    None,
                    None,
                ),
            },
            installed_time: None,
            alternatives: Vec::new(),
        };
        summary.count(&scanned);
        sink(scanned);
    }
    Ok(summary)
}

struct Context<'a> {
    node: &'a Node,
    options: &'a ScanOptions,
    table: &'a ReleaseTable,
    native: &'a str,
}

impl Context<'_> {
    fn upgrade(&self, package: &DpkgPackage, upgrade: &SimulatedInstall) -> ScannedPackage {
        let releases = upgrade.releases.iter().map(|r| self.table.resolve(r));
        self.scanned(
            package,
            Some(upgrade.candidate_version.clone()),
            releases.collect(),
        )
    }

    fn scanned(
        &self,
        package: &DpkgPackage,
        candidate: Option<String>,
        releases: Vec<Release>,
    ) -> ScannedPackage {
        ScannedPackage {
            info: PackageInfo {
                name: package.name.clone(),
                arch: package.arch.clone(),
                installed_version: Some(package.version.clone()),
                candidate_version: candidate,
                product: Some(self.node.os.product.clone()),
                details: details(releases, package.section.clone(), package.priority.clone()),
            },
            installed_time: installed_time(&self.node.root, &package.name, &package.arch),
            alternatives: Vec::new(),
        }
    }

    /// Emits the batch of packages without a simulated upgrade, after asking
    /// `apt-cache policy` which releases carry their versions.
    async fn flush(
        &self,
        batch: &mut Vec<DpkgPackage>,
        summary: &mut ScanSummary,
        sink: &mut (dyn FnMut(ScannedPackage) + Send),
    ) -> Result<(), PatchError> {
        if batch.is_empty() {
            return Ok(());
        }
        let heading = |p: &DpkgPackage| {
            if p.arch == self.native || p.arch == "all" {
                p.name.clone()
            } else {
                format!("{}:{}", p.name, p.arch)
            }
        };
        let command = CommandLine::new(
            "apt-cache",
            std::iter::once("policy".to_owned())
                .chain(batch.iter().map(|p| format!("{}:{}", p.name, p.arch))),
        );
        let mut entries: HashMap<String, PolicyEntry> = HashMap::with_capacity(batch.len());
        let mut parser = PolicyParser::default();
        let mut skipped = 0;
        stream_lines_ok(
            &command,
            self.options.command_timeout,
            &mut |line| match parser.line(line) {
                Ok(Some(entry)) => {
                    entries.insert(entry.heading.clone(), entry);
                }
                Ok(None) => {}
                Err(UnrecognisedLine) => skipped += 1,
            },
        )
        .await?;
        if let Some(entry) = parser.finish() {
            entries.insert(entry.heading.clone(), entry);
        }
        summary.skipped_lines += skipped;
        for package in batch.drain(..) {
            let entry = entries.remove(&heading(&package)).unwrap_or_default();
            // A newer candidate the simulation did not take (held, kept back).
            let candidate = entry.candidate.clone().filter(|c| {
                *c != package.version && entry.installed.as_ref() == Some(&package.version)
            });
            let version = candidate.as_deref().unwrap_or(&package.version);
            let releases = entry
                .files_of(version)
                .iter()
                .filter_map(|f| self.table.by_file(f).cloned())
                .collect();
            let scanned = self.scanned(&package, candidate, releases);
            summary.count(&scanned);
            sink(scanned);
        }
        Ok(())
    }
}

/// The simulated `dist-upgrade` a scan reads.
pub fn dist_upgrade_simulation() -> CommandLine {
    CommandLine::new(
        "apt-get",
        SIMULATION_OPTIONS.iter().copied().chain(["dist-upgrade"]),
    )
}

/// The mtime of the package's file list in `/var/lib/dpkg/info` (`name:arch.list` for
/// `Multi-Arch: same` packages, `name.list` otherwise). A stat per package: cheap enough
/// to do inline.
fn installed_time(root: &Path, name: &str, arch: &str) -> Option<OffsetDateTime> {
    let info = root.join("var/lib/dpkg/info");
    [format!("{name}:{arch}.list"), format!("{name}.list")]
        .iter()
        .find_map(|file| std::fs::metadata(info.join(file)).ok())
        .and_then(|m| m.modified().ok())
        .map(OffsetDateTime::from)
}

/// `/run/reboot-required` (written by packages' maintainer scripts through
/// update-notifier-common or by the admin), with the packages named in
/// `/run/reboot-required.pkgs`.
pub(super) fn reboot_status(root: &Path) -> Result<RebootStatus, PatchError> {
    let run = ["run", "var/run"]
        .iter()
        .map(|dir| root.join(dir))
        .find(|dir| dir.join("reboot-required").exists());
    let Some(run) = run else {
        return Ok(RebootStatus::default());
    };
    let pkgs = run.join("reboot-required.pkgs");
    let mut requested_by: Vec<String> = match std::fs::read_to_string(&pkgs) {
        Ok(text) => text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(PatchError::io(pkgs, e)),
    };
    requested_by.sort();
    requested_by.dedup();
    Ok(RebootStatus {
        pending: true,
        requested_by,
        boot_time: None,
    })
}

/// `name:arch=version` (`name=version` for `all`, which apt qualifies implicitly).
fn target_spec(t: &InstallTarget) -> String {
    if t.arch == "all" {
        format!("{}={}", t.name, t.version)
    } else {
        format!("{}:{}={}", t.name, t.arch, t.version)
    }
}

/// Upgrades exactly `targets` to their versions, never installing them anew
/// (`--only-upgrade`), waiting up to five minutes for another package manager's lock
/// (unattended-upgrades) rather than failing at once, non-interactively: `DEBIAN_FRONTEND=noninteractive`, and for a
/// changed configuration file dpkg keeps the local one (`--force-confdef` takes the
/// package's default where there is one, `--force-confold` keeps the old file
/// otherwise), as unattended-upgrades does.
pub fn install_command(targets: &[InstallTarget]) -> CommandLine {
    CommandLine::new("apt-get", install_args(targets)).env("DEBIAN_FRONTEND", "noninteractive")
}

/// The same install, simulated: run it first and refuse the install when
/// [`blocked_in_simulation`] finds anything.
pub fn simulate_install_command(targets: &[InstallTarget]) -> CommandLine {
    let mut command = install_command(targets);
    let at = 1; // after "install"
    for (i, option) in SIMULATION_OPTIONS.iter().enumerate() {
        command.args.insert(at + i, (*option).to_owned());
    }
    command
}

fn install_args(targets: &[InstallTarget]) -> Vec<String> {
    let mut args: Vec<String> = [
        "install",
        "-y",
        "--only-upgrade",
        "-o",
        "Dpkg::Options::=--force-confdef",
        "-o",
        "Dpkg::Options::=--force-confold",
        "-o",
        "DPkg::Lock::Timeout=300",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    args.extend(targets.iter().map(target_spec));
    args
}

/// The packages a simulated install would install or upgrade that `baseline` rejects
/// under `BLOCK` (`name:arch=version`). apt has no exclude option: a BLOCK-rejected
/// package is never a target, and an install that would still pull it in (as a
/// dependency) is refused as a whole. Under `ALLOW_AS_DEPENDENCY` nothing is blocked.
pub fn blocked_in_simulation<'a>(
    lines: impl IntoIterator<Item = &'a str>,
    baseline: &PatchBaseline,
) -> Vec<String> {
    if baseline.rejected_patches_action != RejectedPatchesAction::Block {
        return Vec::new();
    }
    lines
        .into_iter()
        .filter_map(|line| match parse_simulation_line(line) {
            SimulationLine::Inst(inst) => Some(inst),
            _ => None,
        })
        .filter(|inst| {
            let probe = PackageInfo {
                name: inst.name.clone(),
                arch: inst.arch.clone().unwrap_or_default(),
                installed_version: inst.installed_version.clone(),
                candidate_version: Some(inst.candidate_version.clone()),
                product: None,
                details: PackageDetails::Apt(AptDetails::default()),
            };
            list_matches(
                &baseline.rejected_patches,
                &probe,
                Some(&inst.candidate_version),
                OsFamily::Apt,
            )
        })
        .map(|inst| match inst.arch {
            Some(arch) => format!("{}:{arch}={}", inst.name, inst.candidate_version),
            None => format!("{}={}", inst.name, inst.candidate_version),
        })
        .collect()
}

/// Simulates the install of `targets` and returns the real command when it pulls in
/// nothing `baseline` blocks ([`PatchError::Blocked`] otherwise). Changes nothing.
pub async fn checked_install_command(
    targets: &[InstallTarget],
    baseline: &PatchBaseline,
    options: &ScanOptions,
) -> Result<CommandLine, PatchError> {
    let simulation = simulate_install_command(targets);
    let mut inst_lines = Vec::new();
    let (status, stderr) = stream_lines(&simulation, options.command_timeout, &mut |line| {
        if line.starts_with("Inst ") {
            inst_lines.push(line.to_owned());
        }
    })
    .await?;
    if !status.success() {
        return Err(failed(&simulation, status, stderr));
    }
    let blocked = blocked_in_simulation(inst_lines.iter().map(String::as_str), baseline);
    if blocked.is_empty() {
        Ok(install_command(targets))
    } else {
        Err(PatchError::Blocked(blocked))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use bosun_patch::OperatingSystem;

    const DPKG_STATUS: &str = include_str!("fixtures/dpkg-status.txt");
    const DEBIAN_SIMULATION: &str = include_str!("fixtures/apt-get-dist-upgrade-debian12.txt");
    const UBUNTU_SIMULATION: &str = include_str!("fixtures/apt-get-dist-upgrade-ubuntu2204.txt");
    const POLICY_FILES: &str = include_str!("fixtures/apt-cache-policy-debian12.txt");
    const POLICY_UBUNTU: &str = include_str!("fixtures/apt-cache-policy-ubuntu2204.txt");
    const POLICY_PACKAGES: &str = include_str!("fixtures/apt-cache-policy-packages.txt");

    fn dpkg(text: &str) -> Vec<DpkgPackage> {
        let mut parser = DpkgStatusParser::default();
        let mut out: Vec<DpkgPackage> = text.lines().filter_map(|l| parser.line(l)).collect();
        out.extend(parser.finish());
        out
    }

    fn table(text: &str) -> ReleaseTable {
        let mut table = ReleaseTable::default();
        for line in text.lines() {
            assert!(table.line(line), "{line:?}");
        }
        table
    }

    fn insts(text: &str) -> Vec<SimulatedInstall> {
        text.lines()
            .filter_map(|l| match parse_simulation_line(l) {
                SimulationLine::Inst(i) => Some(i),
                SimulationLine::Other => None,
                SimulationLine::Unrecognised => panic!("unrecognised {l:?}"),
            })
            .collect()
    }

    #[test]
    fn dpkg_status_paragraphs() {
        let packages = dpkg(DPKG_STATUS);
        let names: Vec<_> = packages
            .iter()
            .map(|p| format!("{}:{}", p.name, p.arch))
            .collect();
        // `removed-pkg` is config-files only, `never` not-installed; `libc6:i386` is a
        // foreign architecture; `half` is half-configured (on disk).
        assert_eq!(
            names,
            [
                "adduser:all",
                "libssl3:amd64",
                "libc6:amd64",
                "libc6:i386",
                "half:amd64",
                "last-no-newline:amd64"
            ]
        );
        assert_eq!(
            packages[1],
            DpkgPackage {
                name: "libssl3".into(),
                arch: "amd64".into(),
                version: "3.0.11-1~deb12u1".into(),
                section: Some("libs".into()),
                priority: Some("optional".into()),
            }
        );
        assert_eq!(packages[2].version, "2.36-9+deb12u3");
        assert_eq!(packages[2].priority.as_deref(), Some("required"));
        assert_eq!(packages[5].section, None);
    }

    #[test]
    fn debian_simulation_lines() {
        let all = insts(DEBIAN_SIMULATION);
        assert_eq!(all.len(), 5, "{all:#?}");
        assert_eq!(
            all[0],
            SimulatedInstall {
                name: "base-files".into(),
                arch: Some("amd64".into()),
                installed_version: Some("12.4+deb12u11".into()),
                candidate_version: "12.4+deb12u15".into(),
                releases: vec![ReleaseRef {
                    label: Some("Debian".into()),
                    version: Some("12.15".into()),
                    archive: "oldstable".into(),
                }],
            }
        );
        // Two releases, and a trailing `[]` of broken packages.
        assert_eq!(all[1].name, "libgcrypt20-dev");
        assert_eq!(all[1].releases.len(), 2);
        assert_eq!(all[1].releases[1].label.as_deref(), Some("Debian-Security"));
        assert_eq!(all[1].releases[1].archive, "oldstable-security");
        // A new package: no installed version.
        assert_eq!(all[3].name, "linux-image-6.1.0-31-amd64");
        assert_eq!(all[3].installed_version, None);
        // A foreign-architecture package is written name:arch.
        assert_eq!(all[4].name, "libc6");
        assert_eq!(all[4].arch.as_deref(), Some("i386"));
    }

    #[test]
    fn ubuntu_simulation_lines() {
        let all = insts(UBUNTU_SIMULATION);
        let openssl = all.iter().find(|i| i.name == "openssl").unwrap();
        assert_eq!(openssl.candidate_version, "3.0.2-0ubuntu1.15");
        assert_eq!(
            openssl.releases,
            vec![
                ReleaseRef {
                    label: Some("Ubuntu".into()),
                    version: Some("22.04".into()),
                    archive: "jammy-updates".into(),
                },
                ReleaseRef {
                    label: Some("Ubuntu".into()),
                    version: Some("22.04".into()),
                    archive: "jammy-security".into(),
                },
            ]
        );
        // A repository without a Release file is named by its site.
        let local = all.iter().find(|i| i.name == "local-tool").unwrap();
        assert_eq!(
            local.releases,
            vec![ReleaseRef {
                label: None,
                version: None,
                archive: "localhost".into()
            }]
        );
        assert_eq!(local.arch.as_deref(), Some("all"));
    }

    #[test]
    fn odd_simulation_lines() {
        let cases = [
            (
                "Conf bash (5.2.15-2+b13 Debian:12.15/oldstable [amd64])",
                SimulationLine::Other,
            ),
            ("Remv oldpkg [1.0]", SimulationLine::Other),
            ("Reading package lists...", SimulationLine::Other),
            ("Inst", SimulationLine::Other),
            ("Inst broken [1.0", SimulationLine::Unrecognised),
            ("Inst nothing [1.0]", SimulationLine::Unrecognised),
        ];
        for (line, expected) in cases {
            assert_eq!(parse_simulation_line(line), expected, "{line}");
        }
        // Without a release part or an arch.
        let SimulationLine::Inst(bare) = parse_simulation_line("Inst pkg [1] (2)") else {
            panic!()
        };
        assert_eq!((bare.arch, bare.releases.len()), (None, 0));
        let SimulationLine::Inst(arch_only) = parse_simulation_line("Inst pkg (2 [arm64])") else {
            panic!()
        };
        assert_eq!(arch_only.arch.as_deref(), Some("arm64"));
        assert!(arch_only.releases.is_empty());
    }

    #[test]
    fn release_table_resolves_simulation_references() {
        let t = table(POLICY_FILES);
        let security = t
            .by_file("http://deb.debian.org/debian-security bookworm-security/main amd64 Packages")
            .unwrap();
        assert_eq!(
            *security,
            Release {
                origin: Some("Debian".into()),
                label: Some("Debian-Security".into()),
                archive: Some("oldstable-security".into()),
                codename: Some("bookworm-security".into()),
                version: Some("12".into()),
            }
        );
        assert!(t.by_file("/var/lib/dpkg/status").is_none());
        let inst = &insts(DEBIAN_SIMULATION)[1];
        let resolved = t.resolve(&inst.releases[1]);
        assert_eq!(resolved.codename.as_deref(), Some("bookworm-security"));
        assert_eq!(
            t.resolve(&inst.releases[0]).codename.as_deref(),
            Some("bookworm")
        );
        let unknown = t.resolve(&ReleaseRef::parse("Other:1/x"));
        assert_eq!(unknown.origin, None);
        assert_eq!(unknown.archive.as_deref(), Some("x"));

        let ubuntu = table(POLICY_UBUNTU);
        let r = ubuntu.resolve(&ReleaseRef::parse("Ubuntu:22.04/jammy-security"));
        assert_eq!(r.origin.as_deref(), Some("Ubuntu"));
        // Ubuntu's pockets share the release's codename; the archive names the pocket.
        assert_eq!(r.codename.as_deref(), Some("jammy"));
        assert_eq!(r.archive.as_deref(), Some("jammy-security"));
        // A label with a comma in it survives.
        let ppa = ubuntu
            .by_file("https://ppa.launchpadcontent.net/ondrej/php/ubuntu jammy/main amd64 Packages")
            .unwrap();
        assert_eq!(ppa.label.as_deref(), Some("PHP, for everyone"));
        assert_eq!(ppa.archive.as_deref(), Some("jammy"));
    }

    #[test]
    fn security_pocket_wins_among_releases() {
        let t = table(POLICY_FILES);
        let inst = &insts(DEBIAN_SIMULATION)[1];
        let releases: Vec<Release> = inst.releases.iter().map(|r| t.resolve(r)).collect();
        let d = details(
            releases.clone(),
            Some("libs".into()),
            Some("optional".into()),
        );
        let PackageDetails::Apt(apt) = &d else {
            panic!()
        };
        assert_eq!(apt.label.as_deref(), Some("Debian-Security"));
        assert_eq!(apt.section.as_deref(), Some("libs"));
        // Without a security pocket, the first release.
        let PackageDetails::Apt(apt) = details(releases[..1].to_vec(), None, None) else {
            panic!()
        };
        assert_eq!(apt.archive.as_deref(), Some("oldstable"));
        // No release at all: section and priority only.
        let PackageDetails::Apt(apt) = details(vec![], None, Some("required".into())) else {
            panic!()
        };
        assert_eq!(
            (apt.archive, apt.priority.as_deref()),
            (None, Some("required"))
        );
    }

    #[test]
    fn policy_of_packages() {
        let mut parser = PolicyParser::default();
        let mut entries = Vec::new();
        for line in POLICY_PACKAGES.lines() {
            if let Some(e) = parser.line(line).unwrap() {
                entries.push(e);
            }
        }
        entries.extend(parser.finish());
        let headings: Vec<_> = entries.iter().map(|e| e.heading.as_str()).collect();
        assert_eq!(headings, ["adduser", "libssl3", "libc6:i386", "tzdata"]);
        let libssl = &entries[1];
        assert_eq!(libssl.installed.as_deref(), Some("3.0.15-1~deb12u1"));
        assert_eq!(
            libssl.files_of("3.0.15-1~deb12u1"),
            [
                "http://deb.debian.org/debian-security bookworm-security/main amd64 Packages",
                "/var/lib/dpkg/status"
            ]
        );
        // Held back: candidate newer than installed.
        let tzdata = &entries[3];
        assert_eq!(tzdata.installed.as_deref(), Some("2025b-0+deb12u2"));
        assert_eq!(tzdata.candidate.as_deref(), Some("2026f-0+deb12u1"));
        assert_eq!(tzdata.files_of("2026f-0+deb12u1").len(), 1);
        assert!(parser.line("garbage").is_err());
    }

    fn target(name: &str, arch: &str, version: &str) -> InstallTarget {
        InstallTarget {
            name: name.into(),
            arch: arch.into(),
            version: version.into(),
        }
    }

    #[test]
    fn install_command_lines() {
        let targets = [
            target("libssl3", "amd64", "3.0.11-1~deb12u2"),
            target("tzdata", "all", "2024a-0+deb12u1"),
            target("libc6", "i386", "2.36-9+deb12u4"),
        ];
        let install = install_command(&targets);
        assert_eq!(install.program, "apt-get");
        assert_eq!(
            install.args,
            [
                "install",
                "-y",
                "--only-upgrade",
                "-o",
                "Dpkg::Options::=--force-confdef",
                "-o",
                "Dpkg::Options::=--force-confold",
                "-o",
                "DPkg::Lock::Timeout=300",
                "libssl3:amd64=3.0.11-1~deb12u2",
                "tzdata=2024a-0+deb12u1",
                "libc6:i386=2.36-9+deb12u4",
            ]
        );
        assert!(install
            .env
            .contains(&("DEBIAN_FRONTEND".into(), "noninteractive".into())));
        assert!(install.env.contains(&("LC_ALL".into(), "C".into())));
        let simulation = simulate_install_command(&targets);
        assert_eq!(
            simulation.args[..7],
            [
                "install",
                "-s",
                "-o",
                "Debug::NoLocking=1",
                "-o",
                "APT::Get::Show-User-Simulation-Note=false",
                "-y"
            ]
        );
        assert_eq!(simulation.args[6..], install.args[1..]);
        assert_eq!(
            dist_upgrade_simulation().args,
            [
                "-s",
                "-o",
                "Debug::NoLocking=1",
                "-o",
                "APT::Get::Show-User-Simulation-Note=false",
                "dist-upgrade"
            ]
        );
    }

    #[test]
    fn blocked_packages_in_a_simulation() {
        let mut b = PatchBaseline::new("b", OperatingSystem::Debian);
        b.rejected_patches = vec!["linux-image-*".into(), "libc6".into()];
        let lines: Vec<&str> = DEBIAN_SIMULATION.lines().collect();
        // ALLOW_AS_DEPENDENCY: dependencies may come in.
        assert!(blocked_in_simulation(lines.iter().copied(), &b).is_empty());
        b.rejected_patches_action = RejectedPatchesAction::Block;
        assert_eq!(
            blocked_in_simulation(lines.iter().copied(), &b),
            [
                "linux-image-6.1.0-31-amd64:amd64=6.1.128-1",
                "libc6:i386=2.36-9+deb12u10"
            ]
        );
        b.rejected_patches = vec!["emacs".into()];
        assert!(blocked_in_simulation(lines.iter().copied(), &b).is_empty());
    }

    #[test]
    fn reboot_required_files() {
        let dir = std::env::temp_dir().join(format!("bosun-apt-reboot-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("run")).unwrap();
        assert_eq!(reboot_status(&dir).unwrap(), RebootStatus::default());
        std::fs::write(
            dir.join("run/reboot-required"),
            "*** System restart required ***\n",
        )
        .unwrap();
        let status = reboot_status(&dir).unwrap();
        assert!(status.pending);
        assert!(status.requested_by.is_empty());
        std::fs::write(
            dir.join("run/reboot-required.pkgs"),
            "linux-image-6.1.0-31-amd64\nlibc6\nlibc6\n\n",
        )
        .unwrap();
        assert_eq!(
            reboot_status(&dir).unwrap().requested_by,
            ["libc6", "linux-image-6.1.0-31-amd64"]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
