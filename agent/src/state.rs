//! The state directory: what a registration leaves on the node.
//!
//! - `state.json` — [`State`]: the managed instance id and the server's URL.
//! - `node.key` — the node's Ed25519 private key (see [`crate::identity`]).
//!
//! Invariants: the directory is created `0700` and both files are `0600`; files are
//! replaced atomically (written beside, synced, renamed), so a crash leaves either the
//! old file or the new one. `state.json` is written last: its presence means a complete
//! registration, and it is what `register` refuses to overwrite without `--force`.

use std::fs::{self, DirBuilder, OpenOptions, Permissions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use bosun_protocol::is_managed_instance_id;
use serde::{Deserialize, Serialize};

use crate::error::AgentError;
use crate::link::ws_url;

/// Where the agent keeps its state unless told otherwise.
pub const DEFAULT_STATE_DIR: &str = "/var/lib/bosun-agent";

const STATE_FILE: &str = "state.json";
const KEY_FILE: &str = "node.key";
/// The key of a registration in progress: written before the server is asked, so an
/// unwritable directory fails before an activation is spent.
const PENDING_KEY_FILE: &str = "node.key.pending";
/// Private files are readable by their owner only.
const PRIVATE_FILE_MODE: u32 = 0o600;
const PRIVATE_DIR_MODE: u32 = 0o700;

/// What the node knows about its registration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// The managed instance id the server assigned (`mi-` and 17 hex digits).
    pub instance_id: String,
    /// The server's URL as given to `register` (http(s):// or ws(s)://).
    pub server: String,
}

impl State {
    /// Reads the registration in `state_dir`; [`AgentError::NotRegistered`] if there is
    /// none.
    pub fn load(state_dir: &Path) -> Result<State, AgentError> {
        let dir = StateDir::new(state_dir);
        dir.read_state()?
            .ok_or_else(|| AgentError::NotRegistered(dir.state_path()))
    }
}

/// The paths of one state directory and the file operations on them.
#[derive(Clone, Debug)]
pub(crate) struct StateDir {
    root: PathBuf,
}

impl StateDir {
    pub(crate) fn new(root: impl Into<PathBuf>) -> Self {
        StateDir { root: root.into() }
    }

    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    pub(crate) fn state_path(&self) -> PathBuf {
        self.root.join(STATE_FILE)
    }

    pub(crate) fn key_path(&self) -> PathBuf {
        self.root.join(KEY_FILE)
    }

    pub(crate) fn pending_key_path(&self) -> PathBuf {
        self.root.join(PENDING_KEY_FILE)
    }

    /// Creates the directory (and its parents) with mode 0700 if it is missing. An
    /// existing directory is left as it is, since it may be one the operator chose for
    /// other reasons too, but a warning says so when others can enter it.
    pub(crate) fn ensure_exists(&self) -> Result<(), AgentError> {
        match fs::metadata(&self.root) {
            Ok(meta) if meta.is_dir() => {
                let mode = meta.permissions().mode() & 0o777;
                if mode & 0o077 != 0 {
                    tracing::warn!(
                        state_dir = %self.root.display(),
                        mode = format_args!("{mode:04o}"),
                        "the state directory is accessible to other users; 0700 is expected"
                    );
                }
                Ok(())
            }
            Ok(_) => Err(AgentError::io(
                &self.root,
                std::io::Error::new(ErrorKind::AlreadyExists, "exists and is not a directory"),
            )),
            Err(e) if e.kind() == ErrorKind::NotFound => DirBuilder::new()
                .recursive(true)
                .mode(PRIVATE_DIR_MODE)
                .create(&self.root)
                .map_err(|e| AgentError::io(&self.root, e)),
            Err(e) => Err(AgentError::io(&self.root, e)),
        }
    }

    /// The registration, if `state.json` exists.
    pub(crate) fn read_state(&self) -> Result<Option<State>, AgentError> {
        let path = self.state_path();
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(AgentError::io(path, e)),
        };
        let corrupt = |reason: String| AgentError::CorruptState {
            path: path.clone(),
            reason,
        };
        let state: State =
            serde_json::from_str(&text).map_err(|e| corrupt(format!("not a state file: {e}")))?;
        if !is_managed_instance_id(&state.instance_id) {
            return Err(corrupt(format!(
                "{:?} is not a managed instance id",
                crate::error::printable(&state.instance_id, 40)
            )));
        }
        ws_url(&state.server).map_err(|e| corrupt(e.to_string()))?;
        Ok(Some(state))
    }

    pub(crate) fn write_state(&self, state: &State) -> Result<(), AgentError> {
        let mut text =
            serde_json::to_string_pretty(state).map_err(|e| AgentError::CorruptState {
                path: self.state_path(),
                reason: e.to_string(),
            })?;
        text.push('\n');
        write_private(&self.state_path(), text.as_bytes())
    }
}

