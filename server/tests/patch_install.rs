//! Patch Manager's Install operation for real: the real `bosun-agent` binary (a child
//! process, `BOSUN_AGENT_BIN`) runs `AWS-RunPatchBaseline` with real apt and dpkg,
//! against the real server on SQLite and PostgreSQL — inside a sandbox, so this
//! machine's own packages are never touched.
//!
//! The sandbox ([`AptSandbox`]) is a directory with its own dpkg database, apt lists,
//! sources (a `file:` repository of small packages the test builds with `dpkg-deb`) and
//! `/run`, `/proc/stat`: `APT_CONFIG` points apt there, and `DPkg::Options`
//! (`--instdir`, `--admindir`) point dpkg there; the agent reads the node's files under
//! it (`--patch-root`, hidden). The test checks that the machine's
//! `/var/lib/dpkg/status` is unchanged.
//!
//! On a machine without dpkg-deb, dpkg-scanpackages and apt-get the tests say so and
//! pass (they are this Debian machine's; CI runs here).

mod common;

use aws_sdk_ssm::types::{
    InstancePatchState, OperatingSystem, PatchComplianceDataState, PatchComplianceLevel,
    PatchOperationType, RebootOption,
};
use bosun_core::testing::TestDb;
use bosun_core::types::Role;
use bosun_core::Actor;
use common::agent::{
    activation, register, run_agent, stop_agent, temp_dir, terminal, wait_command, wait_for,
    wait_online,
};
use common::TestServer;
use std::collections::HashMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One package of the sandbox's repository: `name` at `old` is installed, `new` is
/// offered.
struct Package {
    name: &'static str,
    old: &'static str,
    new: &'static str,
    /// The new version's `Depends:` line.
    depends: Option<&'static str>,
    /// The new version ships `/run/reboot-required` (as a kernel's postinst writes it).
    asks_reboot: bool,
}

const fn package(name: &'static str) -> Package {
    Package {
        name,
        old: "1.0",
        new: "1.1",
        depends: None,
        asks_reboot: false,
    }
}

struct AptSandbox {
    dir: PathBuf,
    root: PathBuf,
    apt_config: PathBuf,
}

fn have_tools() -> bool {
    ["dpkg-deb", "dpkg-scanpackages", "apt-get", "dpkg"]
        .iter()
        .all(|t| {
            Command::new("sh")
                .args(["-c", &format!("command -v {t}")])
                .output()
                .is_ok_and(|o| o.status.success())
        })
}

fn run(command: &mut Command) -> String {
    let out = command.output().expect("start a tool");
    assert!(
        out.status.success(),
        "{command:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn write(path: &Path, text: &str) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("mkdir");
    }
    std::fs::write(path, text).expect("write");
}

