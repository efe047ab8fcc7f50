//! Patch Manager on the node: what the package manager says, turned into a stream of
//! [`bosun_patch::PackageInfo`] ([`scan`]) and into the node's patch report ([`report`]);
//! and the exact command lines an Install operation runs.
//!
//! - [`detect`]: which operating system (`/etc/os-release`, mapped to
//!   [`OperatingSystem`] and Patch Manager's `PRODUCT` spelling: `Debian12`,
//!   `Ubuntu22.04`, `RedhatEnterpriseLinux9.3`, `AmazonLinux2023`…) and which package
//!   manager (`apt-get` with `/var/lib/dpkg/status`, or `dnf`).
//! - [`apt`]: Debian and Ubuntu: `/var/lib/dpkg/status`, `apt-cache policy` and a simulated
//!   `apt-get dist-upgrade`.
//! - [`dnf`]: the RHEL family and Amazon Linux 2023: `rpm -qa`, `dnf repoquery` and
//!   `dnf updateinfo`.
//! - [`RebootStatus`]: whether the node waits for a reboot (apt: `/run/reboot-required`;
//!   dnf: `dnf needs-restarting -r`), and since when it is up (`btime` of `/proc/stat`).
//!
//! Invariants:
//! - **Nothing holds a whole package list.** Files and command output are read line by
//!   line; what is kept is bounded by the pending *updates*, plus one batch of
//!   `apt-cache policy` answers (apt, [`apt::POLICY_BATCH`] packages) or a few short
//!   notice records per installed package (dnf) — never by the size of the output or of
//!   the repositories. Each package is handed to the caller's sink as soon as it is
//!   complete, and [`report`] keeps only the report's items (one per reported package).
//! - **Scanning changes nothing**: simulations only (`apt-get -s`, with
//!   `Debug::NoLocking` so a running apt is not disturbed), queries only. Install command
//!   lines are built here ([`CommandLine`]) but run by the Install operation.
//! - Every command runs with `LC_ALL=C` (dnf translates its labels), stdin closed, a
//!   timeout, and is killed when dropped; output that is not UTF-8 is read lossily.
//! - A line a parser does not recognise is skipped and counted
//!   ([`ScanSummary::skipped_lines`]) rather than failing the scan: a new tool version
//!   that adds a line must not stop a node's patch reports. A command that fails (exit
//!   status) fails the scan.

pub mod apt;
pub mod dnf;

use std::borrow::Cow;
use std::ffi::OsStr;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use bosun_patch::{
    evaluate, install_action, Advisory, Decision, InstallAction, InstallFacts, OperatingSystem,
    OsFamily, PackageDetails, PackageInfo, PatchBaseline, PatchReport, ReportBuilder,
};
use time::{Date, OffsetDateTime};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, BufReader};

/// How much of a failing command's stderr is kept for the error.
const STDERR_KEPT: usize = 2048;

/// What can go wrong while scanning or preparing an install.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PatchError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot run `{command}`: {source}")]
    Spawn {
        command: String,
        #[source]
        source: std::io::Error,
    },

    #[error("`{command}` failed ({status}): {stderr}")]
    Failed {
        command: String,
        status: String,
        stderr: String,
    },

    #[error("`{command}` did not finish within {timeout:?}")]
    Timeout { command: String, timeout: Duration },

    #[error("this node cannot be patched: {0}")]
    Unsupported(String),

    /// The simulation of an install would install packages the baseline rejects under
    /// `BLOCK`; nothing was installed.
    #[error("the install would pull in blocked packages: {}", .0.join(", "))]
    Blocked(Vec<String>),
}

impl PatchError {
    fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        PatchError::Io {
            path: path.into(),
            source,
        }
    }
}

/// A line of output a parser does not recognise; scans count them
/// ([`ScanSummary::skipped_lines`]) and go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unrecognised line")]
pub struct UnrecognisedLine;

/// The package manager families Bosun scans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackageManager {
    /// `apt-get` over dpkg.
    Apt,
    /// dnf 4 over rpm.
    Dnf,
    /// yum only (Amazon Linux 2, CentOS 7): detected, not scanned.
    Yum,
}

/// Which package manager the node at `root` has: apt when `apt-get` and the dpkg
/// database exist, else dnf, else yum. `root` is `/` except in tests.
pub fn detect_package_manager(root: &Path) -> Option<PackageManager> {
    let exists = |p: &str| root.join(p).exists();
    if exists("usr/bin/apt-get") && exists("var/lib/dpkg/status") {
        Some(PackageManager::Apt)
    } else if exists("usr/bin/dnf") {
        Some(PackageManager::Dnf)
    } else if exists("usr/bin/yum") {
        Some(PackageManager::Yum)
    } else {
        None
    }
}

