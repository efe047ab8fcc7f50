//! `bosun`: the server (`bosun serve`) and the admin CLI, which works on the same data
//! directory or database as the server.

use anyhow::Context;
use bosun_core::types::{ListQuery, Role};
use bosun_core::{accounts, kms, Actor};
use bosun_server::config::{LogFormat, ServeArgs, StorageArgs};
use clap::{Parser, Subcommand};
use std::io::{BufRead, IsTerminal};

#[derive(Parser)]
#[command(
    name = "bosun",
    version,
    about = "Bosun: self-hosted Systems Manager for a fleet of Linux machines"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server: console, AWS SSM API and agent endpoint on one listener.
    Serve(ServeArgs),
    /// Manage console users.
    User {
        #[command(flatten)]
        storage: StorageArgs,
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API access keys.
    AccessKey {
        #[command(flatten)]
        storage: StorageArgs,
        #[command(subcommand)]
        command: AccessKeyCommand,
    },
    /// Manage the keys that encrypt SecureString parameters (what SSM's KeyId names).
    Keys {
        #[command(flatten)]
        storage: StorageArgs,
        #[command(subcommand)]
        command: KeysCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user; the password is read from stdin.
    Add {
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
    },
    /// List users.
    List,
    /// Disable a user and end their sessions.
    Disable { name: String },
    /// Set a user's password (read from stdin) and end their sessions.
    SetPassword { name: String },
}

#[derive(Subcommand)]
enum AccessKeyCommand {
    /// Create an access key for a user; prints the secret once.
    Create {
        #[arg(long)]
        user: String,
        #[arg(long, default_value = "")]
        description: String,
        /// Print {"AccessKeyId": "...", "SecretAccessKey": "..."}.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// List keys with their current material version (key material is never shown).
    List,
    /// Create a key.
    Create {
        /// An alias to name it by, e.g. alias/app-secrets (alias/aws/ is reserved).
        #[arg(long)]
        alias: Option<String>,
        #[arg(long, default_value = "")]
        description: String,
    },
    /// Rotate a key: new material becomes current; values sealed with older material
    /// still decrypt.
    Rotate {
        /// A key id, key ARN, alias or alias ARN.
        #[arg(long, default_value = kms::DEFAULT_KEY_ALIAS)]
        key: String,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| format!("unknown role {s:?}: use admin, operator or viewer"))
}

fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Password (input is shown; pipe it in to avoid that): ");
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("reading the password from stdin")?;
    let pw = line.trim_end_matches(['\n', '\r']).to_string();
    anyhow::ensure!(!pw.is_empty(), "no password on stdin");
    Ok(pw)
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => {
            bosun_server::telemetry::init(args.log_format);
            let listener = tokio::net::TcpListener::bind(args.listen)
                .await
                .with_context(|| format!("cannot listen on {}", args.listen))?;
            bosun_server::serve(args, listener, bosun_server::shutdown_signal()).await
        }
        Command::User { storage, command } => {
            bosun_server::telemetry::init(LogFormat::Human);
            let core = bosun_server::open_core(&storage).await?;
            let actor = Actor::cli();
            match command {
                UserCommand::Add { name, role } => {
                    let pw = read_password()?;
                    accounts::create_user(&core, &actor, &name, role, &pw).await?;
                    println!("Added {name} ({role}).");
                }
                UserCommand::List => {
                    let mut page = 1;
                    println!("{:<32} {:<9} {:<9} {:>4}", "NAME", "ROLE", "STATUS", "KEYS");
                    loop {
                        let q = ListQuery {
                            page,
                            per_page: ListQuery::MAX_PER_PAGE,
                            ..Default::default()
                        };
                        let users = accounts::list_users(&core, &actor, &q).await?;
                        for u in &users.items {
                            let status = if u.disabled { "disabled" } else { "active" };
                            println!(
                                "{:<32} {:<9} {:<9} {:>4}",
                                u.name, u.role, status, u.access_keys
                            );
                        }
                        if page >= users.pages() {
                            break;
                        }
                        page += 1;
                    }
                }
                UserCommand::Disable { name } => {
                    accounts::set_user_disabled(&core, &actor, &name, true).await?;
                    println!("Disabled {name}; their sessions have ended.");
                }
                UserCommand::SetPassword { name } => {
                    let pw = read_password()?;
                    accounts::reset_password(&core, &actor, &name, &pw).await?;
                    println!("Password of {name} set; their sessions have ended.");
                }
            }
            core.db().close().await;
            Ok(())
        }
        Command::AccessKey { storage, command } => {
            bosun_server::telemetry::init(LogFormat::Human);
            let core = bosun_server::open_core(&storage).await?;
            match command {
                AccessKeyCommand::Create {
                    user,
                    description,
                    json,
                } => {
                    let key = accounts::create_access_key(
                        &core,
                        &Actor::cli(),
                        Some(&user),
                        &description,
                    )
                    .await?;
                    if json {
                        println!("{}", serde_json::to_string(&key)?);
                    } else {
                        println!("AccessKeyId:     {}", key.access_key_id);
                        println!("SecretAccessKey: {}", key.secret_access_key);
                        println!("The secret is shown only now; store it safely.");
                    }
                }
            }
            core.db().close().await;
            Ok(())
        }
        Command::Keys { storage, command } => {
            bosun_server::telemetry::init(LogFormat::Human);
            let core = bosun_server::open_core(&storage).await?;
            let actor = Actor::cli();
            match command {
                KeysCommand::List => {
                    let keys = kms::list_keys(&core, &actor).await?;
                    println!(
                        "{:<36}  {:<32}  {:>7}  {:>8}  {:>7}  {:<10}  DESCRIPTION",
                        "KEY ID", "ALIAS", "CURRENT", "VERSIONS", "RETIRED", "CREATED"
                    );
                    for k in &keys {
                        println!(
                            "{:<36}  {:<32}  {:>7}  {:>8}  {:>7}  {:<10}  {}",
                            k.key_id,
                            k.alias.as_deref().unwrap_or("-"),
                            k.current_version,
                            k.versions,
                            k.retired_versions,
                            bosun_core::clock::from_unix_ms(k.created_at).date(),
                            k.description
                        );
                    }
                    if keys.is_empty() {
                        println!(
                            "(none yet: {} is created when a SecureString first needs it)",
                            kms::DEFAULT_KEY_ALIAS
                        );
                    }
                }
                KeysCommand::Create { alias, description } => {
                    let k = kms::create_key(&core, &actor, alias.as_deref(), &description).await?;
                    println!("KeyId: {}", k.key_id);
                    println!("Arn:   {}", k.arn);
                    if let Some(alias) = &k.alias {
                        println!("Alias: {alias}");
                    }
                }
                KeysCommand::Rotate { key } => {
                    let version = kms::rotate(&core, &actor, Some(&key)).await?;
                    let k = kms::resolve_key(&core, Some(&key)).await?;
                    println!(
                        "Rotated {} ({}): material version {version} is now current.",
                        k.alias.as_deref().unwrap_or(&k.key_id),
                        k.key_id
                    );
                    // Move every SecureString's data key to the new material (servers
                    // keep running: old versions decrypt until nothing uses them).
                    let moved = bosun_core::parameters::rewrap_all(&core).await?;
                    println!("Re-wrapped {moved} SecureString value(s).");
                    let in_use = bosun_core::parameters::key_versions_in_use(&core).await?;
                    let used: Vec<i64> = in_use
                        .get(&k.key_id)
                        .map(|v| v.iter().copied().collect())
                        .unwrap_or_default();
                    let retired = kms::retire_unused(&core, &actor, &k.key_id, &used).await?;
                    if !retired.is_empty() {
                        let list: Vec<String> = retired.iter().map(i64::to_string).collect();
                        println!(
                            "Retired material version(s) no value uses: {}.",
                            list.join(", ")
                        );
                    }
                }
            }
            core.db().close().await;
            Ok(())
        }
    }
}
