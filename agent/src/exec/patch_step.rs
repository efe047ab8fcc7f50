//! `aws:runPatchBaseline` steps: the node's patch scan and install, run inside the
//! agent with the baseline the server delivered with the step. The package-manager
//! commands a scan starts are killed when the step is abandoned (timeout, cancel, the
//! agent stopping); the install command runs like a shell step, in its own process
//! group with its output streamed live.
//!
//! - **Scan**: read the package manager, evaluate the baseline, report.
//! - **Install**: scan for the approved updates (each at its candidate version), leave
//!   out those that would bring in a package the baseline rejects with `BLOCK`, run the
//!   install, then scan again: a target that did not reach its version is `FAILED`.
//!   With `RebootIfNeeded`, when installed patches wait for a reboot, the step journals
//!   a [`Resume`] and runs the reboot command. The invocation stays open (the server
//!   keeps it InProgress); the next agent process finds the resume, scans again and
//!   finishes the step and the rest of the document — SSM's exit code 3010. With
//!   `NoReboot` those patches are reported `INSTALLED_PENDING_REBOOT`.
//!
//! The report goes to the server on the step's `Report` stream ([`PatchReportLine`]s,
//! only the final one); the human-readable account on stdout, failures on stderr.
//! Nodes no baseline applies to succeed with everything NotApplicable.

use super::executor::{now_ms, run_process, Emitter, Ended, RebootEnd};
use super::journal::{JournalError, PatchResume, Resume};
use crate::patch::{self, InstallTarget, ScanOptions};
use crate::NodeSettings;
use bosun_patch::{PackageInfo, PatchComplianceStatus, PatchReport, PatchState};
use bosun_protocol::exec::{
    Outcome, OutputChunk, PatchOperation, PatchReportHeader, PatchReportLine, PatchSnapshot,
    PatchStep, RebootOption, StepResult, StepSpec, Stream,
};
use bosun_protocol::RunInvocation;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::future::Future;
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use tokio::sync::watch;

/// At most this many patches are listed one per line in the output (the counts cover
/// all of them).
const LISTED: usize = 500;

/// What the executor knows that a patch step needs.
pub(super) struct Context<'a> {
    pub run: &'a RunInvocation,
    /// The results of the steps before this one.
    pub done: &'a [StepResult],
    pub failed: bool,
    pub settings: &'a NodeSettings,
    /// Set when this step rebooted the node and the agent is back.
    pub resume: Option<&'a Resume>,
    /// How many times the invocation rebooted the node so far.
    pub reboots: u32,
}

/// Why a guarded piece of work did not finish.
enum Interrupted {
    Cancelled,
    TimedOut,
}

/// Runs `work` until it ends, `deadline` passes or the invocation is cancelled
/// (dropping `work` kills the commands it runs).
async fn guarded<F: Future>(
    work: F,
    deadline: tokio::time::Instant,
    cancel: &mut watch::Receiver<bool>,
) -> Result<F::Output, Interrupted> {
    if *cancel.borrow() {
        return Err(Interrupted::Cancelled);
    }
    tokio::pin!(work);
    let expiry = tokio::time::sleep_until(deadline);
    tokio::pin!(expiry);
    loop {
        tokio::select! {
            r = &mut work => return Ok(r),
            () = &mut expiry => return Err(Interrupted::TimedOut),
            changed = cancel.changed() => {
                if changed.is_err() || *cancel.borrow() {
                    return Err(Interrupted::Cancelled);
                }
            }
        }
    }
}

struct Step<'e, 'a, T> {
    index: u32,
    timeout_seconds: u64,
    started_at: i64,
    deadline: tokio::time::Instant,
    emitter: &'e mut Emitter<'a, T>,
}

impl<T: From<OutputChunk>> Step<'_, '_, T> {
    fn done(&self, outcome: Outcome, exit_code: i32) -> StepResult {
        StepResult {
            step: self.index,
            outcome,
            exit_code,
            started_at: self.started_at,
            ended_at: now_ms(),
        }
    }

    async fn out(&mut self, text: impl Into<String>) -> Result<(), JournalError> {
        for piece in split(&text.into()) {
            self.emitter.emit(self.index, Stream::Stdout, piece).await?;
        }
        Ok(())
    }

    async fn err(&mut self, text: impl Into<String>) -> Result<(), JournalError> {
        self.emitter
            .emit(self.index, Stream::Stderr, text.into())
            .await
    }