/// The node's operating system as Patch Manager names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeOs {
    pub operating_system: OperatingSystem,
    /// The `PRODUCT` value: `Debian12`, `Ubuntu22.04`, `RedhatEnterpriseLinux9.3`,
    /// `RockyLinux9.3`, `AlmaLinux9.3`, `OracleLinux8.9`, `CentOS7`, `CentOSStream9`,
    /// `AmazonLinux2023`, `AmazonLinux2`, `AmazonLinux2018.03`.
    pub product: String,
    /// `VERSION_CODENAME` (`bookworm`, `jammy`), when the file gives one.
    pub codename: Option<String>,
}

/// Maps `/etc/os-release` (os-release(5): `ID`, `VERSION_ID`, `NAME`,
/// `VERSION_CODENAME`) to Patch Manager's operating system and product; `None` for an
/// operating system Bosun does not patch.
pub fn node_os(os_release: &str) -> Option<NodeOs> {
    let fields = OsReleaseFields::parse(os_release);
    let version = fields.version_id.as_str();
    let major = version.split('.').next().unwrap_or_default();
    // The same mapping the server applies to the platform name and version the agent
    // reports, so both sides agree on which baseline a node gets.
    let operating_system = OperatingSystem::from_os_release(&fields.name, version)?;
    use OperatingSystem::*;
    let product = match operating_system {
        Debian => format!("Debian{major}"),
        Raspbian => format!("Raspbian{major}"),
        Ubuntu => format!("Ubuntu{version}"),
        RedhatEnterpriseLinux => format!("RedhatEnterpriseLinux{version}"),
        RockyLinux => format!("RockyLinux{version}"),
        AlmaLinux => format!("AlmaLinux{version}"),
        OracleLinux => format!("OracleLinux{version}"),
        Centos if fields.name.contains("Stream") => format!("CentOSStream{major}"),
        Centos => format!("CentOS{version}"),
        AmazonLinux2023 => "AmazonLinux2023".to_owned(),
        AmazonLinux2022 => "AmazonLinux2022".to_owned(),
        AmazonLinux2 => "AmazonLinux2".to_owned(),
        AmazonLinux => format!("AmazonLinux{version}"),
        Windows | Suse | Macos => return None,
    };
    Some(NodeOs {
        operating_system,
        product,
        codename: (!fields.codename.is_empty()).then_some(fields.codename),
    })
}

#[derive(Debug, Default)]
struct OsReleaseFields {
    id: String,
    version_id: String,
    name: String,
    codename: String,
}

impl OsReleaseFields {
    /// `KEY=value` lines, values optionally quoted; later lines win.
    fn parse(text: &str) -> Self {
        let mut fields = OsReleaseFields::default();
        for line in text.lines() {
            let Some((key, value)) = line.trim().split_once('=') else {
                continue;
            };
            let value = value.trim();
            let value = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                .unwrap_or(value)
                .to_owned();
            match key.trim() {
                "ID" => fields.id = value,
                "VERSION_ID" => fields.version_id = value,
                "NAME" => fields.name = value,
                "VERSION_CODENAME" => fields.codename = value,
                _ => {}
            }
        }
        fields
    }
}

/// A node Bosun can scan: its operating system and package manager.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub os: NodeOs,
    pub manager: PackageManager,
    /// Where the node's files are read from (`/`; tests point it elsewhere). Commands
    /// always query the running system.
    pub root: PathBuf,
}

/// Detects the node at `root` (`/` in production).
pub fn detect(root: &Path) -> Result<Node, PatchError> {
    let text = ["etc/os-release", "usr/lib/os-release"]
        .iter()
        .find_map(|p| std::fs::read_to_string(root.join(p)).ok())
        .ok_or_else(|| PatchError::Unsupported("no /etc/os-release".into()))?;
    let os = node_os(&text).ok_or_else(|| {
        PatchError::Unsupported(format!(
            "the operating system {:?} is not one Patch Manager patches",
            OsReleaseFields::parse(&text).id
        ))
    })?;
    let manager = detect_package_manager(root);
    let fits = matches!(
        (os.operating_system.family(), manager),
        (OsFamily::Apt, Some(PackageManager::Apt)) | (OsFamily::Dnf, Some(PackageManager::Dnf))
    );
    match manager {
        Some(manager) if fits => Ok(Node {
            os,
            manager,
            root: root.to_owned(),
        }),
        Some(PackageManager::Yum) => Err(PatchError::Unsupported(format!(
            "{} has yum but no dnf; only dnf nodes are scanned",
            os.product
        ))),
        other => Err(PatchError::Unsupported(format!(
            "{} with package manager {other:?}",
            os.product
        ))),
    }
}

