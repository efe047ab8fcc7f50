//! Scans this node and evaluates the predefined `AWS-…` baseline of its operating system,
//! as a Scan operation would, then prints the counts, the missing patches and the
//! process's peak resident memory (`VmHWM` of `/proc/self/status`). Changes nothing.
//!
//! `cargo run -p bosun-agent --example patch_scan [-- --json] [-- --latest]`: `--json`
//! prints the whole report as the agent would send it; `--latest` passes
//! `--releasever=latest` to dnf (Amazon Linux 2023).

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use bosun_agent::patch::{self, ScanOptions};
use bosun_patch::{predefined, PatchState};
use time::OffsetDateTime;

fn vm_hwm_kib() -> Option<u64> {
    std::fs::read_to_string("/proc/self/status")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let json = args.iter().any(|a| a == "--json");
    let options = ScanOptions {
        releasever: args
            .iter()
            .any(|a| a == "--latest")
            .then(|| "latest".into()),
        ..ScanOptions::default()
    };
    let before = vm_hwm_kib();
    let node = patch::detect(Path::new("/"))?;
    let baseline = predefined::default_for(node.os.operating_system)
        .ok_or_else(|| format!("no predefined baseline for {:?}", node.os))?
        .baseline;
    let started = Instant::now();
    let (report, summary) =
        patch::report(&node, &options, &baseline, OffsetDateTime::now_utc().date()).await?;
    let elapsed = started.elapsed();
    // Written, not printed: a closed pipe (`| head`) is an error, not a panic.
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        for item in report
            .items
            .iter()
            .filter(|i| i.state == PatchState::Missing)
        {
            writeln!(
                out,
                "{:<8} {:<60} {:<10} {}",
                "MISSING", item.title, item.severity, item.cve_ids
            )?;
        }
    }
    drop(out);
    eprintln!(
        "{} ({:?}, {}): {summary:?} in {elapsed:.1?}",
        node.os.product, node.manager, baseline.name
    );
    eprintln!("{:?} → {:?}", report.counts, report.counts.status());
    eprintln!(
        "peak RSS (VmHWM): {} KiB before the scan, {} KiB after scan + report",
        before.map_or("?".into(), |k| k.to_string()),
        vm_hwm_kib().map_or("?".into(), |k| k.to_string())
    );
    Ok(())
}