    /// The step's end when guarded work was interrupted.
    async fn interrupted(
        &mut self,
        why: Interrupted,
        what: &str,
    ) -> Result<StepResult, JournalError> {
        match why {
            Interrupted::Cancelled => {
                self.err(format!("The {what} was cancelled.\n")).await?;
                Ok(self.done(Outcome::Cancelled, -1))
            }
            Interrupted::TimedOut => {
                self.err(format!(
                    "The {what} did not finish within the step's {} seconds.\n",
                    self.timeout_seconds
                ))
                .await?;
                Ok(self.done(Outcome::TimedOut, -1))
            }
        }
    }

    /// Sends the report (header, items, counts) on the `Report` stream.
    async fn report(
        &mut self,
        spec: &PatchStep,
        snapshot: &PatchSnapshot,
        product: &str,
        report: PatchReport,
    ) -> Result<(), JournalError> {
        let header = PatchReportHeader {
            operation: spec.operation,
            reboot_option: spec.reboot_option,
            baseline_id: snapshot.baseline_id.clone(),
            patch_group: snapshot.patch_group.clone(),
            snapshot_id: spec.snapshot_id.clone(),
            product: product.to_owned(),
            operation_start: self.started_at,
            operation_end: now_ms(),
        };
        for piece in split(&report_lines(header, report)) {
            self.emitter.emit(self.index, Stream::Report, piece).await?;
        }
        Ok(())
    }
}