/// One package from a scan, with what the package manager knows of its installation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannedPackage {
    pub info: PackageInfo,
    /// When the installed version was installed (apt: the mtime of its file list in
    /// `/var/lib/dpkg/info`; rpm: `INSTALLTIME`).
    pub installed_time: Option<OffsetDateTime>,
    /// dnf: the other notices naming the same version, less relevant than the one in
    /// `info` (see [`judged`](Self::judged)); empty for apt.
    pub alternatives: Vec<Advisory>,
}

impl ScannedPackage {
    /// The package as `baseline` judges it on `today`: of its notices, the one whose
    /// decision is best — approved at the highest compliance level, else pending
    /// approval, else the scanner's first choice. Patch Manager judges each notice; a
    /// package is approved when any of its notices is.
    pub fn judged(self, baseline: &PatchBaseline, today: Date) -> PackageInfo {
        let ScannedPackage {
            mut info,
            alternatives,
            ..
        } = self;
        if alternatives.is_empty() {
            return info;
        }
        let score = |d: Decision| match d {
            Decision::Approved {
                compliance_level, ..
            } => 2 + u16::from(compliance_level.rank()),
            Decision::PendingApproval { .. } => 1,
            Decision::Rejected | Decision::NotApproved => 0,
        };
        let mut best = score(evaluate(baseline, &info, today));
        for advisory in alternatives {
            let PackageDetails::Dnf(dnf) = &mut info.details else {
                break;
            };
            let previous = dnf.advisory.replace(advisory);
            let s = score(evaluate(baseline, &info, today));
            if s > best {
                best = s;
            } else if let PackageDetails::Dnf(dnf) = &mut info.details {
                dnf.advisory = previous;
            }
        }
        info
    }
}

/// What a scan went through.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanSummary {
    /// Packages handed to the sink.
    pub packages: usize,
    /// Of those, packages with a candidate update.
    pub updates: usize,
    /// Output lines no parser recognised (see the module's invariants).
    pub skipped_lines: usize,
}

impl ScanSummary {
    fn count(&mut self, package: &ScannedPackage) {
        self.packages += 1;
        if package.info.candidate_version.is_some() {
            self.updates += 1;
        }
    }
}

/// How a scan runs its commands.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Each command's time limit.
    pub command_timeout: Duration,
    /// dnf: use the metadata cache only (`-C`), never the network. When `false`, dnf
    /// refreshes expired metadata as it normally does (what a Scan operation wants).
    pub cache_only: bool,
    /// dnf: `--releasever=…`. Amazon Linux 2023 locks a node to the release it was
    /// installed from; `latest` shows (and installs) updates beyond it.
    pub releasever: Option<String>,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            command_timeout: Duration::from_secs(600),
            cache_only: false,
            releasever: None,
        }
    }
}

/// Streams every package of `node` into `sink`.
pub async fn scan(
    node: &Node,
    options: &ScanOptions,
    sink: &mut (dyn FnMut(ScannedPackage) + Send),
) -> Result<ScanSummary, PatchError> {
    match node.manager {
        PackageManager::Apt => apt::scan(node, options, sink).await,
        PackageManager::Dnf => dnf::scan(node, options, sink).await,
        PackageManager::Yum => Err(PatchError::Unsupported("yum-only node".into())),
    }
}

/// Whether the node waits for a reboot, and since when it is up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RebootStatus {
    pub pending: bool,
    /// The packages that asked for the reboot, when the system says (apt:
    /// `/run/reboot-required.pkgs`; dnf: `needs-restarting -r`'s list).
    pub requested_by: Vec<String>,
    /// When the node last booted.
    pub boot_time: Option<OffsetDateTime>,
}

impl RebootStatus {
    /// Reads the node's reboot status with the method of its package manager.
    pub async fn of(node: &Node, options: &ScanOptions) -> Result<Self, PatchError> {
        let mut status = match node.manager {
            PackageManager::Apt => apt::reboot_status(&node.root)?,
            PackageManager::Dnf | PackageManager::Yum => dnf::reboot_status(options).await?,
        };
        status.boot_time = boot_time(&node.root);
        Ok(status)
    }

