//! `cargo xtask`: builds and tests Bosun without cargo-leptos.
//!
//! - `build [--release]`: the wasm bundle (frontend, `hydrate`), wasm-bindgen through
//!   the `wasm-bindgen-cli-support` crate (the same version as the `wasm-bindgen`
//!   library, one Cargo.lock), the site folder `<target>/site/<profile>`
//!   (`pkg/bosun{.js,_bg.wasm,.css}` + `public/`), then the server (`ssr`), whose build
//!   script embeds that folder.
//! - `run [--release] [-- ARGS]`: build, then `bosun serve ARGS` on SQLite in ./bosun-data.
//! - `watch`: build, serve with `--site-dir`, and rebuild/restart on changes.
//! - `test`: everything CI checks — fmt, clippy (both feature sets), unit and
//!   integration tests on SQLite and PostgreSQL, the wasm build, Playwright in Chromium.
//! - `e2e [PLAYWRIGHT ARGS]`: build, then only the Playwright tests (all, or those the
//!   arguments select: a spec file, `-g <title>`…), without the rest of `test`.
//! - `bench`: SSR latency and throughput of a signed-in page, and the bundle size.
//!
//! `frontend` and `server` are built in separate cargo invocations: one invocation
//! would unify `app`'s `ssr` and `hydrate` features.

use anyhow::{bail, Context, Result};
use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

const WASM_TARGET: &str = "wasm32-unknown-unknown";
const OUTPUT_NAME: &str = "bosun";

fn main() {
    if let Err(e) = run() {
        eprintln!("xtask: error: {e:#}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let release = args.iter().any(|a| a == "--release");
    let passthrough: Vec<String> = args
        .iter()
        .skip_while(|a| *a != "--")
        .skip(1)
        .cloned()
        .collect();
    match args.first().map(String::as_str) {
        Some("build") => build(release).map(|_| ()),
        Some("run") => run_server(release, &passthrough),
        Some("watch") => watch(),
        Some("test") => test(),
        Some("e2e") => e2e(&args[1..]),
        Some("bench") => bench(),
        _ => {
            eprintln!(
                "usage: cargo xtask <command>\n\n  build [--release]      wasm bundle + site + server (assets embedded) + agent\n  run [--release] [-- ARGS]  build and start `bosun serve ARGS` at http://127.0.0.1:8080\n  watch                  rebuild and restart on changes\n  test                   the whole suite CI runs\n  e2e [ARGS]             build, then Playwright only (ARGS go to `playwright test`: a spec, -g TITLE)\n  bench                  bundle size, SSR latency/throughput, agent idle cost, server memory per agent, Run Command fan-out, Parameter Store"
            );
            std::process::exit(2);
        }
    }
}

fn workspace() -> PathBuf {
    // xtask lives in <workspace>/xtask. `cargo run` sets CARGO_MANIFEST_DIR for the
    // process too: prefer it, since a shared target dir may hold an xtask built from
    // another checkout of the same sources (cargo then reuses it, baked path and all).
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) => {
            let d = PathBuf::from(d);
            if d.is_absolute() {
                d
            } else {
                workspace().join(d)
            }
        }
        None => workspace().join("target"),
    }
}

fn site_dir(release: bool) -> PathBuf {
    target_dir()
        .join("site")
        .join(if release { "release" } else { "debug" })
}

fn server_binary(release: bool) -> PathBuf {
    target_dir()
        .join(if release { "release" } else { "debug" })
        .join("bosun")
}

fn step(name: &str) {
    println!("\n\x1b[1m==> {name}\x1b[0m");
    let _ = std::io::stdout().flush();
}

fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(workspace());
    c
}

fn status(cmd: &mut Command) -> Result<()> {
    let shown = format!("{cmd:?}");
    let st = cmd
        .status()
        .with_context(|| format!("cannot start {shown}"))?;
    if !st.success() {
        bail!("failed ({st}): {shown}");
    }
    Ok(())
}

