//! Secrets at rest and passwords.
//!
//! - [`MasterKey`]: a 256-bit key that encrypts secrets stored in the database
//!   (access-key secrets now, more later) with AES-256-GCM. Every ciphertext binds the
//!   identity of what it protects as associated data, so a ciphertext copied to another
//!   row does not decrypt. The key lives in `<data-dir>/keys/master.key` (0600) or comes
//!   from `BOSUN_MASTER_KEY_FILE`; replicas sharing a PostgreSQL database must share it.
//! - Passwords: argon2id with OWASP's parameters (m = 19 MiB, t = 2, p = 1), hashed on
//!   a blocking thread.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::rngs::OsRng;
use rand::{Rng, RngCore};
use std::fmt;
use std::path::Path;

const NONCE_LEN: usize = 12;
const FORMAT_V1: u8 = 1;

#[derive(Clone)]
pub struct MasterKey {
    key: [u8; 32],
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("key file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("key file {0} must hold exactly 32 bytes (or 64 hex digits)")]
    Format(String),
    #[error("could not decrypt a stored secret (wrong master key or damaged data)")]
    Decrypt,
}

impl MasterKey {
    pub fn from_bytes(key: [u8; 32]) -> Self {
        MasterKey { key }
    }

    pub fn generate() -> Self {
        let mut key = [0u8; 32];
        OsRng.fill_bytes(&mut key);
        MasterKey { key }
    }

    /// Reads the key from `path`, creating it (mode 0600) when it does not exist.
    pub fn load_or_create(path: &Path) -> Result<Self, KeyError> {
        let io = |source| KeyError::Io {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read(path) {
            Ok(bytes) => {
                Self::parse(&bytes).ok_or_else(|| KeyError::Format(path.display().to_string()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(dir) = path.parent() {
                    create_private_dir(dir).map_err(io)?;
                }
                let key = Self::generate();
                write_private_file(path, hex::encode(key.key).as_bytes()).map_err(io)?;
                Ok(key)
            }
            Err(e) => Err(io(e)),
        }
    }

    /// Reads an existing key file (32 raw bytes or 64 hex digits).
    pub fn load(path: &Path) -> Result<Self, KeyError> {
        let bytes = std::fs::read(path).map_err(|source| KeyError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&bytes).ok_or_else(|| KeyError::Format(path.display().to_string()))
    }

    fn parse(bytes: &[u8]) -> Option<Self> {
        if bytes.len() == 32 {
            let mut key = [0u8; 32];
            key.copy_from_slice(bytes);
            return Some(MasterKey { key });
        }
        let text = std::str::from_utf8(bytes).ok()?.trim();
        let raw = hex::decode(text).ok()?;
        let key: [u8; 32] = raw.try_into().ok()?;
        Some(MasterKey { key })
    }

    /// Encrypts `plaintext`, binding `context` (e.g. `access-key:AKIA…`).
    pub fn seal(&self, context: &str, plaintext: &[u8]) -> Vec<u8> {
        let cipher = Aes256Gcm::new((&self.key).into());
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        // Encryption with a valid key and nonce length only fails for inputs over
        // 64 GiB, which nothing here produces.
        let ct = cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: context.as_bytes(),
                },
            )
            .unwrap_or_default();
        let mut out = Vec::with_capacity(1 + NONCE_LEN + ct.len());
        out.push(FORMAT_V1);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    pub fn open(&self, context: &str, sealed: &[u8]) -> Result<Vec<u8>, KeyError> {
        if sealed.len() < 1 + NONCE_LEN + 16 || sealed[0] != FORMAT_V1 {
            return Err(KeyError::Decrypt);
        }
        let cipher = Aes256Gcm::new((&self.key).into());
        let nonce = Nonce::from_slice(&sealed[1..1 + NONCE_LEN]);
        cipher
            .decrypt(
                nonce,
                Payload {
                    msg: &sealed[1 + NONCE_LEN..],
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| KeyError::Decrypt)
    }
}

pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

pub fn write_private_file(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(contents)?;
    f.sync_all()
}

fn argon2() -> Argon2<'static> {
    // OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1. The parameters
    // are constants that Params::new accepts; the fallback keeps the library default
    // (which is the same set) rather than panicking.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password on a blocking thread (argon2 is deliberately CPU-heavy).
pub async fn hash_password(password: String) -> Result<String, String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

/// Verifies a password against a stored PHC string on a blocking thread.
pub async fn verify_password(password: String, phc: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&phc)
            .map(|parsed| {
                argon2()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const UPPER32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

fn random_from(alphabet: &[u8], len: usize) -> String {
    let mut rng = OsRng;
    (0..len)
        .map(|_| char::from(alphabet[rng.gen_range(0..alphabet.len())]))
        .collect()
}

/// A random token of `len` characters from [A-Za-z0-9] (≈5.95 bits each).
pub fn random_token(len: usize) -> String {
    random_from(ALNUM, len)
}

/// Lowercase hex SHA-256, for high-entropy secrets (activation codes) that are looked
/// up by id and compared in constant time.
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(data))
}

/// A random password for the first admin: 24 characters from 62 (≈143 bits).
pub fn random_password() -> String {
    random_from(ALNUM, 24)
}

/// An access key id shaped like AWS's (20 characters, `AKIA` + 16 base32).
pub fn new_access_key_id() -> String {
    format!("AKIA{}", random_from(UPPER32, 16))
}

/// A 40-character secret access key.
pub fn new_secret_access_key() -> String {
    random_from(
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
        40,
    )
}

pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buf);
    hex::encode(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_and_context_binding() {
        let k = MasterKey::generate();
        let sealed = k.seal("access-key:A", b"secret");
        assert_eq!(
            k.open("access-key:A", &sealed).ok(),
            Some(b"secret".to_vec())
        );
        assert!(
            k.open("access-key:B", &sealed).is_err(),
            "ciphertext moved to another row"
        );
        assert!(
            MasterKey::generate().open("access-key:A", &sealed).is_err(),
            "other key"
        );
        let mut damaged = sealed.clone();
        let last = damaged.len() - 1;
        damaged[last] ^= 1;
        assert!(k.open("access-key:A", &damaged).is_err());
        assert!(!String::from_utf8_lossy(&sealed).contains("secret"));
    }

    #[test]
    fn key_file_created_private_and_reloaded() {
        let dir = std::env::temp_dir().join(format!("bosun-key-{}", random_hex(8)));
        let path = dir.join("keys/master.key");
        let a = MasterKey::load_or_create(&path).expect("create");
        let b = MasterKey::load_or_create(&path).expect("reload");
        assert_eq!(a.key, b.key);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn password_hash_is_argon2id_owasp() {
        let h = hash_password("correct horse".into()).await.expect("hash");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_password("correct horse".into(), h.clone()).await);
        assert!(!verify_password("wrong".into(), h).await);
        assert!(!verify_password("x".into(), "not a hash".into()).await);
    }

    #[test]
    fn generated_identifiers_have_aws_shapes() {
        let id = new_access_key_id();
        assert_eq!(id.len(), 20);
        assert!(id.starts_with("AKIA"));
        assert_eq!(new_secret_access_key().len(), 40);
        assert_eq!(random_password().len(), 24);
    }
}