    /// Whether a package installed at `installed` was installed after the last boot
    /// (unknown times count as before).
    pub fn since_boot(&self, installed: Option<OffsetDateTime>) -> bool {
        matches!((installed, self.boot_time), (Some(i), Some(b)) if i > b)
    }
}

/// `btime` of `/proc/stat`: the boot time, in seconds since the epoch.
fn boot_time(root: &Path) -> Option<OffsetDateTime> {
    let stat = std::fs::read_to_string(root.join("proc/stat")).ok()?;
    parse_btime(&stat)
}

fn parse_btime(stat: &str) -> Option<OffsetDateTime> {
    stat.lines()
        .find_map(|l| l.strip_prefix("btime "))
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
}

/// Scans `node` and evaluates `baseline` on `today`: the node's patch report. The reboot
/// status is read first, so packages installed since the last boot of a node that waits
/// for a reboot are `INSTALLED_PENDING_REBOOT`.
pub async fn report(
    node: &Node,
    options: &ScanOptions,
    baseline: &PatchBaseline,
    today: Date,
) -> Result<(PatchReport, ScanSummary), PatchError> {
    let (report, summary, _) = report_with(node, options, baseline, today, &|_| false).await?;
    Ok((report, summary))
}

/// [`report`], with the packages an Install operation failed to install marked
/// (`install_failed`: a `MISSING` package it says yes to is `FAILED`), and the reboot
/// status it read.
pub async fn report_with(
    node: &Node,
    options: &ScanOptions,
    baseline: &PatchBaseline,
    today: Date,
    install_failed: &(dyn Fn(&PackageInfo) -> bool + Sync),
) -> Result<(PatchReport, ScanSummary, RebootStatus), PatchError> {
    let reboot = RebootStatus::of(node, options).await?;
    let mut builder = ReportBuilder::new(baseline, today, reboot.pending);
    let summary = scan(node, options, &mut |package| {
        let installed_time = package.installed_time;
        let info = package.judged(baseline, today);
        let facts = InstallFacts {
            installed_time,
            since_boot: reboot.since_boot(installed_time),
            install_failed: install_failed(&info),
        };
        builder.push_with(&info, &facts);
    })
    .await?;
    Ok((builder.finish(), summary, reboot))
}

/// Scans `node` for what an Install operation upgrades under `baseline` on `today`: the
/// approved updates, each at its candidate version.
pub async fn install_targets(
    node: &Node,
    options: &ScanOptions,
    baseline: &PatchBaseline,
    today: Date,
) -> Result<(Vec<InstallTarget>, ScanSummary), PatchError> {
    let mut targets = Vec::new();
    let summary = scan(node, options, &mut |package| {
        if let Some(t) = install_target(baseline, today, &package.judged(baseline, today)) {
            targets.push(t);
        }
    })
    .await?;
    targets.sort_by(|a, b| (&a.name, &a.arch).cmp(&(&b.name, &b.arch)));
    Ok((targets, summary))
}

/// A target an Install operation leaves out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excluded {
    pub target: InstallTarget,
    pub reason: String,
}

/// The command that installs `targets` on `node` under `baseline`, and the targets it
/// leaves out. apt: the install is simulated first; when it would pull in a package the
/// baseline rejects with `BLOCK`, each target is simulated alone and those that pull one
/// in are left out (the rest are simulated again together). dnf: the rejected packages
/// are excluded on the command line. `None` when nothing is left to install.
pub async fn install_command(
    node: &Node,
    options: &ScanOptions,
    baseline: &PatchBaseline,
    targets: &[InstallTarget],
) -> Result<(Option<CommandLine>, Vec<Excluded>), PatchError> {
    if targets.is_empty() {
        return Ok((None, Vec::new()));
    }
    match node.manager {
        PackageManager::Dnf => Ok((
            Some(dnf::upgrade_command(
                targets,
                baseline,
                options.releasever.as_deref(),
            )),
            Vec::new(),
        )),
        PackageManager::Yum => Err(PatchError::Unsupported("yum-only node".into())),
        PackageManager::Apt => match apt::checked_install_command(targets, baseline, options).await
        {
            Err(PatchError::Blocked(_)) => {
                let mut kept = Vec::new();
                let mut excluded = Vec::new();
                for t in targets {
                    match apt::checked_install_command(std::slice::from_ref(t), baseline, options)
                        .await
                    {
                        Ok(_) => kept.push(t.clone()),
                        Err(PatchError::Blocked(blocked)) => excluded.push(Excluded {
                            target: t.clone(),
                            reason: format!(
                                "it would bring in {}, which the baseline rejects (BLOCK)",
                                blocked.join(", ")
                            ),
                        }),
                        Err(e) => return Err(e),
                    }
                }
                if kept.is_empty() {
                    return Ok((None, excluded));
                }
                let command = apt::checked_install_command(&kept, baseline, options).await?;
                Ok((Some(command), excluded))
            }
            Ok(command) => Ok((Some(command), Vec::new())),
            Err(e) => Err(e),
        },
    }
}