impl AptSandbox {
    /// Builds the packages, the repository (new versions only) and the sandbox, with
    /// the old versions installed, the lists fetched, and a boot an hour ago.
    fn new(packages: &[Package]) -> AptSandbox {
        let dir = temp_dir("apt-sandbox");
        let root = dir.join("root");
        let repo = dir.join("repo");
        for d in [
            "var/lib/dpkg/info",
            "var/lib/dpkg/updates",
            "var/lib/apt/lists/partial",
            "var/cache/apt/archives/partial",
            "var/log/apt",
            "etc/apt/apt.conf.d",
            "etc/apt/preferences.d",
            "etc/apt/sources.list.d",
            "run",
            "proc",
            "usr/bin",
        ] {
            std::fs::create_dir_all(root.join(d)).expect("mkdir");
        }
        std::fs::create_dir_all(&repo).expect("mkdir");
        write(&root.join("var/lib/dpkg/status"), "");
        write(&root.join("usr/bin/apt-get"), "");
        std::fs::copy("/etc/os-release", root.join("etc/os-release")).expect("os-release");
        let an_hour_ago = time::OffsetDateTime::now_utc().unix_timestamp() - 3600;
        write(
            &root.join("proc/stat"),
            &format!("cpu 0 0 0 0\nbtime {an_hour_ago}\n"),
        );

        let build = |name: &str, version: &str, depends: Option<&str>, reboot: bool| {
            let tree = dir.join("build").join(format!("{name}-{version}"));
            let mut control = format!(
                "Package: {name}\nVersion: {version}\nArchitecture: all\nMaintainer: Bosun tests \
                 <tests@example.com>\nSection: utils\nPriority: optional\n"
            );
            if let Some(d) = depends {
                control.push_str(&format!("Depends: {d}\n"));
            }
            control.push_str("Description: a package Bosun's tests install\n");
            write(&tree.join("DEBIAN/control"), &control);
            write(
                &tree.join(format!("usr/share/{name}/VERSION")),
                &format!("{version}\n"),
            );
            if reboot {
                write(
                    &tree.join("run/reboot-required"),
                    "*** System restart required ***\n",
                );
                write(&tree.join("run/reboot-required.pkgs"), &format!("{name}\n"));
            }
            let deb = dir.join("build").join(format!("{name}_{version}_all.deb"));
            run(Command::new("dpkg-deb")
                .arg("--build")
                .arg("--root-owner-group")
                .arg(&tree)
                .arg(&deb));
            deb
        };
        let mut installed = Vec::new();
        for p in packages {
            installed.push(build(p.name, p.old, None, false));
            let new = build(p.name, p.new, p.depends, p.asks_reboot);
            std::fs::copy(&new, repo.join(new.file_name().expect("name"))).expect("copy");
        }
        let index = run(Command::new("dpkg-scanpackages")
            .args(["-m", ".", "/dev/null"])
            .current_dir(&repo));
        write(&repo.join("Packages"), &index);
        write(
            &root.join("etc/apt/sources.list"),
            &format!("deb [trusted=yes] file:{} ./\n", repo.display()),
        );
        let r = root.display().to_string();
        let apt_config = dir.join("apt.conf");
        write(
            &apt_config,
            &format!(
                "Dir \"{r}/\";\nDir::State \"{r}/var/lib/apt/\";\nDir::State::status \
                 \"{r}/var/lib/dpkg/status\";\nDir::Cache \"{r}/var/cache/apt/\";\nDir::Etc \
                 \"{r}/etc/apt/\";\nDir::Log \"{r}/var/log/apt/\";\nDir::Bin::dpkg \
                 \"/usr/bin/dpkg\";\nDir::Bin::Methods \"/usr/lib/apt/methods/\";\n\
                 DPkg::Options {{ \"--instdir={r}\"; \"--admindir={r}/var/lib/dpkg\"; \
                 \"--force-not-root\"; \"--force-bad-path\"; }};\nAPT::Sandbox::User \"root\";\n\
                 Acquire::Languages \"none\";\n"
            ),
        );
        let sandbox = AptSandbox {
            dir,
            root,
            apt_config,
        };
        run(Command::new("dpkg")
            .arg(format!("--instdir={r}"))
            .arg(format!("--admindir={r}/var/lib/dpkg"))
            .arg("--force-not-root")
            .arg("-i")
            .args(&installed));
        run(sandbox.apt().arg("update"));
        sandbox
    }

    fn apt(&self) -> Command {
        let mut c = Command::new("apt-get");
        c.env("APT_CONFIG", &self.apt_config);
        c
    }

    /// The agent's environment: apt and the node's files in the sandbox, and a
    /// "reboot" that does what a reboot does to them (`/run` is emptied, the boot time
    /// moves) and leaves a mark.
    fn agent_env(&self) -> Vec<(&'static str, &OsStr)> {
        vec![
            ("APT_CONFIG", self.apt_config.as_os_str()),
            ("BOSUN_AGENT_PATCH_ROOT", self.root.as_os_str()),
        ]
    }

    fn reboot_command(&self) -> String {
        let r = self.root.display();
        format!(
            "rm -f {r}/run/reboot-required {r}/run/reboot-required.pkgs && echo \"btime $(date \
             +%s)\" > {r}/proc/stat && echo rebooted > {r}/rebooted"
        )
    }

    /// `name` → installed version, from the sandbox's dpkg database.
    fn versions(&self) -> HashMap<String, String> {
        let out = run(Command::new("dpkg-query")
            .arg(format!("--admindir={}/var/lib/dpkg", self.root.display()))
            .args(["-W", "-f", "${Package}\t${Version}\n"]));
        out.lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect()
    }
}