fn have(program: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program} >/dev/null 2>&1"))
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn ensure_wasm_target() -> Result<()> {
    let out = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output();
    match out {
        Ok(o)
            if String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.trim() == WASM_TARGET) =>
        {
            Ok(())
        }
        Ok(_) => status(Command::new("rustup").args(["target", "add", WASM_TARGET])),
        Err(_) => {
            bail!("rustup is not available; install the {WASM_TARGET} target for your toolchain")
        }
    }
}

/// Builds the wasm bundle into the site folder. Returns the site folder.
fn build_site(release: bool) -> Result<PathBuf> {
    ensure_wasm_target()?;
    step(&format!(
        "wasm bundle ({})",
        if release { "wasm-release" } else { "dev" }
    ));
    let mut cmd = cargo();
    cmd.args(["build", "-p", "frontend", "--lib", "--target", WASM_TARGET]);
    if release {
        cmd.args(["--profile", "wasm-release"]);
    }
    status(&mut cmd)?;
    let profile_dir = if release { "wasm-release" } else { "debug" };
    let wasm = target_dir()
        .join(WASM_TARGET)
        .join(profile_dir)
        .join("frontend.wasm");
    let site = site_dir(release);
    let pkg = site.join("pkg");
    std::fs::create_dir_all(&pkg)?;
    step("wasm-bindgen");
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&wasm)
        .out_name(OUTPUT_NAME)
        .web(true)?
        .typescript(false)
        .generate(&pkg)
        .with_context(|| format!("wasm-bindgen on {}", wasm.display()))?;
    copy_assets(&site)?;
    Ok(site)
}

/// Copies style/ and public/ into the site (cheap; the watch loop calls it alone).
fn copy_assets(site: &Path) -> Result<()> {
    let ws = workspace();
    std::fs::create_dir_all(site.join("pkg"))?;
    std::fs::copy(
        ws.join("style/main.css"),
        site.join("pkg").join(format!("{OUTPUT_NAME}.css")),
    )
    .context("copying style/main.css")?;
    copy_dir(&ws.join("public"), site)?;
    Ok(())
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    if !from.is_dir() {
        return Ok(());
    }
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let dest = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            std::fs::create_dir_all(&dest)?;
            copy_dir(&entry.path(), &dest)?;
        } else {
            std::fs::copy(entry.path(), dest)?;
        }
    }
    Ok(())
}

/// Builds the server; its build script embeds `site` (the default site folder of the
/// profile, so plain `cargo build`/`cargo test` embed the same bundle without churn).
fn build_server(release: bool, site: &Path) -> Result<PathBuf> {
    step(&format!(
        "server ({}, embedding {})",
        if release { "release" } else { "debug" },
        site.display()
    ));
    let mut cmd = cargo();
    cmd.args(["build", "-p", "bosun-server", "--bin", "bosun"])
        .env_remove("BOSUN_SITE_DIR");
    if release {
        cmd.arg("--release");
    }
    status(&mut cmd)?;
    Ok(server_binary(release))
}

/// Builds bosun-agent next to bosun, where the server finds the binary that
/// `/agent/install.sh` installs.
fn build_agent(release: bool) -> Result<PathBuf> {
    step(&format!(
        "agent ({})",
        if release { "release" } else { "debug" }
    ));
    let mut cmd = cargo();
    cmd.args(["build", "-p", "bosun-agent", "--bin", "bosun-agent"]);
    if release {
        cmd.arg("--release");
    }
    status(&mut cmd)?;
    Ok(target_dir()
        .join(if release { "release" } else { "debug" })
        .join("bosun-agent"))
}

fn build(release: bool) -> Result<PathBuf> {
    let site = build_site(release)?;
    let bin = build_server(release, &site)?;
    let agent = build_agent(release)?;
    println!("built {} and {}", bin.display(), agent.display());
    Ok(bin)
}

fn run_server(release: bool, args: &[String]) -> Result<()> {
    let bin = build(release)?;
    step("bosun serve");
    println!("Open http://127.0.0.1:8080 (or the --listen address). On first start the admin password is printed below.");
    let mut cmd = Command::new(bin);
    cmd.arg("serve").args(args).current_dir(workspace());
    status(&mut cmd)
}

