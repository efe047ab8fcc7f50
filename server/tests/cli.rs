//! The `bosun` binary as operators use it: first start prints the admin password, the
//! admin CLI works on the same data dir, and a key from `access-key create --json`
//! signs requests the server accepts.

use aws_sdk_ssm::config::{BehaviorVersion, Credentials, Region};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_bosun");

fn data_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "bosun-cli-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4()
    ));
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

fn bosun(dir: &std::path::Path, args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .env_remove("DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn bosun");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().expect("wait");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `bosun serve` on port 0; returns the process, its URL and its stdout lines so far.
fn serve(dir: &std::path::Path) -> (Server, String, Vec<String>) {
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .env_remove("DATABASE_URL")
        .env_remove("BOSUN_ADMIN_PASSWORD")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = Vec::new();
    let mut url = String::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("line");
        if let Some(u) = line.strip_prefix("Bosun is listening on ") {
            url = u.trim().to_string();
            lines.push(line);
            break;
        }
        lines.push(line);
    }
    assert!(!url.is_empty(), "no listening line: {lines:?}");
    (Server(child), url, lines)
}

#[tokio::test]
async fn first_start_admin_cli_and_access_key_round_trip() {
    let dir = data_dir();
    let (server, url, lines) = serve(&dir);
    let password_line = lines
        .iter()
        .find(|l| l.contains("password"))
        .expect("first start prints the admin password");
    assert!(password_line.contains("user admin"), "{password_line}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&dir).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "data dir is private");
    }

    let (ok, out, err) = bosun(
        &dir,
        &["user", "add", "carol", "--role", "operator"],
        Some("carol's long password\n"),
    );
    assert!(ok, "{out}{err}");
    let (ok, _, err) = bosun(
        &dir,
        &["user", "add", "dave", "--role", "root"],
        Some("x\n"),
    );
    assert!(!ok && err.contains("unknown role"), "{err}");
    let (ok, _, err) = bosun(
        &dir,
        &["user", "add", "erin", "--role", "viewer"],
        Some("short\n"),
    );
    assert!(!ok && err.contains("at least 12"), "{err}");

    let (ok, out, _) = bosun(
        &dir,
        &["access-key", "create", "--user", "carol", "--json"],
        None,
    );
    assert!(ok, "{out}");
    let key: serde_json::Value =
        serde_json::from_str(out.trim()).expect("JSON on stdout, nothing else");
    let (id, secret) = (
        key["AccessKeyId"].as_str().expect("id"),
        key["SecretAccessKey"].as_str().expect("secret"),
    );

    let (ok, out, _) = bosun(&dir, &["user", "list"], None);
    assert!(
        ok && out.contains("carol") && out.contains("operator") && out.contains("admin"),
        "{out}"
    );

    let config = aws_sdk_ssm::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(id, secret, None, None, "cli"))
        .endpoint_url(&url)
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .build();
    let ssm = aws_sdk_ssm::Client::from_conf(config);
    let s = ssm
        .get_service_setting()
        .setting_id("/ssm/managed-instance/activation-tier")
        .send()
        .await
        .expect("signed by a CLI key");
    assert_eq!(
        s.service_setting().and_then(|s| s.setting_value()),
        Some("standard")
    );

    let (ok, out, _) = bosun(
        &dir,
        &["user", "set-password", "carol"],
        Some("carol's new long password\n"),
    );
    assert!(ok, "{out}");
    let (ok, out, _) = bosun(&dir, &["user", "disable", "carol"], None);
    assert!(ok, "{out}");
    // The CLI is another process: the server sees the change once the key it resolved
    // for the previous request expires from its cache (KEY_CACHE_TTL).
    let deadline = std::time::Instant::now()
        + bosun_core::accounts::KEY_CACHE_TTL
        + std::time::Duration::from_secs(2);
    let e = loop {
        match ssm
            .get_service_setting()
            .setting_id("/ssm/managed-instance/activation-tier")
            .send()
            .await
        {
            Err(e) => break e,
            Ok(_) => {
                assert!(
                    std::time::Instant::now() < deadline,
                    "a disabled user's key still works after the cache TTL"
                );
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    };
    assert_eq!(
        aws_sdk_ssm::error::ProvideErrorMetadata::code(&e.into_service_error()),
        Some("UnrecognizedClientException")
    );

    // A restart keeps users and does not print a password again.
    drop(server);
    let (_server, _, lines) = serve(&dir);
    assert!(!lines.iter().any(|l| l.contains("password")), "{lines:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Secrets never reach the log, at any level: run with RUST_LOG=trace, sign in with a
/// password, sign API calls with a key (good and bad), then search the whole log.
#[tokio::test]
async fn secrets_never_appear_in_logs_even_at_trace() {
    let dir = data_dir();
    let log_path = dir.join("server.log");
    let admin_password = "the admin password is secret 42";
    let mut child = Command::new(BIN)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--log-format",
            "json",
            "--data-dir",
        ])
        .arg(&dir)
        .env_remove("DATABASE_URL")
        .env("BOSUN_ADMIN_PASSWORD", admin_password)
        .env("RUST_LOG", "trace")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log_path).expect("log file"))
        .spawn()
        .expect("spawn serve");
    let stdout = child.stdout.take().expect("stdout");
    let url = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|l| {
            l.strip_prefix("Bosun is listening on ")
                .map(|u| u.trim().to_string())
        })
        .expect("listening line");
    let _server = Server(child);

    let http = reqwest::Client::new();
    for password in [admin_password, "a wrong password 123"] {
        let res = http
            .post(format!("{url}/api/login"))
            .header("origin", &url)
            .form(&[("username", "admin"), ("password", password)])
            .send()
            .await
            .expect("login");
        let _ = res.text().await;
    }
    let (ok, out, _) = bosun(
        &dir,
        &["access-key", "create", "--user", "admin", "--json"],
        None,
    );
    assert!(ok);
    let key: serde_json::Value = serde_json::from_str(out.trim()).expect("json");
    let (id, secret) = (
        key["AccessKeyId"].as_str().expect("id"),
        key["SecretAccessKey"].as_str().expect("secret"),
    );
    for s in [secret, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"] {
        let config = aws_sdk_ssm::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new(id, s, None, None, "cli"))
            .endpoint_url(&url)
            .http_client(aws_smithy_http_client::Builder::new().build_http())
            .build();
        let _ = aws_sdk_ssm::Client::from_conf(config)
            .update_service_setting()
            .setting_id("/ssm/parameter-store/high-throughput-enabled")
            .setting_value("true")
            .send()
            .await;
    }
    // Give the server a moment to flush its last lines, then read everything.
    let _ = http.get(format!("{url}/healthz")).send().await;
    let log = std::fs::read_to_string(&log_path).expect("log");
    assert!(
        log.len() > 1000,
        "trace logging produced output ({} bytes)",
        log.len()
    );
    for needle in [admin_password, "a wrong password 123", secret] {
        assert!(!log.contains(needle), "a secret leaked into the log");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