impl Drop for AptSandbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn machine_dpkg_status() -> Vec<u8> {
    std::fs::read("/var/lib/dpkg/status").unwrap_or_default()
}

/// A DEBIAN baseline approving (security or not) and rejecting exactly these packages,
/// made the default.
async fn debian_baseline(
    ssm: &aws_sdk_ssm::Client,
    approved: &[&str],
    rejected: &[&str],
) -> String {
    let id = ssm
        .create_patch_baseline()
        .name("sandbox-debian")
        .operating_system(OperatingSystem::Debian)
        .set_approved_patches(Some(approved.iter().map(|s| s.to_string()).collect()))
        .approved_patches_compliance_level(PatchComplianceLevel::High)
        // The sandbox's packages are not from a security pocket.
        .approved_patches_enable_non_security(true)
        .set_rejected_patches(Some(rejected.iter().map(|s| s.to_string()).collect()))
        .rejected_patches_action(aws_sdk_ssm::types::PatchAction::Block)
        .send()
        .await
        .expect("create baseline")
        .baseline_id()
        .expect("id")
        .to_string();
    ssm.register_default_patch_baseline()
        .baseline_id(&id)
        .send()
        .await
        .expect("register default");
    id
}

async fn send_install(ssm: &aws_sdk_ssm::Client, node: &str, reboot: &str) -> String {
    ssm.send_command()
        .document_name("AWS-RunPatchBaseline")
        .instance_ids(node)
        .parameters("Operation", vec!["Install".into()])
        .parameters("RebootOption", vec![reboot.into()])
        .send()
        .await
        .expect("send-command")
        .command()
        .and_then(|c| c.command_id())
        .expect("id")
        .to_string()
}

async fn output(ssm: &aws_sdk_ssm::Client, command: &str, node: &str) -> (String, String) {
    let inv = ssm
        .get_command_invocation()
        .command_id(command)
        .instance_id(node)
        .send()
        .await
        .expect("get-command-invocation");
    (
        inv.standard_output_content().unwrap_or_default().to_owned(),
        inv.standard_error_content().unwrap_or_default().to_owned(),
    )
}

async fn patch_state(ssm: &aws_sdk_ssm::Client, node: &str) -> InstancePatchState {
    ssm.describe_instance_patch_states()
        .instance_ids(node)
        .send()
        .await
        .expect("describe-instance-patch-states")
        .instance_patch_states()
        .first()
        .cloned()
        .expect("a patch state")
}

/// `name` → reported state, from DescribeInstancePatches.
async fn patch_states(ssm: &aws_sdk_ssm::Client, node: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut pages = ssm
        .describe_instance_patches()
        .instance_id(node)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        for p in page.expect("describe-instance-patches").patches() {
            let name = p.kb_id().split('.').next().unwrap_or_default().to_owned();
            out.insert(name, p.state().as_str().to_owned());
        }
    }
    out
}