pub(super) async fn run<T: From<OutputChunk>>(
    index: u32,
    step: &StepSpec,
    emitter: &mut Emitter<'_, T>,
    cancel: &mut watch::Receiver<bool>,
    cx: &Context<'_>,
) -> Result<StepResult, JournalError> {
    let started_at = cx.resume.map_or_else(now_ms, |r| r.step_started_at);
    let left_ms = (started_at + step.timeout_seconds.max(1) as i64 * 1000 - now_ms()).max(0);
    let mut st = Step {
        index,
        timeout_seconds: step.timeout_seconds,
        started_at,
        deadline: tokio::time::Instant::now() + Duration::from_millis(left_ms as u64),
        emitter,
    };
    let Some(spec) = step.patch.as_ref() else {
        st.err("the step names aws:runPatchBaseline but carries no patch operation\n")
            .await?;
        return Ok(st.done(Outcome::Failed, 1));
    };
    let Some(snapshot) = spec.snapshot.as_ref() else {
        st.out(
            "No patch baseline applies to this node: its operating system is not one Bosun \
             patches. Every patch is NotApplicable.\n",
        )
        .await?;
        return Ok(st.done(Outcome::Success, 0));
    };
    if cx.resume.is_none() {
        st.out(header(spec.operation, snapshot, &spec.snapshot_id))
            .await?;
    }
    let node = match patch::detect(&cx.settings.root) {
        Ok(node) => node,
        Err(e) => {
            st.err(format!("The scan failed: {e}\n")).await?;
            return Ok(st.done(Outcome::Failed, 1));
        }
    };
    let today = OffsetDateTime::now_utc().date();
    let options = ScanOptions::default();
    let baseline = &snapshot.baseline;
    if let Some(resume) = cx.resume {
        return after_reboot(&mut st, spec, snapshot, &node, resume, cancel).await;
    }
    if spec.operation == PatchOperation::Scan {
        let began = Instant::now();
        let scanned = match guarded(
            patch::report(&node, &options, baseline, today),
            st.deadline,
            cancel,
        )
        .await
        {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => {
                st.err(format!("The scan failed: {e}\n")).await?;
                return Ok(st.done(Outcome::Failed, 1));
            }
            Err(why) => return st.interrupted(why, "scan").await,
        };
        let (report, summary) = scanned;
        let mut text = format!(
            "Scanned {} packages on {} ({} with updates) in {:.1} s.\n",
            summary.packages,
            node.os.product,
            summary.updates,
            began.elapsed().as_secs_f64()
        );
        text.push_str(&describe(&report));
        st.out(text).await?;
        st.report(spec, snapshot, &node.os.product, report).await?;
        return Ok(st.done(Outcome::Success, 0));
    }

    // Install: what to install.
    let began = Instant::now();
    let (targets, summary) = match guarded(
        patch::install_targets(&node, &options, baseline, today),
        st.deadline,
        cancel,
    )
    .await
    {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => {
            st.err(format!("The scan before the install failed: {e}\n"))
                .await?;
            return Ok(st.done(Outcome::Failed, 1));
        }
        Err(why) => return st.interrupted(why, "scan before the install").await,
    };
    let mut text = format!(
        "Scanned {} packages on {} ({} with updates) in {:.1} s: {} approved patch{} to \
         install.\n",
        summary.packages,
        node.os.product,
        summary.updates,
        began.elapsed().as_secs_f64(),
        targets.len(),
        if targets.len() == 1 { "" } else { "es" }
    );
    for t in targets.iter().take(LISTED) {
        let _ = writeln!(text, "  {}:{} -> {}", t.name, t.arch, t.version);
    }
    if targets.len() > LISTED {
        let _ = writeln!(text, "  … and {} more.", targets.len() - LISTED);
    }
    st.out(text).await?;

    // The install.
    let mut install_error = false;
    if !targets.is_empty() {
        let (command, excluded) = match guarded(
            patch::install_command(&node, &options, baseline, &targets),
            st.deadline,
            cancel,
        )
        .await
        {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => {
                st.err(format!("The install cannot run: {e}\n")).await?;
                (None, Vec::new())
            }
            Err(why) => return st.interrupted(why, "install").await,
        };
        for x in &excluded {
            st.err(format!(
                "Leaving out {}:{} {}: {}.\n",
                x.target.name, x.target.arch, x.target.version, x.reason
            ))
            .await?;
        }
        match command {
            Some(command) => {
                st.out(format!("Running: {command}\n")).await?;
                match run_process(index, command.command(), st.deadline, st.emitter, cancel).await?
                {
                    Ok(Ended::Exited(0)) => {}
                    Ok(Ended::Exited(code)) => {
                        install_error = true;
                        st.err(format!(
                            "The install command exited with code {code}; scanning to see \
                             what was installed.\n"
                        ))
                        .await?;
                    }
                    Ok(Ended::Cancelled) => {
                        return st.interrupted(Interrupted::Cancelled, "install").await
                    }
                    Ok(Ended::TimedOut) => {
                        return st.interrupted(Interrupted::TimedOut, "install").await
                    }
                    Err(e) => {
                        install_error = true;
                        st.err(format!("The install command could not start: {e}\n"))
                            .await?;
                    }
                }
            }
            None => install_error = true,
        }
    } else {
        st.out("Nothing to install: every approved patch is installed.\n")
            .await?;
    }

    // What it did.
    let wanted: HashMap<String, String> = targets
        .iter()
        .map(|t| (key(&t.name, &t.arch), t.version.clone()))
        .collect();
    let missed = |info: &PackageInfo| {
        wanted
            .get(&key(&info.name, &info.arch))
            .is_some_and(|v| info.installed_version.as_ref() != Some(v))
    };
    let (report, reboot) = match guarded(
        patch::report_with(&node, &options, baseline, today, &missed),
        st.deadline,
        cancel,
    )
    .await
    {
        Ok(Ok((report, _, reboot))) => (report, reboot),
        Ok(Err(e)) => {
            st.err(format!("The scan after the install failed: {e}\n"))
                .await?;
            return Ok(st.done(Outcome::Failed, 1));
        }
        Err(why) => return st.interrupted(why, "scan after the install").await,
    };
    let failed = failed_of(&report, &targets);
    let installed = targets.len().saturating_sub(failed.len());
    let mut text = format!(
        "Installed {installed} of {} approved patch{}.\n",
        targets.len(),
        if targets.len() == 1 { "" } else { "es" }
    );
    text.push_str(&describe(&report));
    st.out(text).await?;

    let waiting = report.counts.installed_pending_reboot;
    if spec.reboot_option == RebootOption::RebootIfNeeded && waiting > 0 {
        let resume = Resume {
            run: cx.run.clone(),
            step: index,
            done: cx.done.to_vec(),
            failed: cx.failed,
            requested_at: now_ms(),
            step_started_at: started_at,
            patch: Some(PatchResume {
                failed: failed.clone(),
                installed,
                command_failed: install_error,
            }),
            reboots: cx.reboots + 1,
        };
        let who = if reboot.requested_by.is_empty() {
            String::new()
        } else {
            format!(" (asked by {})", reboot.requested_by.join(", "))
        };
        st.out(format!(
            "{waiting} installed patch{} wait for a reboot{who}: rebooting the node (exit \
             code 3010). The command goes on when the agent is back.\n",
            if waiting == 1 { "" } else { "es" }
        ))
        .await?;
        match super::executor::reboot(index, &resume, cx.settings, st.deadline, st.emitter, cancel)
            .await?
        {
            RebootEnd::Cancelled => {
                return st.interrupted(Interrupted::Cancelled, "reboot").await;
            }
            RebootEnd::TimedOut => {
                return st.interrupted(Interrupted::TimedOut, "reboot").await;
            }
            RebootEnd::Failed(why) => {
                st.err(format!(
                    "The reboot command ({}) {why}; the installed patches stay \
                     InstalledPendingReboot.\n",
                    cx.settings.reboot_command
                ))
                .await?;
                st.report(spec, snapshot, &node.os.product, report).await?;
                return Ok(st.done(Outcome::Failed, 3010));
            }
        }
    }
    st.report(spec, snapshot, &node.os.product, report).await?;
    finish(&mut st, &failed, install_error).await
}

