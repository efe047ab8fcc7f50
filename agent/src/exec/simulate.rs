//! Simulated execution, for `bosun-swarm` (thousands of nodes in one process, where a
//! process per command would measure the load generator instead of the server): no
//! process is started. Every step succeeds with exit code 0; a step of
//! `aws:runShellScript` prints what its `echo` lines would print (`echo <words>` gives
//! `<words>\n`; words are joined by one space, and one pair of quotes around all of them
//! is removed), as one stdout chunk. Anything else prints nothing. Output is spooled
//! and results journaled exactly as the real executor does, so the session code is the
//! same for both.

use super::executor::now_ms;
use super::journal::{Journal, JournalError};
use bosun_protocol::exec::{
    InvocationResult, Outcome, OutputChunk, StepResult, Stream, MAX_CHUNK_BYTES,
};
use bosun_protocol::RunInvocation;
use tokio::sync::mpsc;

/// What a script of `echo` lines prints.
pub(crate) fn echo_output(script: &str) -> String {
    let mut out = String::new();
    for line in script.lines().map(str::trim) {
        let words = if line == "echo" {
            ""
        } else if let Some(words) = line.strip_prefix("echo ") {
            words.trim()
        } else {
            continue;
        };
        let quoted = words.len() >= 2
            && (words.starts_with('"') && words.ends_with('"')
                || words.starts_with('\'') && words.ends_with('\''));
        if quoted {
            out.push_str(&words[1..words.len() - 1]);
        } else {
            out.push_str(&words.split_whitespace().collect::<Vec<_>>().join(" "));
        }
        out.push('\n');
    }
    out
}

/// Splits text into pieces of at most `max` bytes, never inside a character.
fn pieces(mut text: &str, max: usize) -> Vec<&str> {
    let mut out = Vec::new();
    while !text.is_empty() {
        let mut cut = text.len().min(max);
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        let (head, rest) = text.split_at(cut);
        out.push(head);
        text = rest;
    }
    out
}

/// [`execute`](super::execute)'s simulated twin: same journal and output contract.
pub async fn simulate<T: From<OutputChunk>>(
    run: &RunInvocation,
    journal: &Journal,
    out: &mpsc::Sender<T>,
) -> Result<InvocationResult, JournalError> {
    let mut seq = journal.last_seq(&run.invocation_id)?;
    let mut steps = Vec::with_capacity(run.steps.len());
    for (i, step) in run.steps.iter().enumerate() {
        let started_at = now_ms();
        if step.plugin == "aws:runShellScript" {
            for piece in pieces(&echo_output(&step.script), MAX_CHUNK_BYTES) {
                seq += 1;
                let chunk = OutputChunk {
                    invocation_id: run.invocation_id.clone(),
                    seq,
                    step: i as u32,
                    stream: Stream::Stdout,
                    data: piece.to_string(),
                };
                journal.spool(&chunk)?;
                let _ = out.send(chunk.into()).await;
            }
        }
        steps.push(StepResult {
            step: i as u32,
            outcome: Outcome::Success,
            exit_code: 0,
            started_at,
            ended_at: now_ms(),
        });
    }
    let result = InvocationResult {
        invocation_id: run.invocation_id.clone(),
        outcome: Outcome::Success,
        exit_code: 0,
        steps,
        last_seq: seq,
        detail: None,
    };
    journal.finish(&result)?;
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_lines_are_what_sh_would_print() {
        assert_eq!(echo_output("echo hi"), "hi\n");
        assert_eq!(echo_output("  echo   a   b  \nuptime\necho"), "a b\n\n");
        assert_eq!(echo_output("echo \"a  b\""), "a  b\n");
        assert_eq!(echo_output("echo 'x'"), "x\n");
        assert_eq!(echo_output("ls -l"), "");
        assert_eq!(echo_output("echoes"), "");
    }

    #[test]
    fn pieces_never_split_a_character() {
        assert_eq!(pieces("aé", 2), vec!["a", "é"]);
        assert_eq!(pieces("abc", 8), vec!["abc"]);
        assert!(pieces("", 8).is_empty());
    }
}