#[tokio::test]
async fn install_upgrades_only_approved_packages_and_reports_what_failed() {
    if !have_tools() {
        eprintln!("no dpkg-deb, dpkg-scanpackages or apt-get here; skipping");
        return;
    }
    let machine_before = machine_dpkg_status();
    for db in TestDb::all().await {
        let srv = TestServer::start(db).await;
        let key = srv.user_with_key("ops", Role::Operator).await;
        let ssm = srv.ssm(&key.access_key_id, &key.secret_access_key);
        let sandbox = AptSandbox::new(&[
            package("bosun-demo"),
            Package {
                asks_reboot: true,
                ..package("bosun-kern")
            },
            package("bosun-extra"),
            package("bosun-lib"),
            Package {
                depends: Some("bosun-lib (>= 1.1)"),
                ..package("bosun-app")
            },
        ]);
        let baseline = debian_baseline(
            &ssm,
            &["bosun-demo", "bosun-kern", "bosun-app"],
            &["bosun-lib"],
        )
        .await;
        let a = activation(&srv).await;
        let state_dir = sandbox.dir.join("state");
        let node = register(&srv, &a, &state_dir).await;
        let mut agent = run_agent(&state_dir, &sandbox.agent_env());
        wait_online(&srv, &node).await;

        let id = send_install(&ssm, &node, "NoReboot").await;
        let done = wait_command(&srv, &id, terminal).await;
        let (stdout, stderr) = output(&ssm, &id, &node).await;
        // bosun-app needs a bosun-lib the baseline blocks: it is left out and FAILED,
        // so the command fails; everything else approved is installed.
        assert_eq!(done.status, "Failed", "{stdout}\n{stderr}");
        let versions = sandbox.versions();
        for (name, version) in [
            ("bosun-demo", "1.1"),
            ("bosun-kern", "1.1"),
            ("bosun-extra", "1.0"),
            ("bosun-lib", "1.0"),
            ("bosun-app", "1.0"),
        ] {
            assert_eq!(versions[name], version, "{name}: {stdout}\n{stderr}");
        }
        assert!(
            stdout.contains("3 approved patches to install")
                && stdout.contains("Running: apt-get install")
                && stdout.contains("Unpacking bosun-kern (1.1)")
                && stdout.contains("Installed 2 of 3 approved patches."),
            "{stdout}"
        );
        assert!(
            stderr.contains("Leaving out bosun-app:all 1.1")
                && stderr.contains("bosun-lib")
                && stderr.contains("1 approved patch did not install: bosun-app:all."),
            "{stderr}"
        );

        let state = patch_state(&ssm, &node).await;
        assert_eq!(state.baseline_id(), baseline);
        assert_eq!(state.operation(), &PatchOperationType::Install);
        assert_eq!(state.reboot_option(), Some(&RebootOption::NoReboot));
        assert_eq!(
            state
                .last_no_reboot_install_operation_time()
                .map(|t| t.secs()),
            Some(state.operation_end_time().secs()),
            "LastNoRebootInstallOperationTime"
        );
        // bosun-kern asked for a reboot that NoReboot did not do: both upgrades wait.
        assert_eq!(state.installed_pending_reboot_count(), Some(2));
        assert_eq!(state.failed_count(), 1);
        assert_eq!(state.installed_rejected_count(), Some(1));
        assert_eq!(state.missing_count(), 0);
        let states = patch_states(&ssm, &node).await;
        assert_eq!(
            states["bosun-demo"], "INSTALLED_PENDING_REBOOT",
            "{states:?}"
        );
        assert_eq!(
            states["bosun-kern"], "INSTALLED_PENDING_REBOOT",
            "{states:?}"
        );
        assert_eq!(states["bosun-app"], "FAILED", "{states:?}");
        assert_eq!(states["bosun-lib"], "INSTALLED_REJECTED", "{states:?}");
        assert_eq!(states["bosun-extra"], "INSTALLED_OTHER", "{states:?}");
        let failed = ssm
            .describe_instance_patches()
            .instance_id(&node)
            .filters(
                aws_sdk_ssm::types::PatchOrchestratorFilter::builder()
                    .key("State")
                    .values("Failed")
                    .build(),
            )
            .send()
            .await
            .expect("failed patches");
        assert_eq!(failed.patches().len(), 1);
        assert_eq!(
            failed.patches()[0].state(),
            &PatchComplianceDataState::Failed
        );

        // A later Scan keeps LastNoRebootInstallOperationTime.
        let last = state
            .last_no_reboot_install_operation_time()
            .map(|t| t.secs());
        let scan = ssm
            .send_command()
            .document_name("AWS-RunPatchBaseline")
            .instance_ids(&node)
            .parameters("Operation", vec!["Scan".into()])
            .send()
            .await
            .expect("send scan")
            .command()
            .and_then(|c| c.command_id())
            .expect("id")
            .to_string();
        wait_command(&srv, &scan, terminal).await;
        let after = patch_state(&ssm, &node).await;
        assert_eq!(after.operation(), &PatchOperationType::Scan);
        assert_eq!(
            after
                .last_no_reboot_install_operation_time()
                .map(|t| t.secs()),
            last
        );

        stop_agent(&mut agent).await;
        srv.stop().await;
    }
    assert!(
        machine_dpkg_status() == machine_before,
        "the machine's own dpkg database changed"
    );
}