/// The step's end after its final report: failed when a target did not install or
/// the install command failed.
async fn finish<T: From<OutputChunk>>(
    st: &mut Step<'_, '_, T>,
    failed: &[String],
    command_failed: bool,
) -> Result<StepResult, JournalError> {
    if failed.is_empty() {
        return Ok(if command_failed {
            st.done(Outcome::Failed, 1)
        } else {
            st.done(Outcome::Success, 0)
        });
    }
    let mut text = format!(
        "{} approved patch{} did not install: ",
        failed.len(),
        if failed.len() == 1 { "" } else { "es" }
    );
    text.push_str(
        &failed
            .iter()
            .take(LISTED)
            .cloned()
            .collect::<Vec<_>>()
            .join(", "),
    );
    text.push_str(".\n");
    st.err(text).await?;
    Ok(st.done(Outcome::Failed, 1))
}

/// The agent is back after the reboot the step asked for: scan again and finish.
async fn after_reboot<T: From<OutputChunk>>(
    st: &mut Step<'_, '_, T>,
    spec: &PatchStep,
    snapshot: &PatchSnapshot,
    node: &patch::Node,
    resume: &Resume,
    cancel: &mut watch::Receiver<bool>,
) -> Result<StepResult, JournalError> {
    let carried = resume.patch.clone().unwrap_or_default();
    let today = OffsetDateTime::now_utc().date();
    let failed_before = carried.failed.clone();
    let missed = |info: &PackageInfo| failed_before.contains(&key(&info.name, &info.arch));
    let (report, reboot) = match guarded(
        patch::report_with(
            node,
            &ScanOptions::default(),
            &snapshot.baseline,
            today,
            &missed,
        ),
        st.deadline,
        cancel,
    )
    .await
    {
        Ok(Ok((report, _, reboot))) => (report, reboot),
        Ok(Err(e)) => {
            st.err(format!("The scan after the reboot failed: {e}\n"))
                .await?;
            return Ok(st.done(Outcome::Failed, 1));
        }
        Err(why) => return st.interrupted(why, "scan after the reboot").await,
    };
    let rebooted = reboot
        .boot_time
        .is_some_and(|b| b.unix_timestamp() * 1000 >= resume.requested_at - 1000);
    let mut text = format!(
        "Before the reboot the install upgraded {} patch{}{}.\n",
        carried.installed,
        if carried.installed == 1 { "" } else { "es" },
        if carried.failed.is_empty() {
            String::new()
        } else {
            format!("; {} did not reach its version", carried.failed.len())
        }
    );
    text += &if rebooted {
        format!(
            "The node rebooted (up since {}) and the agent is back: scanned again.\n",
            reboot
                .boot_time
                .and_then(|b| b
                    .format(&time::format_description::well_known::Rfc3339)
                    .ok())
                .unwrap_or_default()
        )
    } else {
        "The agent restarted, but the node did not reboot: patches installed before stay \
         InstalledPendingReboot.\n"
            .to_owned()
    };
    text.push_str(&describe(&report));
    st.out(text).await?;
    st.report(spec, snapshot, &node.os.product, report).await?;
    finish(st, &carried.failed, carried.command_failed).await
}

/// `name:arch`.
fn key(name: &str, arch: &str) -> String {
    format!("{name}:{arch}")
}

/// The targets the report shows as not installed (`name:arch`).
fn failed_of(report: &PatchReport, targets: &[InstallTarget]) -> Vec<String> {
    let mut failed: Vec<String> = report
        .items
        .iter()
        .filter(|i| i.state == PatchState::Failed)
        .map(|i| key(&i.name, &i.arch))
        .collect();
    // A target the rescan no longer reports at all (removed meanwhile) failed too.
    for t in targets {
        let k = key(&t.name, &t.arch);
        if !report.items.iter().any(|i| key(&i.name, &i.arch) == k) && !failed.contains(&k) {
            failed.push(k);
        }
    }
    failed.sort();
    failed
}