/// A package an Install operation upgrades, at an exact version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallTarget {
    pub name: String,
    pub arch: String,
    /// The candidate version: Debian version, or rpm `[epoch:]version-release`.
    pub version: String,
}

/// The target `package` gives an Install operation under `baseline` on `today`: its
/// candidate, when the baseline approves it and it is an update of an installed package.
pub fn install_target(
    baseline: &PatchBaseline,
    today: Date,
    package: &PackageInfo,
) -> Option<InstallTarget> {
    if !package.has_update() || install_action(baseline, package, today) != InstallAction::Install {
        return None;
    }
    Some(InstallTarget {
        name: package.name.clone(),
        arch: package.arch.clone(),
        version: package.candidate_version.clone()?,
    })
}

/// A command to run: program, arguments, extra environment. Built by the pure helpers
/// of [`apt`] and [`dnf`] so tests can check every argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandLine {
    pub program: String,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
}

impl CommandLine {
    /// `program args…` with `LC_ALL=C`.
    pub fn new<I, S>(program: &str, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        CommandLine {
            program: program.to_owned(),
            args: args.into_iter().map(Into::into).collect(),
            env: vec![("LC_ALL".into(), "C".into())],
        }
    }

    fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// The command, stdin closed, killed when dropped.
    pub fn command(&self) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(&self.program);
        command
            .args(&self.args)
            .envs(self.env.iter().map(|(k, v)| (OsStr::new(k), OsStr::new(v))))
            .stdin(Stdio::null())
            .kill_on_drop(true);
        command
    }
}

impl fmt::Display for CommandLine {
    /// For messages: shell-like, arguments with spaces or tabs quoted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.program)?;
        for arg in &self.args {
            if arg.is_empty() || arg.contains([' ', '\t', '\n', '\'']) {
                write!(f, " {arg:?}")?;
            } else {
                write!(f, " {arg}")?;
            }
        }
        Ok(())
    }
}

/// Reads lines from `reader`, without the line ending, lossily decoded.
pub(crate) struct Lines<R> {
    reader: R,
    buf: Vec<u8>,
}

impl<R: AsyncBufRead + Unpin> Lines<R> {
    pub(crate) fn new(reader: R) -> Self {
        Lines {
            reader,
            buf: Vec::new(),
        }
    }

    pub(crate) async fn next_line(&mut self) -> std::io::Result<Option<Cow<'_, str>>> {
        self.buf.clear();
        if self.reader.read_until(b'\n', &mut self.buf).await? == 0 {
            return Ok(None);
        }
        while matches!(self.buf.last(), Some(b'\n' | b'\r')) {
            self.buf.pop();
        }
        Ok(Some(String::from_utf8_lossy(&self.buf)))
    }
}

/// Runs `command`, handing each stdout line to `on_line`, and returns its exit status.
/// stderr is drained alongside (its start kept for errors) so the child never blocks on
/// a full pipe.
pub(crate) async fn stream_lines(
    command: &CommandLine,
    timeout: Duration,
    on_line: &mut (dyn FnMut(&str) + Send),
) -> Result<(ExitStatus, String), PatchError> {
    let mut child = command
        .command()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| PatchError::Spawn {
            command: command.to_string(),
            source,
        })?;
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return Err(PatchError::Spawn {
            command: command.to_string(),
            source: std::io::Error::other("stdout or stderr not piped"),
        });
    };
    let work = async {
        let read_stdout = async {
            let mut lines = Lines::new(BufReader::new(stdout));
            while let Some(line) = lines.next_line().await? {
                on_line(&line);
            }
            Ok::<_, std::io::Error>(())
        };
        let read_stderr = async {
            let mut kept = Vec::new();
            let mut stderr = BufReader::new(stderr);
            let mut chunk = [0u8; 4096];
            loop {
                let n = stderr.read(&mut chunk).await?;
                if n == 0 {
                    break;
                }
                let room = STDERR_KEPT.saturating_sub(kept.len());
                kept.extend_from_slice(&chunk[..n.min(room)]);
            }
            Ok::<_, std::io::Error>(String::from_utf8_lossy(&kept).trim().to_owned())
        };
        let (out, err) = tokio::join!(read_stdout, read_stderr);
        out?;
        let stderr = err?;
        let status = child.wait().await?;
        Ok::<_, std::io::Error>((status, stderr))
    };
    match tokio::time::timeout(timeout, work).await {
        Ok(Ok(done)) => Ok(done),
        Ok(Err(source)) => Err(PatchError::Spawn {
            command: command.to_string(),
            source,
        }),
        Err(_) => Err(PatchError::Timeout {
            command: command.to_string(),
            timeout,
        }),
    }
}