#[tokio::test]
async fn install_reboots_when_needed_and_the_command_ends_after_the_agent_is_back() {
    if !have_tools() {
        eprintln!("no dpkg-deb, dpkg-scanpackages or apt-get here; skipping");
        return;
    }
    let machine_before = machine_dpkg_status();
    for db in TestDb::all().await {
        let srv = TestServer::start(db).await;
        let key = srv.user_with_key("ops", Role::Operator).await;
        let ssm = srv.ssm(&key.access_key_id, &key.secret_access_key);
        let sandbox = AptSandbox::new(&[
            package("bosun-demo"),
            Package {
                asks_reboot: true,
                ..package("bosun-kern")
            },
        ]);
        debian_baseline(&ssm, &["bosun-demo", "bosun-kern"], &[]).await;
        let a = activation(&srv).await;
        let state_dir = sandbox.dir.join("state");
        let node = register(&srv, &a, &state_dir).await;
        let reboot = sandbox.reboot_command();
        let mut env = sandbox.agent_env();
        env.push(("BOSUN_AGENT_REBOOT_COMMAND", OsStr::new(&reboot)));
        let mut agent = run_agent(&state_dir, &env);
        wait_online(&srv, &node).await;

        let id = send_install(&ssm, &node, "RebootIfNeeded").await;
        let mark = sandbox.root.join("rebooted");
        wait_for("the agent ran the reboot command", || mark.exists()).await;
        // The node "goes down": systemd stops the agent (SIGTERM). The invocation is
        // not finished by that; the server keeps it in progress.
        stop_agent(&mut agent).await;
        let during = bosun_core::commands::get_invocation(&srv.core, &Actor::cli(), &id, &node)
            .await
            .expect("invocation");
        assert_eq!(during.status, "InProgress", "{during:?}");
        assert_eq!(sandbox.versions()["bosun-kern"], "1.1");

        // The node is back: the same agent starts on the same state directory.
        let mut agent = run_agent(&state_dir, &env);
        let done = wait_command(&srv, &id, terminal).await;
        let (stdout, stderr) = output(&ssm, &id, &node).await;
        assert_eq!(done.status, "Success", "{stdout}\n{stderr}");
        assert!(
            stdout.contains("Installed 2 of 2 approved patches.")
                && stdout.contains("rebooting the node (exit code 3010)")
                && stdout.contains("asked by bosun-kern")
                && stdout.contains("The node rebooted")
                && stdout.contains("Before the reboot the install upgraded 2 patches."),
            "{stdout}"
        );
        // Once, in order: the install's output before the reboot, the rescan after.
        assert_eq!(
            stdout.matches("Running: apt-get install").count(),
            1,
            "{stdout}"
        );
        assert!(
            stdout.find("rebooting the node") < stdout.find("The node rebooted"),
            "{stdout}"
        );
        println!(
            "{}: the install's output, across the reboot:\n{stdout}",
            srv.core.db().backend().as_str()
        );
        let state = patch_state(&ssm, &node).await;
        assert_eq!(state.operation(), &PatchOperationType::Install);
        assert_eq!(state.reboot_option(), Some(&RebootOption::RebootIfNeeded));
        assert_eq!(state.last_no_reboot_install_operation_time(), None);
        assert_eq!(state.installed_count(), 2);
        assert_eq!(state.installed_pending_reboot_count(), Some(0));
        assert_eq!(state.missing_count(), 0);
        let states = patch_states(&ssm, &node).await;
        assert_eq!(states["bosun-kern"], "INSTALLED", "{states:?}");
        assert_eq!(states["bosun-demo"], "INSTALLED", "{states:?}");
        // The operation spans the reboot.
        let start = state.operation_start_time().secs();
        let end = state.operation_end_time().secs();
        assert!(end >= start, "{start} .. {end}");

        stop_agent(&mut agent).await;
        srv.stop().await;
    }
    assert!(
        machine_dpkg_status() == machine_before,
        "the machine's own dpkg database changed"
    );
}