fn newest_mtime(dirs: &[PathBuf]) -> SystemTime {
    fn walk(p: &Path, best: &mut SystemTime) {
        if let Ok(meta) = std::fs::metadata(p) {
            if meta.is_dir() {
                if let Ok(rd) = std::fs::read_dir(p) {
                    for e in rd.flatten() {
                        walk(&e.path(), best);
                    }
                }
            } else if let Ok(m) = meta.modified() {
                if m > *best {
                    *best = m;
                }
            }
        }
    }
    let mut best = SystemTime::UNIX_EPOCH;
    for d in dirs {
        walk(d, &mut best);
    }
    best
}

/// Rebuilds and restarts on changes: style/public are copied in place (reload the
/// page); Rust changes rebuild the bundle and the server.
fn watch() -> Result<()> {
    let ws = workspace();
    let rust_dirs = vec![
        ws.join("app"),
        ws.join("frontend"),
        ws.join("server"),
        ws.join("migrations"),
    ];
    let asset_dirs = vec![ws.join("style"), ws.join("public")];
    let site = build_site(false)?;
    let bin = build_server(false, &site)?;
    let start = |bin: &Path| -> Result<Child> {
        Command::new(bin)
            .args(["serve", "--site-dir"])
            .arg(&site)
            .current_dir(&ws)
            .spawn()
            .context("starting bosun")
    };
    let mut child = start(&bin)?;
    let mut rust_seen = newest_mtime(&rust_dirs);
    let mut assets_seen = newest_mtime(&asset_dirs);
    println!("watching app/, frontend/, server/, migrations/, style/, public/ — Ctrl-C to stop");
    loop {
        std::thread::sleep(Duration::from_millis(700));
        let assets_now = newest_mtime(&asset_dirs);
        if assets_now > assets_seen {
            assets_seen = assets_now;
            if let Err(e) = copy_assets(&site) {
                eprintln!("copy failed: {e:#}");
            } else {
                println!("assets updated — reload the page");
            }
        }
        let rust_now = newest_mtime(&rust_dirs);
        if rust_now > rust_seen {
            rust_seen = rust_now;
            match build_site(false).and_then(|s| build_server(false, &s)) {
                Ok(bin) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    child = start(&bin)?;
                }
                Err(e) => eprintln!("build failed (server left running): {e:#}"),
            }
        }
    }
}

// ---------------------------------------------------------------- tests

/// A throwaway PostgreSQL cluster for the test run (unless BOSUN_TEST_DATABASE_URL
/// names one). Stopped on drop.
struct Postgres {
    dir: PathBuf,
    bin: PathBuf,
    as_postgres_user: bool,
}

