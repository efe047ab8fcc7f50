//! The at-most-once journal (DESIGN-NOTES §2): `<state dir>/invocations/<id>.json`
//! records an invocation *before* anything runs and its result when it ends;
//! `<id>.out` spools its output chunks (JSON lines) until the server has stored them.
//! A `Run` for an id already in the journal is answered from here, never run again —
//! also after the agent or the machine restarted (an invocation that was started but has
//! no result was interrupted and is reported as failed).

use bosun_protocol::exec::{is_invocation_id, InvocationResult, Outcome, OutputChunk};
use bosun_protocol::RunInvocation;
use serde::{Deserialize, Serialize};
use std::fs;
use std::io::{BufRead, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Finished invocations are forgotten after this long (their ids could otherwise run
/// again only if the server re-sent them after a week, which it never does).
pub const KEEP_FINISHED_MS: i64 = 7 * 24 * 3600 * 1000;

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Entry {
    invocation_id: String,
    command_id: String,
    started_at: i64,
    #[serde(default)]
    result: Option<InvocationResult>,
    /// The server confirmed it stored the result (the spool is gone).
    #[serde(default)]
    acked: bool,
}

/// What the journal knows about an invocation id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seen {
    /// Never seen: it is now recorded as started; run it.
    New,
    /// Started before and never finished: the agent stopped while it ran.
    Interrupted { started_at: i64 },
    /// Finished: here is the result.
    Finished(InvocationResult),
}

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("{0:?} is not an invocation id")]
    BadId(String),
    #[error("journal {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("journal {path}: {source}")]
    Corrupt {
        path: PathBuf,
        source: serde_json::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> JournalError + '_ {
    move |source| JournalError::Io {
        path: path.to_path_buf(),
        source,
    }
}

#[derive(Clone, Debug)]
pub struct Journal {
    dir: PathBuf,
}

impl Journal {
    /// Opens (creating, 0700) `<state_dir>/invocations`.
    pub fn open(state_dir: &Path) -> Result<Journal, JournalError> {
        let dir = state_dir.join("invocations");
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .map_err(io(&dir))?;
        Ok(Journal { dir })
    }

    fn entry_path(&self, id: &str) -> Result<PathBuf, JournalError> {
        if !is_invocation_id(id) {
            return Err(JournalError::BadId(id.chars().take(80).collect()));
        }
        Ok(self.dir.join(format!("{id}.json")))
    }

    fn spool_path(&self, id: &str) -> Result<PathBuf, JournalError> {
        if !is_invocation_id(id) {
            return Err(JournalError::BadId(id.chars().take(80).collect()));
        }
        Ok(self.dir.join(format!("{id}.out")))
    }