/// Replaces `path` with `contents`, mode 0600, atomically: a temporary file beside it is
/// created with the final mode (never readable by others, even briefly), synced, and
/// renamed over `path`.
pub(crate) fn write_private(path: &Path, contents: &[u8]) -> Result<(), AgentError> {
    let tmp = temporary_sibling(path);
    let result = (|| {
        match fs::remove_file(&tmp) {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(PRIVATE_FILE_MODE)
            .open(&tmp)?;
        // The mode given to open() is filtered by the umask, which can only remove
        // bits; set it explicitly anyway so the file's mode never depends on it.
        file.set_permissions(Permissions::from_mode(PRIVATE_FILE_MODE))?;
        file.write_all(contents)?;
        file.sync_all()?;
        fs::rename(&tmp, path)?;
        if let Some(parent) = path.parent() {
            // Make the rename itself durable; some filesystems cannot sync directories,
            // which costs only durability, so a failure here is not an error.
            if let Ok(dir) = fs::File::open(parent) {
                let _ = dir.sync_all();
            }
        }
        Ok(())
    })();
    result.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        AgentError::io(path, e)
    })
}

/// Reads a private file and warns when its mode lets others read it.
pub(crate) fn read_private(path: &Path) -> Result<Vec<u8>, AgentError> {
    let meta = fs::metadata(path).map_err(|e| AgentError::io(path, e))?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        tracing::warn!(
            path = %path.display(),
            mode = format_args!("{mode:04o}"),
            "a private file is accessible to other users; 0600 is expected"
        );
    }
    fs::read(path).map_err(|e| AgentError::io(path, e))
}

fn temporary_sibling(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".tmp");
    path.with_file_name(name)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    /// A directory under the system's temporary directory, removed on drop.
    pub(crate) struct TempDir(PathBuf);

    impl TempDir {
        pub(crate) fn new(label: &str) -> TempDir {
            static NEXT: AtomicU32 = AtomicU32::new(0);
            let path = std::env::temp_dir().join(format!(
                "bosun-agent-test-{label}-{}-{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            ));
            let _ = fs::remove_dir_all(&path);
            fs::create_dir_all(&path).unwrap();
            TempDir(path)
        }

        pub(crate) fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    pub(crate) fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    fn sample() -> State {
        State {
            instance_id: "mi-0123456789abcdef0".into(),
            server: "https://bosun.example:8443".into(),
        }
    }

    #[test]
    fn state_is_written_private_and_read_back() {
        let tmp = TempDir::new("state");
        let dir = StateDir::new(tmp.path().join("a/b/state"));
        dir.ensure_exists().unwrap();
        assert_eq!(mode(dir.root()), 0o700);
        assert_eq!(dir.read_state().unwrap(), None);
        assert!(matches!(
            State::load(dir.root()),
            Err(AgentError::NotRegistered(_))
        ));

        dir.write_state(&sample()).unwrap();
        assert_eq!(mode(&dir.state_path()), 0o600);
        assert_eq!(dir.read_state().unwrap(), Some(sample()));
        assert_eq!(State::load(dir.root()).unwrap(), sample());

        // Replacing keeps the mode and leaves no temporary file behind.
        let newer = State {
            instance_id: "mi-00000000000000001".into(),
            ..sample()
        };
        dir.write_state(&newer).unwrap();
        assert_eq!(State::load(dir.root()).unwrap(), newer);
        assert_eq!(mode(&dir.state_path()), 0o600);
        let names: Vec<_> = fs::read_dir(dir.root())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from(STATE_FILE)]);
    }

    #[test]
    fn an_existing_directory_keeps_its_mode() {
        let tmp = TempDir::new("existing");
        fs::set_permissions(tmp.path(), Permissions::from_mode(0o755)).unwrap();
        StateDir::new(tmp.path()).ensure_exists().unwrap();
        assert_eq!(mode(tmp.path()), 0o755);
    }

    #[test]
    fn corrupt_state_is_refused_with_its_path() {
        let tmp = TempDir::new("corrupt");
        let dir = StateDir::new(tmp.path());
        for bad in [
            "not json",
            r#"{"instance_id":"i-123","server":"https://x"}"#,
            r#"{"instance_id":"mi-0123456789abcdef0","server":"ftp://x"}"#,
            r#"{"instance_id":"mi-0123456789abcdef0"}"#,
        ] {
            fs::write(dir.state_path(), bad).unwrap();
            match dir.read_state() {
                Err(AgentError::CorruptState { path, .. }) => assert_eq!(path, dir.state_path()),
                other => panic!("{bad}: {other:?}"),
            }
        }
    }
}