fn postgres_bin() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|p| p.join("initdb").is_file())
        .collect();
    versions.sort();
    versions.pop()
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl Postgres {
    fn start() -> Result<(Postgres, String)> {
        let bin = match postgres_bin() {
            Some(b) => b,
            None if is_root() => {
                apt_install(&["postgresql"])?;
                postgres_bin().context("postgresql installed but initdb not found under /usr/lib/postgresql")?
            }
            None => bail!("PostgreSQL is missing: install it (Debian: apt-get install postgresql) or set BOSUN_TEST_DATABASE_URL"),
        };
        let as_postgres_user = is_root();
        let dir = std::env::temp_dir().join(format!("bosun-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        if as_postgres_user {
            status(Command::new("chown").arg("postgres:postgres").arg(&dir))?;
        }
        let port = free_port()?;
        let data = dir.join("data");
        let pg = Postgres {
            dir: dir.clone(),
            bin: bin.clone(),
            as_postgres_user,
        };
        status(
            pg.cmd(
                "initdb",
                &[
                    "-D",
                    &data.to_string_lossy(),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--no-sync",
                ],
            )
            .stdout(Stdio::null()),
        )?;
        let opts = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300",
            dir.display()
        );
        status(
            pg.cmd(
                "pg_ctl",
                &[
                    "-D",
                    &data.to_string_lossy(),
                    "-l",
                    &dir.join("log").to_string_lossy(),
                    "-o",
                    &opts,
                    "-w",
                    "start",
                ],
            )
            .stdout(Stdio::null()),
        )?;
        Ok((pg, format!("postgres://postgres@127.0.0.1:{port}/postgres")))
    }

    fn cmd(&self, program: &str, args: &[&str]) -> Command {
        let exe = self.bin.join(program);
        if self.as_postgres_user {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(exe).args(args);
            c
        } else {
            let mut c = Command::new(exe);
            c.args(args);
            c
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = self
            .cmd(
                "pg_ctl",
                &["-D", &data.to_string_lossy(), "-m", "immediate", "stop"],
            )
            .stdout(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn apt_install(packages: &[&str]) -> Result<()> {
    step(&format!("apt-get install {}", packages.join(" ")));
    status(Command::new("apt-get").arg("update").stdout(Stdio::null()))?;
    status(
        Command::new("apt-get")
            .args(["install", "-y", "--no-install-recommends"])
            .args(packages)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdout(Stdio::null()),
    )
}

fn ensure_chromium() -> Result<String> {
    for p in ["/usr/bin/chromium", "/usr/bin/chromium-browser"] {
        if Path::new(p).is_file() {
            return Ok(p.to_string());
        }
    }
    if is_root() {
        apt_install(&["chromium"])?;
        return Ok("/usr/bin/chromium".into());
    }
    bail!("Chromium is missing: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH")
}

fn test() -> Result<()> {
    let started = Instant::now();
    // Check prerequisites first, so a missing tool is reported before a long build.
    step("prerequisites");
    ensure_wasm_target()?;
    if !have("npm") {
        bail!("npm is missing: install Node.js 20+ and npm");
    }
    let chromium = match std::env::var("CHROMIUM_PATH") {
        Ok(p) => p,
        Err(_) => ensure_chromium()?,
    };
    let (_pg, pg_url) = match std::env::var("BOSUN_TEST_DATABASE_URL") {
        Ok(url) => (None, url),
        Err(_) => {
            step("PostgreSQL (throwaway cluster)");
            let (pg, url) = Postgres::start()?;
            println!("PostgreSQL at {url}");
            (Some(pg), url)
        }
    };

    step("cargo fmt --check");
    status(cargo().args(["fmt", "--all", "--", "--check"]))?;

    step("clippy (server side: ssr)");
    status(cargo().args([
        "clippy",
        "-p",
        "bosun-core",
        "-p",
        "bosun-server",
        "-p",
        "bosun-agent",
        "-p",
        "bosun-protocol",
        "-p",
        "bosun-patch",
        "-p",
        "xtask",
        "-p",
        "app",
        "--features",
        "app/ssr",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    step("clippy (browser side: hydrate, wasm32)");
    status(cargo().args([
        "clippy",
        "-p",
        "frontend",
        "--target",
        WASM_TARGET,
        "--",
        "-D",
        "warnings",
    ]))?;

    step("the agent links neither leptos nor sqlx");
    let tree = cargo()
        .args([
            "tree",
            "-p",
            "bosun-agent",
            "-e",
            "normal",
            "--prefix",
            "none",
        ])
        .output()
        .context("cargo tree")?;
    let tree = String::from_utf8_lossy(&tree.stdout);
    if let Some(bad) = tree
        .lines()
        .find(|l| l.starts_with("leptos") || l.starts_with("sqlx") || l.starts_with("bosun-core"))
    {
        bail!("bosun-agent depends on {bad}");
    }

    // Integration tests install and run the real agent binary.
    let agent_bin = build_agent(false)?;

    step("unit and integration tests (SQLite and PostgreSQL)");
    status(
        cargo()
            .args([
                "test",
                "-p",
                "bosun-core",
                "-p",
                "bosun-server",
                "-p",
                "bosun-agent",
                "-p",
                "bosun-protocol",
                "-p",
                "bosun-patch",
                "-p",
                "app",
                "--features",
                "app/ssr",
            ])
            .env("BOSUN_TEST_DATABASE_URL", &pg_url)
            .env("BOSUN_AGENT_BIN", &agent_bin),
    )?;

    let bin = build(false)?;

    playwright(&bin, &agent_bin, &chromium, &[], Some(&pg_url))?;

    println!("\nAll checks passed in {:.0?}.", started.elapsed());
    Ok(())
}

/// Runs `npx playwright test ARGS` in end2end/ against `bin` (installing the locked npm
/// packages first when they are missing).
fn playwright(
    bin: &Path,
    agent_bin: &Path,
    chromium: &str,
    args: &[String],
    pg_url: Option<&str>,
) -> Result<()> {
    step("Playwright (Chromium)");
    let e2e = workspace().join("end2end");
    if !e2e.join("node_modules/@playwright/test").is_dir() {
        status(
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&e2e),
        )?;
    }
    let mut cmd = Command::new("npx");
    cmd.args(["playwright", "test"])
        .args(args)
        .current_dir(&e2e)
        .env("BOSUN_BIN", bin)
        .env("BOSUN_AGENT_BIN", agent_bin)
        .env("CHROMIUM_PATH", chromium);
    if let Some(url) = pg_url {
        cmd.env("BOSUN_TEST_DATABASE_URL", url);
    }
    status(&mut cmd)
}

/// `cargo xtask e2e [ARGS]`: the debug build (wasm bundle, server, agent), then the
/// Playwright tests ARGS select (`tests/patch.spec.ts`, `-g 'viewer'`; all without).
fn e2e(args: &[String]) -> Result<()> {
    let started = Instant::now();
    if !have("npm") {
        bail!("npm is missing: install Node.js 20+ and npm");
    }
    let chromium = match std::env::var("CHROMIUM_PATH") {
        Ok(p) => p,
        Err(_) => ensure_chromium()?,
    };
    let bin = build(false)?;
    let agent_bin = target_dir().join("debug").join("bosun-agent");
    playwright(&bin, &agent_bin, &chromium, args, None)?;
    println!("\nPlaywright passed in {:.0?}.", started.elapsed());
    Ok(())
}

// ---------------------------------------------------------------- bench

fn bench() -> Result<()> {
    let bin = build(true)?;
    step("bundle size (release)");
    let pkg = site_dir(true).join("pkg");
    for name in [
        format!("{OUTPUT_NAME}_bg.wasm"),
        format!("{OUTPUT_NAME}.js"),
        format!("{OUTPUT_NAME}.css"),
    ] {
        let bytes = std::fs::read(pkg.join(&name)).with_context(|| format!("reading {name}"))?;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&bytes)?;
        let gz = gz.finish()?;
        println!(
            "{name:<20} raw {:>9} B   gzip {:>9} B",
            bytes.len(),
            gz.len()
        );
    }
    step("SSR load (wrk, 8 connections, signed-in page)");
    let script = workspace().join("benches/console_ssr.sh");
    status(Command::new("bash").arg(script).env("BOSUN_BIN", &bin))?;

    step("agents: idle cost, server memory per connected agent (bosun-swarm)");
    status(cargo().args([
        "build",
        "--release",
        "-p",
        "bosun-agent",
        "--bin",
        "bosun-swarm",
    ]))?;
    let release = target_dir().join("release");
    status(
        Command::new("bash")
            .arg(workspace().join("benches/agents.sh"))
            .env("BOSUN_BIN", &bin)
            .env("AGENT_BIN", release.join("bosun-agent"))
            .env("SWARM_BIN", release.join("bosun-swarm")),
    )?;

    step("Run Command fan-out: SendCommand to all terminal (1,000 and 10,000 simulated agents, 100 real agents)");
    status(
        Command::new("bash")
            .arg(workspace().join("benches/fanout.sh"))
            .env("BOSUN_BIN", &bin)
            .env("AGENT_BIN", release.join("bosun-agent"))
            .env("SWARM_BIN", release.join("bosun-swarm")),
    )?;

    step("Parameter Store through the API (8 connections, SigV4): GetParameter, GetParametersByPath, PutParameter");
    status(cargo().args(["bench", "-p", "bosun-server", "--bench", "parameters"]))
}
