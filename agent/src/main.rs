//! `bosun-agent`: the program that runs on each managed node.
//!
//! This is the skeleton the managed-nodes issue builds on: it has a version and a help
//! text. The agent's invariants hold from the start: it depends on neither leptos nor
//! sqlx, and it will reach the server only over its WebSocket link.

use clap::Parser;

#[derive(Parser)]
#[command(
    name = "bosun-agent",
    version,
    about = "The Bosun node agent (enrolment and the WebSocket link arrive with the managed-nodes work)"
)]
struct Cli {}

fn main() {
    let _cli = Cli::parse();
    println!(
        "bosun-agent {}: nothing to do yet; see --help.",
        env!("CARGO_PKG_VERSION")
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_valid_and_versioned() {
        Cli::command().debug_assert();
        assert_eq!(
            Cli::command().get_version(),
            Some(env!("CARGO_PKG_VERSION"))
        );
    }
}
