//! `aws:runPatchBaseline` steps: the node's patch scan, run inside the agent (the
//! package-manager commands it starts are killed when the step is abandoned: timeout,
//! cancel, or the agent stopping), its outcome written to the step's output.
//!
//! What is done so far: `Scan` with the baseline the server delivered with the step,
//! and the NotApplicable answer for nodes no baseline applies to. The scan's report
//! goes to the server on the step's `Report` stream ([`PatchReportLine`]s); the
//! human-readable summary on stdout. `Install` fails with a clear message until its
//! turn comes.

use super::executor::{now_ms, Emitter};
use super::journal::JournalError;
use crate::patch::{self, ScanOptions};
use bosun_patch::{PatchComplianceStatus, PatchReport, PatchState};
use bosun_protocol::exec::{
    Outcome, OutputChunk, PatchOperation, PatchReportHeader, PatchReportLine, PatchSnapshot,
    StepResult, StepSpec, Stream,
};
use std::fmt::Write as _;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// At most this many patches are listed one per line in the output (the counts cover
/// all of them).
const LISTED: usize = 500;

pub(super) async fn run<T: From<OutputChunk>>(
    index: u32,
    step: &StepSpec,
    emitter: &mut Emitter<'_, T>,
    cancel: &mut watch::Receiver<bool>,
) -> Result<StepResult, JournalError> {
    let started_at = now_ms();
    let done = |outcome: Outcome, exit_code: i32| StepResult {
        step: index,
        outcome,
        exit_code,
        started_at,
        ended_at: now_ms(),
    };
    let Some(spec) = step.patch.as_ref() else {
        emitter
            .emit(
                index,
                Stream::Stderr,
                "the step names aws:runPatchBaseline but carries no patch operation\n".into(),
            )
            .await?;
        return Ok(done(Outcome::Failed, 1));
    };
    let Some(snapshot) = spec.snapshot.as_ref() else {
        emitter
            .emit(
                index,
                Stream::Stdout,
                "No patch baseline applies to this node: its operating system is not one Bosun \
                 patches. Every patch is NotApplicable.\n"
                    .into(),
            )
            .await?;
        return Ok(done(Outcome::Success, 0));
    };
    if spec.operation == PatchOperation::Install {
        emitter
            .emit(
                index,
                Stream::Stderr,
                "Operation Install is not available in this version of bosun-agent yet; run \
                 Scan to see which approved patches are missing.\n"
                    .into(),
            )
            .await?;
        return Ok(done(Outcome::Failed, 1));
    }
    emitter
        .emit(index, Stream::Stdout, header(snapshot, &spec.snapshot_id))
        .await?;
    let began = Instant::now();
    let today = time::OffsetDateTime::now_utc().date();
    let work = async {
        let node = patch::detect(std::path::Path::new("/"))?;
        let (report, summary) =
            patch::report(&node, &ScanOptions::default(), &snapshot.baseline, today).await?;
        Ok::<_, patch::PatchError>((node, report, summary))
    };
    let deadline = tokio::time::sleep(Duration::from_secs(step.timeout_seconds.max(1)));
    tokio::pin!(work, deadline);
    let result = loop {
        tokio::select! {
            r = &mut work => break Some(r),
            () = &mut deadline => break None,
            changed = cancel.changed() => {
                if changed.is_err() || *cancel.borrow() {
                    emitter.emit(index, Stream::Stderr, "The scan was cancelled.\n".into()).await?;
                    return Ok(done(Outcome::Cancelled, -1));
                }
            }
        }
    };
    match result {
        None => {
            emitter
                .emit(
                    index,
                    Stream::Stderr,
                    format!(
                        "The scan did not finish within {} seconds.\n",
                        step.timeout_seconds
                    ),
                )
                .await?;
            Ok(done(Outcome::TimedOut, -1))
        }
        Some(Err(e)) => {
            emitter
                .emit(index, Stream::Stderr, format!("The scan failed: {e}\n"))
                .await?;
            Ok(done(Outcome::Failed, 1))
        }
        Some(Ok((node, report, summary))) => {
            let mut text = format!(
                "Scanned {} packages on {} ({} with updates) in {:.1} s.\n",
                summary.packages,
                node.os.product,
                summary.updates,
                began.elapsed().as_secs_f64()
            );
            text.push_str(&describe(&report));
            for piece in split(&text) {
                emitter.emit(index, Stream::Stdout, piece).await?;
            }
            let header = PatchReportHeader {
                operation: spec.operation,
                reboot_option: spec.reboot_option,
                baseline_id: snapshot.baseline_id.clone(),
                patch_group: snapshot.patch_group.clone(),
                snapshot_id: spec.snapshot_id.clone(),
                product: node.os.product.clone(),
                operation_start: started_at,
                operation_end: now_ms(),
            };
            for piece in split(&report_lines(header, report)) {
                emitter.emit(index, Stream::Report, piece).await?;
            }
            Ok(done(Outcome::Success, 0))
        }
    }
}

fn header(snapshot: &PatchSnapshot, snapshot_id: &str) -> String {
    let mut s = format!(
        "Operation Scan with patch baseline {} ({})",
        snapshot.baseline.name, snapshot.baseline_id
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