fn header(operation: PatchOperation, snapshot: &PatchSnapshot, snapshot_id: &str) -> String {
    let mut s = format!(
        "Operation {} with patch baseline {} ({})",
        match operation {
            PatchOperation::Scan => "Scan",
            PatchOperation::Install => "Install",
        },
        snapshot.baseline.name,
        snapshot.baseline_id
    );
    if let Some(g) = &snapshot.patch_group {
        let _ = write!(s, ", patch group {g}");
    }
    if !snapshot_id.is_empty() {
        let _ = write!(s, ", snapshot {snapshot_id}");
    }
    s.push_str(".\n");
    s
}

/// The report as an operator reads it: counts, compliance, then each patch that is
/// not compliant.
fn describe(report: &PatchReport) -> String {
    let c = &report.counts;
    let mut s = format!(
        "Installed {}, InstalledOther {}, InstalledPendingReboot {}, InstalledRejected {}, \
         Missing {}, Failed {}, NotApplicable {}.\n",
        c.installed,
        c.installed_other,
        c.installed_pending_reboot,
        c.installed_rejected,
        c.missing,
        c.failed,
        c.not_applicable
    );
    let _ = writeln!(
        s,
        "Compliance: {} (non-compliant: {} critical, {} security, {} other).",
        match c.status() {
            PatchComplianceStatus::Compliant => "COMPLIANT",
            PatchComplianceStatus::NonCompliant => "NON_COMPLIANT",
        },
        c.critical_non_compliant,
        c.security_non_compliant,
        c.other_non_compliant
    );
    let open: Vec<_> = report
        .items
        .iter()
        .filter(|i| {
            matches!(
                i.state,
                PatchState::Missing | PatchState::Failed | PatchState::InstalledPendingReboot
            )
        })
        .collect();
    for item in open.iter().take(LISTED) {
        let _ = writeln!(
            s,
            "{:<24} {} {} -> {} [{}{}{}]",
            item.state.as_str(),
            item.kb_id,
            item.installed_version.as_deref().unwrap_or("-"),
            item.candidate_version.as_deref().unwrap_or("-"),
            item.severity,
            if item.classification.is_empty() {
                ""
            } else {
                ", "
            },
            item.classification,
        );
    }
    if open.len() > LISTED {
        let _ = writeln!(s, "… and {} more.", open.len() - LISTED);
    }
    s
}

/// The report as the server reads it: JSON lines, header first, counts last.
fn report_lines(header: PatchReportHeader, report: PatchReport) -> String {
    let mut out = String::new();
    let lines = std::iter::once(PatchReportLine::Header(header))
        .chain(report.items.into_iter().map(PatchReportLine::Item))
        .chain(std::iter::once(PatchReportLine::Counts(report.counts)));
    for line in lines {
        // These types always serialise; a failure would drop one line, and the server
        // refuses a report without its counts.
        if let Ok(json) = serde_json::to_string(&line) {
            out.push_str(&json);
            out.push('\n');
        }
    }
    out
}

/// Cuts text into pieces a chunk carries, at line ends where possible.
fn split(text: &str) -> Vec<String> {
    let max = bosun_protocol::exec::MAX_CHUNK_BYTES;
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.split_inclusive('\n') {
        if current.len() + line.len() > max && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        if line.len() > max {
            let mut rest = line;
            while rest.len() > max {
                let mut cut = max;
                while !rest.is_char_boundary(cut) {
                    cut -= 1;
                }
                out.push(rest[..cut].to_string());
                rest = &rest[cut..];
            }
            current.push_str(rest);
        } else {
            current.push_str(line);
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_reports_are_cut_at_line_ends_into_chunk_sized_pieces() {
        let line = format!("{}\n", "x".repeat(100));
        let text = line.repeat(200);
        let pieces = split(&text);
        assert!(pieces.len() > 1);
        assert_eq!(pieces.concat(), text);
        for p in &pieces {
            assert!(p.len() <= bosun_protocol::exec::MAX_CHUNK_BYTES);
            assert!(p.ends_with('\n'));
        }
        let huge = "é".repeat(10_000);
        assert_eq!(split(&huge).concat(), huge);
    }
}