/// [`stream_lines`], failing unless the command exits with status 0.
pub(crate) async fn stream_lines_ok(
    command: &CommandLine,
    timeout: Duration,
    on_line: &mut (dyn FnMut(&str) + Send),
) -> Result<(), PatchError> {
    let (status, stderr) = stream_lines(command, timeout, on_line).await?;
    if status.success() {
        Ok(())
    } else {
        Err(failed(command, status, stderr))
    }
}

fn failed(command: &CommandLine, status: ExitStatus, stderr: String) -> PatchError {
    PatchError::Failed {
        command: command.to_string(),
        status: status.to_string(),
        stderr: crate::error::printable(&stderr, STDERR_KEPT),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use bosun_patch::{AptDetails, PackageDetails};
    use time::macros::{date, datetime};

    #[test]
    fn os_release_maps_to_patch_manager_products() {
        let cases = [
            (
                "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\n\
                 VERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\nID=debian\n",
                OperatingSystem::Debian,
                "Debian12",
                Some("bookworm"),
            ),
            (
                "NAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\nID=ubuntu\nID_LIKE=debian\n\
                 VERSION_CODENAME=jammy\n",
                OperatingSystem::Ubuntu,
                "Ubuntu22.04",
                Some("jammy"),
            ),
            (
                "NAME=\"Red Hat Enterprise Linux\"\nVERSION_ID=\"9.3\"\nID=\"rhel\"\n",
                OperatingSystem::RedhatEnterpriseLinux,
                "RedhatEnterpriseLinux9.3",
                None,
            ),
            (
                "NAME=\"Rocky Linux\"\nID=\"rocky\"\nVERSION_ID=\"9.3\"\n",
                OperatingSystem::RockyLinux,
                "RockyLinux9.3",
                None,
            ),
            (
                "NAME=\"AlmaLinux\"\nID=\"almalinux\"\nVERSION_ID=\"8.9\"\n",
                OperatingSystem::AlmaLinux,
                "AlmaLinux8.9",
                None,
            ),
            (
                "NAME=\"Oracle Linux Server\"\nID=\"ol\"\nVERSION_ID=\"8.9\"\n",
                OperatingSystem::OracleLinux,
                "OracleLinux8.9",
                None,
            ),
            (
                "NAME=\"CentOS Stream\"\nID=\"centos\"\nVERSION_ID=\"9\"\n",
                OperatingSystem::Centos,
                "CentOSStream9",
                None,
            ),
            (
                "NAME=\"Amazon Linux\"\nID=\"amzn\"\nVERSION_ID=\"2023\"\n",
                OperatingSystem::AmazonLinux2023,
                "AmazonLinux2023",
                None,
            ),
            (
                "NAME=\"Amazon Linux\"\nID=\"amzn\"\nVERSION_ID=\"2\"\n",
                OperatingSystem::AmazonLinux2,
                "AmazonLinux2",
                None,
            ),
            (
                "NAME='Raspbian GNU/Linux'\nID=raspbian\nVERSION_ID='11'\n",
                OperatingSystem::Raspbian,
                "Raspbian11",
                None,
            ),
        ];
        for (text, os, product, codename) in cases {
            let node = node_os(text).unwrap();
            assert_eq!(node.operating_system, os, "{text}");
            assert_eq!(node.product, product);
            assert_eq!(node.codename.as_deref(), codename);
        }
        assert_eq!(node_os("ID=alpine\nVERSION_ID=3.20\n"), None);
        assert_eq!(node_os(""), None);
    }

    #[test]
    fn detection_of_a_fake_root() {
        let dir = std::env::temp_dir().join(format!("bosun-patch-detect-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("etc")).unwrap();
        std::fs::create_dir_all(dir.join("usr/bin")).unwrap();
        std::fs::create_dir_all(dir.join("var/lib/dpkg")).unwrap();
        std::fs::write(
            dir.join("etc/os-release"),
            "NAME=\"Red Hat Enterprise Linux\"\nID=rhel\nVERSION_ID=9.3\n",
        )
        .unwrap();
        assert!(matches!(detect(&dir), Err(PatchError::Unsupported(_))));
        std::fs::write(dir.join("usr/bin/yum"), "").unwrap();
        assert_eq!(detect_package_manager(&dir), Some(PackageManager::Yum));
        let err = detect(&dir).unwrap_err().to_string();
        assert!(err.contains("yum but no dnf"), "{err}");
        std::fs::write(dir.join("usr/bin/dnf"), "").unwrap();
        let node = detect(&dir).unwrap();
        assert_eq!(node.manager, PackageManager::Dnf);
        assert_eq!(node.os.product, "RedhatEnterpriseLinux9.3");
        // apt-get alone is not apt: the dpkg database must be there too.
        std::fs::write(dir.join("usr/bin/apt-get"), "").unwrap();
        assert_eq!(detect_package_manager(&dir), Some(PackageManager::Dnf));
        std::fs::write(dir.join("var/lib/dpkg/status"), "").unwrap();
        assert_eq!(detect_package_manager(&dir), Some(PackageManager::Apt));
        // A Debian node with dnf only does not fit.
        std::fs::write(dir.join("etc/os-release"), "ID=debian\nVERSION_ID=12\n").unwrap();
        std::fs::remove_file(dir.join("usr/bin/apt-get")).unwrap();
        assert!(matches!(detect(&dir), Err(PatchError::Unsupported(_))));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn this_machine_is_detected() {
        // The development machine is Debian with dpkg; other machines just need a node
        // that detection accepts or refuses cleanly.
        match detect(Path::new("/")) {
            Ok(node) => assert!(!node.os.product.is_empty()),
            Err(e) => assert!(matches!(e, PatchError::Unsupported(_)), "{e}"),
        }
    }

    #[test]
    fn boot_time_and_since_boot() {
        let stat = "cpu  1 2 3\nintr 5\nbtime 1710410400\nprocesses 9\n";
        let boot = parse_btime(stat).unwrap();
        assert_eq!(boot, datetime!(2024-03-14 10:00 UTC));
        assert_eq!(parse_btime("cpu 1\n"), None);
        let status = RebootStatus {
            pending: true,
            requested_by: vec![],
            boot_time: Some(boot),
        };
        assert!(status.since_boot(Some(datetime!(2024-03-14 10:00:01 UTC))));
        assert!(!status.since_boot(Some(boot)));
        assert!(!status.since_boot(None));
        assert!(!RebootStatus::default().since_boot(Some(boot)));
        assert!(boot_time(Path::new("/")).is_some(), "/proc/stat has btime");
    }

    #[test]
    fn install_targets_are_approved_updates_only() {
        let b = bosun_patch::predefined::default_for(OperatingSystem::Ubuntu)
            .unwrap()
            .baseline;
        let pkg = |archive: &str, candidate: Option<&str>| PackageInfo {
            name: "openssl".into(),
            arch: "amd64".into(),
            installed_version: Some("3.0.2-0ubuntu1.14".into()),
            candidate_version: candidate.map(Into::into),
            product: Some("Ubuntu22.04".into()),
            details: PackageDetails::Apt(AptDetails {
                archive: Some(archive.into()),
                priority: Some("important".into()),
                ..Default::default()
            }),
        };
        let today = date!(2024 - 03 - 15);
        assert_eq!(
            install_target(&b, today, &pkg("jammy-security", Some("3.0.2-0ubuntu1.15"))),
            Some(InstallTarget {
                name: "openssl".into(),
                arch: "amd64".into(),
                version: "3.0.2-0ubuntu1.15".into()
            })
        );
        assert_eq!(
            install_target(&b, today, &pkg("jammy-updates", Some("3.0.2-0ubuntu1.15"))),
            None
        );
        assert_eq!(
            install_target(&b, today, &pkg("jammy-security", None)),
            None
        );
    }

    #[test]
    fn judged_takes_the_notice_the_baseline_favours() {
        use bosun_patch::{AdvisoryKind, ComplianceLevel, DnfDetails, PatchRule, PatchRuleGroup};
        let notice = |id: &str, kind, severity: &str| Advisory {
            id: id.into(),
            kind,
            severity: Some(severity.into()),
            cve_ids: vec![],
            bugzilla_ids: vec![],
            issued: Some(date!(2024 - 01 - 01)),
            updated: None,
        };
        let scanned = ScannedPackage {
            info: PackageInfo {
                name: "openssl".into(),
                arch: "x86_64".into(),
                installed_version: Some("1:3.0.7-24.el9".into()),
                candidate_version: Some("1:3.0.7-25.el9".into()),
                product: Some("RedhatEnterpriseLinux9.3".into()),
                details: PackageDetails::Dnf(DnfDetails {
                    advisory: Some(notice("RHSA-1", AdvisoryKind::Security, "Moderate")),
                    repository: None,
                    build_date: None,
                }),
            },
            installed_time: None,
            alternatives: vec![
                notice("RHBA-1", AdvisoryKind::Bugfix, "None"),
                notice("RHBA-2", AdvisoryKind::Bugfix, "Low"),
            ],
        };
        let today = date!(2024 - 03 - 01);
        let id = |info: PackageInfo| info.advisory().map(|a| a.id.clone());
        // The default RHEL baseline takes bugfixes, not Moderate security fixes.
        let rhel = bosun_patch::predefined::default_for(OperatingSystem::RedhatEnterpriseLinux)
            .unwrap()
            .baseline;
        assert_eq!(
            id(scanned.clone().judged(&rhel, today)),
            Some("RHBA-1".into())
        );
        // Nothing approves any notice: the scanner's first choice stays.
        let none = PatchBaseline::new("none", OperatingSystem::RedhatEnterpriseLinux);
        assert_eq!(
            id(scanned.clone().judged(&none, today)),
            Some("RHSA-1".into())
        );
        // Every notice approved: the highest compliance level wins.
        let mut levels = PatchBaseline::new("levels", OperatingSystem::RedhatEnterpriseLinux);
        let rule = |severity: &str, level| PatchRule {
            compliance_level: level,
            ..PatchRule::after_days(
                vec![bosun_patch::PatchFilter::new(
                    bosun_patch::PatchFilterKey::Severity,
                    &[severity],
                )],
                0,
            )
        };
        levels.approval_rules = Some(PatchRuleGroup {
            patch_rules: vec![
                rule("Moderate", ComplianceLevel::Low),
                rule("Low", ComplianceLevel::High),
                rule("None", ComplianceLevel::Medium),
            ],
        });
        assert_eq!(id(scanned.judged(&levels, today)), Some("RHBA-2".into()));
    }

    #[test]
    fn scanning_futures_can_be_spawned() {
        fn send<T: Send>(_: &T) {}
        let node = Node {
            os: node_os("NAME=\"Debian GNU/Linux\"\nID=debian\nVERSION_ID=12\n").unwrap(),
            manager: PackageManager::Apt,
            root: PathBuf::from("/nonexistent"),
        };
        let options = ScanOptions::default();
        let baseline = PatchBaseline::new("b", OperatingSystem::Debian);
        send(&report(&node, &options, &baseline, date!(2024 - 03 - 01)));
        send(&scan(&node, &options, &mut |_| {}));
        send(&RebootStatus::of(&node, &options));
    }

    #[test]
    fn command_lines_display_quoted() {
        let c = CommandLine::new("rpm", ["-qa", "--qf", "%{NAME}\t%{ARCH}\n"]);
        assert_eq!(c.to_string(), "rpm -qa --qf \"%{NAME}\\t%{ARCH}\\n\"");
        assert_eq!(c.env, vec![("LC_ALL".to_owned(), "C".to_owned())]);
    }

    #[tokio::test]
    async fn streamed_commands_report_lines_status_and_stderr() {
        let c = CommandLine::new(
            "/bin/sh",
            ["-c", "printf 'a\\nb\\r\\nc'; echo oops >&2; exit 3"],
        );
        let mut lines = Vec::new();
        let (status, stderr) = stream_lines(&c, Duration::from_secs(10), &mut |l| {
            lines.push(l.to_owned())
        })
        .await
        .unwrap();
        assert_eq!(lines, ["a", "b", "c"]);
        assert_eq!(status.code(), Some(3));
        assert_eq!(stderr, "oops");
        let err = stream_lines_ok(&c, Duration::from_secs(10), &mut |_| {})
            .await
            .unwrap_err();
        assert!(matches!(err, PatchError::Failed { .. }), "{err}");
        let slow = CommandLine::new("/bin/sh", ["-c", "sleep 5"]);
        let err = stream_lines(&slow, Duration::from_millis(100), &mut |_| {})
            .await
            .unwrap_err();
        assert!(matches!(err, PatchError::Timeout { .. }), "{err}");
        let missing = CommandLine::new("/nonexistent/bosun-test", Vec::<String>::new());
        let err = stream_lines(&missing, Duration::from_secs(1), &mut |_| {})
            .await
            .unwrap_err();
        assert!(matches!(err, PatchError::Spawn { .. }), "{err}");
    }
}