    fn read(&self, id: &str) -> Result<Option<Entry>, JournalError> {
        let path = self.entry_path(id)?;
        match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|source| JournalError::Corrupt { path, source }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(&path)(e)),
        }
    }

    /// Writes an entry durably: a temporary file, fsync, rename, fsync of the folder.
    fn write(&self, e: &Entry) -> Result<(), JournalError> {
        let path = self.entry_path(&e.invocation_id)?;
        let tmp = self.dir.join(format!(".{}.tmp", e.invocation_id));
        let bytes = serde_json::to_vec(e).map_err(|source| JournalError::Corrupt {
            path: path.clone(),
            source,
        })?;
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(io(&tmp))?;
        f.write_all(&bytes).map_err(io(&tmp))?;
        f.sync_all().map_err(io(&tmp))?;
        fs::rename(&tmp, &path).map_err(io(&path))?;
        fs::File::open(&self.dir)
            .and_then(|d| d.sync_all())
            .map_err(io(&self.dir))?;
        Ok(())
    }

    /// Records `run` as started unless the id is known; says what is known.
    pub fn begin(&self, run: &RunInvocation, now_ms: i64) -> Result<Seen, JournalError> {
        if let Some(e) = self.read(&run.invocation_id)? {
            return Ok(match e.result {
                Some(r) => Seen::Finished(r),
                None => Seen::Interrupted {
                    started_at: e.started_at,
                },
            });
        }
        self.write(&Entry {
            invocation_id: run.invocation_id.clone(),
            command_id: run.command_id.clone(),
            started_at: now_ms,
            result: None,
            acked: false,
        })?;
        Ok(Seen::New)
    }

    /// Records the result (durably, before the server hears of it).
    pub fn finish(&self, result: &InvocationResult) -> Result<(), JournalError> {
        let Some(mut e) = self.read(&result.invocation_id)? else {
            return Err(JournalError::BadId(result.invocation_id.clone()));
        };
        e.result = Some(result.clone());
        self.write(&e)
    }

    /// The result of an interrupted invocation: it is failed, never re-run.
    pub fn interrupt(
        &self,
        invocation_id: &str,
        steps: usize,
        last_seq: u64,
    ) -> Result<InvocationResult, JournalError> {
        let result = InvocationResult {
            invocation_id: invocation_id.to_string(),
            outcome: Outcome::Failed,
            exit_code: -1,
            steps: (0..steps)
                .map(|i| bosun_protocol::exec::StepResult {
                    step: i as u32,
                    outcome: Outcome::Failed,
                    exit_code: -1,
                    started_at: 0,
                    ended_at: 0,
                })
                .collect(),
            last_seq,
            detail: Some(
                "the agent stopped while this invocation ran; it was not run again".into(),
            ),
        };
        self.finish(&result)?;
        Ok(result)
    }

    /// Appends a chunk to the invocation's spool.
    pub fn spool(&self, chunk: &OutputChunk) -> Result<(), JournalError> {
        let path = self.spool_path(&chunk.invocation_id)?;
        let mut f = fs::OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            .open(&path)
            .map_err(io(&path))?;
        let mut line = serde_json::to_vec(chunk).map_err(|source| JournalError::Corrupt {
            path: path.clone(),
            source,
        })?;
        line.push(b'\n');
        f.write_all(&line).map_err(io(&path))
    }

    /// Spooled chunks after `after_seq` (to send again after a reconnect). A torn last
    /// line (the agent died mid-write) is skipped.
    pub fn spooled(
        &self,
        invocation_id: &str,
        after_seq: u64,
    ) -> Result<Vec<OutputChunk>, JournalError> {
        let path = self.spool_path(invocation_id)?;
        let f = match fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io(&path)(e)),
        };
        Ok(std::io::BufReader::new(f)
            .lines()
            .map_while(Result::ok)
            .filter_map(|l| serde_json::from_str::<OutputChunk>(&l).ok())
            .filter(|c| c.seq > after_seq)
            .collect())
    }

    /// The highest spooled seq (0 when none).
    pub fn last_seq(&self, invocation_id: &str) -> Result<u64, JournalError> {
        Ok(self
            .spooled(invocation_id, 0)?
            .last()
            .map(|c| c.seq)
            .unwrap_or(0))
    }

    /// The server stored everything: drop the spool, keep the id.
    pub fn acknowledge(&self, invocation_id: &str) -> Result<(), JournalError> {
        let Some(mut e) = self.read(invocation_id)? else {
            return Ok(());
        };
        if e.result.is_none() {
            return Ok(());
        }
        e.acked = true;
        self.write(&e)?;
        let spool = self.spool_path(invocation_id)?;
        match fs::remove_file(&spool) {
            Ok(()) => Ok(()),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(err) => Err(io(&spool)(err)),
        }
    }

    /// Every readable entry with its file (unreadable ones are skipped: a torn write
    /// of a temporary file never has the `.json` name).
    fn entries(&self) -> Result<Vec<(PathBuf, Entry)>, JournalError> {
        let mut out = Vec::new();
        for item in fs::read_dir(&self.dir).map_err(io(&self.dir))? {
            let item = item.map_err(io(&self.dir))?;
            let name = item.file_name();
            let Some(id) = name.to_str().and_then(|n| n.strip_suffix(".json")) else {
                continue;
            };
            if let Ok(Some(e)) = self.read(id) {
                out.push((item.path(), e));
            }
        }
        Ok(out)
    }

    /// Finished invocations whose result the server has not confirmed (to report again
    /// after a reconnect).
    pub fn unacknowledged(&self) -> Result<Vec<InvocationResult>, JournalError> {
        Ok(self
            .entries()?
            .into_iter()
            .filter(|(_, e)| !e.acked)
            .filter_map(|(_, e)| e.result)
            .collect())
    }

    /// Forgets acknowledged invocations older than [`KEEP_FINISHED_MS`].
    pub fn prune(&self, now_ms: i64) -> Result<usize, JournalError> {
        let mut n = 0;
        for (path, e) in self.entries()? {
            if e.acked && e.started_at + KEEP_FINISHED_MS < now_ms && fs::remove_file(path).is_ok()
            {
                n += 1;
            }
        }
        Ok(n)
    }
}
