//! The apt scanner against the machine the tests run on: real `/var/lib/dpkg/status`, real
//! `apt-cache policy` and a real (simulated, lock-free, offline) `apt-get dist-upgrade`.
//! Nothing is installed. On a machine without dpkg and apt the tests say so and pass.

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use bosun_agent::patch::{self, apt, PackageManager, PatchError, ScanOptions, ScannedPackage};
use bosun_patch::{predefined, OperatingSystem, PackageDetails, PatchState, RejectedPatchesAction};
use time::OffsetDateTime;

fn apt_node() -> Option<patch::Node> {
    match patch::detect(Path::new("/")) {
        Ok(node) if node.manager == PackageManager::Apt => Some(node),
        other => {
            eprintln!("not an apt node ({other:?}); skipping");
            None
        }
    }
}

/// `name:arch` → version of every installed package, as dpkg-query lists them.
fn dpkg_query() -> HashMap<String, String> {
    let out = Command::new("dpkg-query")
        .args([
            "-W",
            "-f",
            "${db:Status-Status}\t${Package}:${Architecture}\t${Version}\n",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut f = l.split('\t');
            let (status, key, version) = (f.next()?, f.next()?, f.next()?);
            (status != "not-installed" && status != "config-files")
                .then(|| (key.to_owned(), version.to_owned()))
        })
        .collect()
}

async fn scan_all(node: &patch::Node) -> (Vec<ScannedPackage>, patch::ScanSummary) {
    let mut all = Vec::new();
    let summary = patch::scan(node, &ScanOptions::default(), &mut |p| all.push(p))
        .await
        .unwrap();
    (all, summary)
}

#[tokio::test]
async fn apt_scan_finds_every_installed_package() {
    let Some(node) = apt_node() else { return };
    let (all, summary) = scan_all(&node).await;
    assert_eq!(summary.skipped_lines, 0, "every output line was understood");
    assert_eq!(summary.packages, all.len());

    let dpkg_version = Command::new("dpkg-query")
        .args(["-W", "-f", "${Version}", "dpkg"])
        .output()
        .unwrap();
    let dpkg_version = String::from_utf8(dpkg_version.stdout).unwrap();
    let dpkg = all.iter().find(|p| p.info.name == "dpkg").unwrap();
    assert_eq!(
        dpkg.info.installed_version.as_deref(),
        Some(dpkg_version.as_str())
    );
    assert_eq!(dpkg.info.product.as_deref(), Some(node.os.product.as_str()));
    let PackageDetails::Apt(details) = &dpkg.info.details else {
        panic!("dpkg is a deb")
    };
    assert_eq!(details.priority.as_deref(), Some("required"));
    assert_eq!(details.section.as_deref(), Some("admin"));
    assert!(dpkg
        .installed_time
        .is_some_and(|t| t <= OffsetDateTime::now_utc()));

    // Exactly dpkg's installed packages, each once, at dpkg's version; plus the packages
    // the upgrade would install anew.
    let installed = dpkg_query();
    let mut seen = HashMap::new();
    for p in &all {
        let key = format!("{}:{}", p.info.name, p.info.arch);
        assert!(seen.insert(key.clone(), ()).is_none(), "{key} twice");
        match &p.info.installed_version {
            Some(v) => assert_eq!(Some(v), installed.get(&key), "{key}"),
            None => {
                assert!(!installed.contains_key(&key), "{key}");
                assert!(p.info.candidate_version.is_some(), "{key}");
            }
        }
    }
    let installed_scanned = all
        .iter()
        .filter(|p| p.info.installed_version.is_some())
        .count();
    assert_eq!(installed_scanned, installed.len());

    // Updates carry where they come from; security pockets are recognised.
    for p in all.iter().filter(|p| p.info.has_update()) {
        let PackageDetails::Apt(d) = &p.info.details else {
            panic!()
        };
        assert!(d.archive.is_some() && d.origin.is_some(), "{:?}", p.info);
        if d.label.as_deref() == Some("Debian-Security")
            || d.archive
                .as_deref()
                .is_some_and(|a| a.ends_with("-security"))
        {
            assert!(p.info.is_security(), "{:?}", p.info);
        }
    }
    eprintln!(
        "{}: {} packages, {} updates, {} security updates",
        node.os.product,
        summary.packages,
        summary.updates,
        all.iter()
            .filter(|p| p.info.has_update() && p.info.is_security())
            .count()
    );
}

#[tokio::test]
async fn apt_report_with_the_default_baseline() {
    let Some(node) = apt_node() else { return };
    let baseline = predefined::default_for(node.os.operating_system)
        .unwrap()
        .baseline;
    let today = OffsetDateTime::now_utc().date();
    let (report, summary) = patch::report(&node, &ScanOptions::default(), &baseline, today)
        .await
        .unwrap();
    let c = report.counts;
    let reported = c.installed
        + c.installed_other
        + c.installed_pending_reboot
        + c.installed_rejected
        + c.missing
        + c.failed
        + c.not_applicable;
    assert_eq!(reported as usize, report.items.len());
    // Every installed package is reported (the default baseline rejects nothing).
    let installed = dpkg_query().len();
    let installed_items = report
        .items
        .iter()
        .filter(|i| i.installed_version.is_some())
        .count();
    assert_eq!(installed_items, installed);
    // The default baseline approves security-pocket updates only.
    for item in &report.items {
        if item.state == PatchState::Missing {
            assert!(item.security, "{item:?}");
            assert_eq!(
                item.title,
                format!(
                    "{}.{}:{}",
                    item.name,
                    item.arch,
                    item.candidate_version.clone().unwrap()
                )
            );
        }
    }
    assert_eq!(
        c.security_non_compliant,
        c.missing + c.installed_pending_reboot
    );
    eprintln!("{:?} {summary:?}", report.counts);
}

#[tokio::test]
async fn apt_install_is_checked_against_blocked_dependencies() {
    let Some(node) = apt_node() else { return };
    let (all, _) = scan_all(&node).await;
    let baseline = predefined::default_for(OperatingSystem::Debian)
        .unwrap()
        .baseline;
    let today = OffsetDateTime::now_utc().date();
    let targets: Vec<_> = all
        .into_iter()
        .map(|p| p.judged(&baseline, today))
        .filter_map(|p| patch::install_target(&baseline, today, &p))
        .collect();
    let Some(first) = targets.first() else {
        eprintln!("no approved update on this machine; skipping");
        return;
    };
    let options = ScanOptions::default();
    // Simulated only: returns the real command when nothing blocked comes in.
    let command = apt::checked_install_command(std::slice::from_ref(first), &baseline, &options)
        .await
        .unwrap();
    assert_eq!(command, apt::install_command(std::slice::from_ref(first)));
    // Blocking the target itself refuses the install.
    let mut blocking = baseline.clone();
    blocking.rejected_patches = vec![first.name.clone()];
    blocking.rejected_patches_action = RejectedPatchesAction::Block;
    let err = apt::checked_install_command(std::slice::from_ref(first), &blocking, &options)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, PatchError::Blocked(names) if names.iter().any(|n| n.starts_with(&first.name))),
        "{err}"
    );
}
