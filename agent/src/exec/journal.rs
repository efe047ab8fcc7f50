//! The at-most-once journal (DESIGN-NOTES §2): `<state dir>/invocations/<id>.json`
//! records an invocation *before* anything runs and its result when it ends;
//! `<id>.out` spools its output chunks (JSON lines) until the server has stored them.
//! A `Run` for an id already in the journal is answered from here, never run again —
//! also after the agent or the machine restarted (an invocation that was started but has
//! no result was interrupted and is reported as failed).
//!
//! [`Journal::in_memory`] keeps the same records in a map instead, for `bosun-swarm`'s
//! simulated nodes: at-most-once holds for the life of the process only, and only the
//! newest [`MEMORY_KEEP_ACKED`] acknowledged ids are remembered.

use bosun_protocol::exec::{is_invocation_id, InvocationResult, Outcome, OutputChunk, StepResult};
use bosun_protocol::RunInvocation;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fs;
use std::io::{BufRead, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Finished invocations are forgotten after this long (their ids could otherwise run
/// again only if the server re-sent them after a week, which it never does).
pub const KEEP_FINISHED_MS: i64 = 7 * 24 * 3600 * 1000;

/// How many acknowledged invocations an in-memory journal remembers (the oldest are
/// forgotten first), so a simulated node's memory stays bounded.
pub const MEMORY_KEEP_ACKED: usize = 1000;

/// The detail of an invocation the agent found unfinished when it started.
pub const INTERRUPTED_DETAIL: &str =
    "the agent stopped while this invocation ran; it was not run again";

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Entry {
    invocation_id: String,
    command_id: String,
    started_at: i64,
    /// How many steps the invocation has (to report each as failed if it is
    /// interrupted). Journals written before this field existed read as 0.
    #[serde(default)]
    steps: usize,
    #[serde(default)]
    result: Option<InvocationResult>,
    /// The server confirmed it stored the result (the spool is gone).
    #[serde(default)]
    acked: bool,
    /// Set while the node reboots for the invocation: what the next agent process
    /// needs to go on with it instead of reporting it interrupted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    resume: Option<Resume>,
}

/// An invocation that asked for a reboot (an `aws:runPatchBaseline` Install with
/// `RebootIfNeeded`, or a script's `exit 194`), as the journal keeps it until the agent
/// comes back: the run itself (its remaining steps run after the reboot), the step to
/// go on with (a patch step finishes; a script runs again, as SSM's do), the results of
/// the steps before it, and what that step needs to finish.
///
/// The run is kept whole, so the journal file (0600, in the 0700 state directory)
/// holds the steps' scripts and environment — as the SSM agent keeps its documents in
/// its state folder across a reboot — and only until the invocation finishes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resume {
    pub run: RunInvocation,
    /// The step that asked for the reboot.
    pub step: u32,
    /// The results of the steps before `step`.
    pub done: Vec<StepResult>,
    /// Whether a step before `step` failed (its `onFailure` let the run go on).
    #[serde(default)]
    pub failed: bool,
    /// When the reboot was asked for (Unix ms).
    pub requested_at: i64,
    /// When the step that asked began (Unix ms).
    pub step_started_at: i64,
    /// What an `aws:runPatchBaseline` step carries over.
    #[serde(default)]
    pub patch: Option<PatchResume>,
    /// How many times the invocation has rebooted the node, this reboot included.
    #[serde(default)]
    pub reboots: u32,
}

/// What a patch Install knows before its reboot and reports after it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatchResume {
    /// `name:arch` of each target the install did not bring to its version.
    pub failed: Vec<String>,
    /// How many targets it upgraded.
    pub installed: usize,
    /// The install command failed (or could not run), whatever it installed.
    #[serde(default)]
    pub command_failed: bool,
}

impl Entry {
    fn seen(&self) -> Seen {
        match &self.result {
            Some(r) => Seen::Finished(r.clone()),
            None => Seen::Interrupted {
                started_at: self.started_at,
            },
        }
    }
}

/// What the journal knows about an invocation id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seen {
    /// Never seen: it is now recorded as started; run it.
    New,
    /// Started before and never finished: the agent stopped while it ran (or it is
    /// still running in this process: the journal cannot tell, its caller can).
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

fn check_id(id: &str) -> Result<(), JournalError> {
    if is_invocation_id(id) {
        Ok(())
    } else {
        Err(JournalError::BadId(id.chars().take(80).collect()))
    }
}

#[derive(Clone, Debug)]
pub struct Journal {
    store: Store,
}

#[derive(Clone, Debug)]
enum Store {
    /// `<state dir>/invocations`.
    Disk(PathBuf),
    Memory(Arc<Mutex<Memory>>),
}

#[derive(Debug, Default)]
struct Memory {
    entries: HashMap<String, Entry>,
    spools: HashMap<String, Vec<OutputChunk>>,
}

/// The spooled chunks of one invocation after a seq, read lazily (a spool can be large,
/// and the executor may still be appending to it: a torn last line is skipped).
pub struct SpoolReader {
    after: u64,
    source: SpoolSource,
}

enum SpoolSource {
    Empty,
    File(std::io::Lines<std::io::BufReader<fs::File>>),
    Memory(std::vec::IntoIter<OutputChunk>),
}

impl Iterator for SpoolReader {
    type Item = OutputChunk;

    fn next(&mut self) -> Option<OutputChunk> {
        loop {
            let chunk = match &mut self.source {
                SpoolSource::Empty => return None,
                SpoolSource::Memory(chunks) => chunks.next()?,
                SpoolSource::File(lines) => {
                    let line = lines.next()?.ok()?;
                    match serde_json::from_str::<OutputChunk>(&line) {
                        Ok(c) => c,
                        Err(_) => continue,
                    }
                }
            };
            if chunk.seq > self.after {
                return Some(chunk);
            }
        }
    }
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
        Ok(Journal {
            store: Store::Disk(dir),
        })
    }

    /// A journal in memory (simulated nodes): nothing survives the process.
    pub fn in_memory() -> Journal {
        Journal {
            store: Store::Memory(Arc::default()),
        }
    }

    fn memory(m: &Mutex<Memory>) -> std::sync::MutexGuard<'_, Memory> {
        m.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn entry_path(dir: &Path, id: &str) -> Result<PathBuf, JournalError> {
        check_id(id)?;
        Ok(dir.join(format!("{id}.json")))
    }

    fn spool_path(dir: &Path, id: &str) -> Result<PathBuf, JournalError> {
        check_id(id)?;
        Ok(dir.join(format!("{id}.out")))
    }

    fn read(&self, id: &str) -> Result<Option<Entry>, JournalError> {
        check_id(id)?;
        let dir = match &self.store {
            Store::Memory(m) => return Ok(Self::memory(m).entries.get(id).cloned()),
            Store::Disk(dir) => dir,
        };
        let path = Self::entry_path(dir, id)?;
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
        check_id(&e.invocation_id)?;
        let dir = match &self.store {
            Store::Memory(m) => {
                Self::memory(m)
                    .entries
                    .insert(e.invocation_id.clone(), e.clone());
                return Ok(());
            }
            Store::Disk(dir) => dir,
        };
        let path = Self::entry_path(dir, &e.invocation_id)?;
        let tmp = dir.join(format!(".{}.tmp", e.invocation_id));
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
        fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io(dir))?;
        Ok(())
    }

    /// Records `run` as started unless the id is known; says what is known.
    pub fn begin(&self, run: &RunInvocation, now_ms: i64) -> Result<Seen, JournalError> {
        if let Some(e) = self.read(&run.invocation_id)? {
            return Ok(e.seen());
        }
        self.write(&Entry {
            invocation_id: run.invocation_id.clone(),
            command_id: run.command_id.clone(),
            started_at: now_ms,
            steps: run.steps.len(),
            result: None,
            acked: false,
            resume: None,
        })?;
        Ok(Seen::New)
    }

    /// What the journal knows about an id, without recording anything (`None`: never
    /// seen).
    pub fn lookup(&self, invocation_id: &str) -> Result<Option<Seen>, JournalError> {
        Ok(self.read(invocation_id)?.map(|e| e.seen()))
    }

    /// Records an id the node never saw as finished `Cancelled` (a `Cancel` that
    /// overtook its `Run`), so a later `Run` of it is answered without running. The
    /// caller checked with [`lookup`](Self::lookup) that the id is unknown.
    pub fn record_cancelled(
        &self,
        invocation_id: &str,
        now_ms: i64,
    ) -> Result<InvocationResult, JournalError> {
        let result = InvocationResult {
            invocation_id: invocation_id.to_string(),
            outcome: Outcome::Cancelled,
            exit_code: -1,
            steps: Vec::new(),
            last_seq: 0,
            detail: Some("cancelled before it started; it was never run".into()),
        };
        self.write(&Entry {
            invocation_id: invocation_id.to_string(),
            command_id: String::new(),
            started_at: now_ms,
            steps: 0,
            result: Some(result.clone()),
            acked: false,
            resume: None,
        })?;
        Ok(result)
    }

    /// Records the result (durably, before the server hears of it).
    pub fn finish(&self, result: &InvocationResult) -> Result<(), JournalError> {
        let Some(mut e) = self.read(&result.invocation_id)? else {
            return Err(JournalError::BadId(result.invocation_id.clone()));
        };
        e.result = Some(result.clone());
        e.resume = None;
        self.write(&e)
    }

    /// Records (durably, before the reboot command runs) that the invocation goes on
    /// after the node restarts.
    pub fn await_reboot(&self, resume: &Resume) -> Result<(), JournalError> {
        let id = &resume.run.invocation_id;
        let Some(mut e) = self.read(id)? else {
            return Err(JournalError::BadId(id.clone()));
        };
        e.resume = Some(resume.clone());
        self.write(&e)
    }

    /// The reboot did not happen (it failed, or the invocation was cancelled while
    /// waiting): the invocation no longer goes on after a restart.
    pub fn forget_reboot(&self, invocation_id: &str) -> Result<(), JournalError> {
        let Some(mut e) = self.read(invocation_id)? else {
            return Ok(());
        };
        if e.resume.take().is_some() {
            self.write(&e)?;
        }
        Ok(())
    }

    /// Whether the invocation waits for a reboot.
    pub fn awaits_reboot(&self, invocation_id: &str) -> bool {
        matches!(self.read(invocation_id), Ok(Some(e)) if e.result.is_none() && e.resume.is_some())
    }

    /// Unfinished invocations that wait for a reboot: at agent start, these go on.
    pub fn resumable(&self) -> Result<Vec<Resume>, JournalError> {
        let mut out: Vec<(i64, Resume)> = self
            .entries()?
            .into_iter()
            .filter(|e| e.result.is_none())
            .filter_map(|e| e.resume.map(|r| (e.started_at, r)))
            .collect();
        out.sort_by_key(|(t, _)| *t);
        Ok(out.into_iter().map(|(_, r)| r).collect())
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
                .map(|i| StepResult {
                    step: i as u32,
                    outcome: Outcome::Failed,
                    exit_code: -1,
                    started_at: 0,
                    ended_at: 0,
                })
                .collect(),
            last_seq,
            detail: Some(INTERRUPTED_DETAIL.into()),
        };
        self.finish(&result)?;
        Ok(result)
    }

    /// Appends a chunk to the invocation's spool.
    pub fn spool(&self, chunk: &OutputChunk) -> Result<(), JournalError> {
        check_id(&chunk.invocation_id)?;
        let dir = match &self.store {
            Store::Memory(m) => {
                Self::memory(m)
                    .spools
                    .entry(chunk.invocation_id.clone())
                    .or_default()
                    .push(chunk.clone());
                return Ok(());
            }
            Store::Disk(dir) => dir,
        };
        let path = Self::spool_path(dir, &chunk.invocation_id)?;
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
        // One write per line, so a concurrent reader sees whole lines or a torn last one.
        f.write_all(&line).map_err(io(&path))
    }

    /// Reads the spooled chunks after `after_seq`, lazily (see [`SpoolReader`]).
    pub fn spool_reader(
        &self,
        invocation_id: &str,
        after_seq: u64,
    ) -> Result<SpoolReader, JournalError> {
        check_id(invocation_id)?;
        let source = match &self.store {
            Store::Memory(m) => {
                let chunks = Self::memory(m)
                    .spools
                    .get(invocation_id)
                    .map(|s| s.iter().filter(|c| c.seq > after_seq).cloned().collect())
                    .unwrap_or_else(Vec::new);
                SpoolSource::Memory(chunks.into_iter())
            }
            Store::Disk(dir) => {
                let path = Self::spool_path(dir, invocation_id)?;
                match fs::File::open(&path) {
                    Ok(f) => SpoolSource::File(std::io::BufReader::new(f).lines()),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => SpoolSource::Empty,
                    Err(e) => return Err(io(&path)(e)),
                }
            }
        };
        Ok(SpoolReader {
            after: after_seq,
            source,
        })
    }

    /// Spooled chunks after `after_seq` (to send again after a reconnect). A torn last
    /// line (the agent died mid-write) is skipped.
    pub fn spooled(
        &self,
        invocation_id: &str,
        after_seq: u64,
    ) -> Result<Vec<OutputChunk>, JournalError> {
        Ok(self.spool_reader(invocation_id, after_seq)?.collect())
    }

    /// The highest spooled seq (0 when none).
    pub fn last_seq(&self, invocation_id: &str) -> Result<u64, JournalError> {
        Ok(self
            .spool_reader(invocation_id, 0)?
            .map(|c| c.seq)
            .max()
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
        let dir = match &self.store {
            Store::Memory(m) => {
                let mut m = Self::memory(m);
                m.spools.remove(invocation_id);
                // Bounded memory: forget the oldest acknowledged ids beyond the cap.
                let acked = m.entries.values().filter(|e| e.acked).count();
                if acked > MEMORY_KEEP_ACKED {
                    if let Some(oldest) = m
                        .entries
                        .values()
                        .filter(|e| e.acked)
                        .min_by_key(|e| e.started_at)
                        .map(|e| e.invocation_id.clone())
                    {
                        m.entries.remove(&oldest);
                    }
                }
                return Ok(());
            }
            Store::Disk(dir) => dir,
        };
        let spool = Self::spool_path(dir, invocation_id)?;
        match fs::remove_file(&spool) {
            Ok(()) => Ok(()),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(err) => Err(io(&spool)(err)),
        }
    }

    /// Every readable entry (unreadable ones are skipped: a torn write of a temporary
    /// file never has the `.json` name).
    fn entries(&self) -> Result<Vec<Entry>, JournalError> {
        let dir = match &self.store {
            Store::Memory(m) => return Ok(Self::memory(m).entries.values().cloned().collect()),
            Store::Disk(dir) => dir,
        };
        let mut out = Vec::new();
        for item in fs::read_dir(dir).map_err(io(dir))? {
            let item = item.map_err(io(dir))?;
            let name = item.file_name();
            let Some(id) = name.to_str().and_then(|n| n.strip_suffix(".json")) else {
                continue;
            };
            if let Ok(Some(e)) = self.read(id) {
                out.push(e);
            }
        }
        Ok(out)
    }

    /// Finished invocations whose result the server has not confirmed (to report again
    /// after a reconnect), oldest first.
    pub fn unacknowledged(&self) -> Result<Vec<InvocationResult>, JournalError> {
        let mut entries: Vec<Entry> = self
            .entries()?
            .into_iter()
            .filter(|e| !e.acked && e.result.is_some())
            .collect();
        entries.sort_by_key(|e| e.started_at);
        Ok(entries.into_iter().filter_map(|e| e.result).collect())
    }

    /// Started invocations without a result that do not wait for a reboot:
    /// `(id, number of steps)`. When the agent starts, these were interrupted by the
    /// previous agent process's end.
    pub fn unfinished(&self) -> Result<Vec<(String, usize)>, JournalError> {
        Ok(self
            .entries()?
            .into_iter()
            .filter(|e| e.result.is_none() && e.resume.is_none())
            .map(|e| (e.invocation_id, e.steps))
            .collect())
    }

    /// Forgets acknowledged invocations older than [`KEEP_FINISHED_MS`].
    pub fn prune(&self, now_ms: i64) -> Result<usize, JournalError> {
        let mut n = 0;
        for e in self.entries()? {
            if !(e.acked && e.started_at + KEEP_FINISHED_MS < now_ms) {
                continue;
            }
            let removed = match &self.store {
                Store::Memory(m) => Self::memory(m).entries.remove(&e.invocation_id).is_some(),
                Store::Disk(dir) => Self::entry_path(dir, &e.invocation_id)
                    .map(|p| fs::remove_file(p).is_ok())
                    .unwrap_or(false),
            };
            n += usize::from(removed);
        }
        Ok(n)
    }
}
