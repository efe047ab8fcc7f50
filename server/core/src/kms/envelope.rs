//! Envelope encryption, pure: no database, no clock.
//!
//! A value is encrypted with AES-256-GCM under a fresh random 256-bit *data key*, with
//! the caller's context (e.g. `parameter:/a/b:3`) as associated data. The data key is
//! then wrapped (AES-256-GCM) under the named key's *material* of one version, with
//! associated data that binds the key id, the material version and the same context.
//! So a [`Sealed`] copied to another parameter or version, or given another key's
//! wrapped data key, does not decrypt; and rotating a key only re-wraps the 32-byte
//! data key, never the value.
//!
//! Every data key encrypts exactly one value, once, so a random 96-bit nonce per
//! encryption is safe.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use rand::rngs::OsRng;
use rand::RngCore;
use std::fmt;
use zeroize::{Zeroize, Zeroizing};

const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// A wrapped data key: nonce, the encrypted 32 bytes, tag.
const WRAPPED_KEY_LEN: usize = NONCE_LEN + KEY_LEN + TAG_LEN;
/// The first byte of [`Sealed::to_bytes`].
const FORMAT_V1: u8 = 1;
/// Key ids are UUIDs (36 characters); anything far longer is damage.
const MAX_KEY_ID_LEN: usize = 255;

/// Why an envelope could not be read or opened. The text never holds key bytes,
/// plaintext or ciphertext.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    #[error("the sealed value is not in a format this server reads")]
    Format,
    #[error("the value could not be decrypted")]
    Decrypt,
}

/// One version of a named key's material: the 256-bit key that wraps data keys.
/// Wiped from memory on drop; `Debug` does not print it.
#[derive(Clone)]
pub struct KeyMaterial(Zeroizing<[u8; KEY_LEN]>);

impl KeyMaterial {
    pub fn generate() -> KeyMaterial {
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        OsRng.fill_bytes(key.as_mut());
        KeyMaterial(key)
    }

    /// Takes the material out of its unsealed bytes (which this wipes); `None` unless
    /// they are exactly 32 bytes.
    pub fn from_unsealed(mut bytes: Vec<u8>) -> Option<KeyMaterial> {
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        let ok = bytes.len() == KEY_LEN;
        if ok {
            key.copy_from_slice(&bytes);
        }
        bytes.zeroize();
        ok.then_some(KeyMaterial(key))
    }

    /// The raw bytes, to be sealed under the master key (and nowhere else).
    pub(crate) fn expose(&self) -> &[u8] {
        self.0.as_ref()
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(self.0.as_ref().into())
    }
}

impl fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyMaterial(<redacted>)")
    }
}

/// An encrypted value: which key version wrapped its data key, the wrapped data key
/// and the ciphertext. Stored as one blob ([`Sealed::to_bytes`]).
#[derive(Clone, PartialEq, Eq)]
pub struct Sealed {
    pub key_id: String,
    pub key_version: i64,
    /// Nonce ‖ AES-256-GCM(data key) ‖ tag, under the key material.
    pub wrapped_key: Vec<u8>,
    /// Nonce ‖ AES-256-GCM(value) ‖ tag, under the data key.
    pub ciphertext: Vec<u8>,
}

impl fmt::Debug for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sealed")
            .field("key_id", &self.key_id)
            .field("key_version", &self.key_version)
            .field("wrapped_key_len", &self.wrapped_key.len())
            .field("ciphertext_len", &self.ciphertext.len())
            .finish()
    }
}

impl Sealed {
    /// The storage form, version 1 (integers big-endian):
    ///
    /// ```text
    /// 0x01 | u8 key-id length n | n bytes key id (UTF-8) | i64 key version
    ///      | u16 wrapped-key length m | m bytes wrapped key
    ///      | u32 ciphertext length c | c bytes ciphertext
    /// ```
    ///
    /// The explicit lengths make a truncated or padded blob a format error rather than
    /// a decryption failure.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Every Sealed this module makes has a UUID key id, a 60-byte wrapped key and
        // a ciphertext far below 4 GiB. The clamps only keep a hand-built one from
        // writing lengths that overflow their fields; such a blob reads back as a
        // Sealed that does not decrypt.
        let key_id = self.key_id.as_bytes();
        let id_len = key_id.len().min(MAX_KEY_ID_LEN);
        let wrapped_len = self.wrapped_key.len().min(u16::MAX as usize);
        let ct_len = self.ciphertext.len().min(u32::MAX as usize);
        let mut out = Vec::with_capacity(1 + 1 + id_len + 8 + 2 + wrapped_len + 4 + ct_len);
        out.push(FORMAT_V1);
        out.push(id_len as u8);
        out.extend_from_slice(&key_id[..id_len]);
        out.extend_from_slice(&self.key_version.to_be_bytes());
        out.extend_from_slice(&(wrapped_len as u16).to_be_bytes());
        out.extend_from_slice(&self.wrapped_key[..wrapped_len]);
        out.extend_from_slice(&(ct_len as u32).to_be_bytes());
        out.extend_from_slice(&self.ciphertext[..ct_len]);
        out
    }

    /// Reads [`Sealed::to_bytes`]' form. Anything else — another format byte, a
    /// truncation, trailing bytes, lengths that do not add up — is
    /// [`EnvelopeError::Format`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Sealed, EnvelopeError> {
        let mut r = Reader(bytes);
        if r.take(1)? != [FORMAT_V1] {
            return Err(EnvelopeError::Format);
        }
        let id_len = usize::from(r.take(1)?[0]);
        let key_id = std::str::from_utf8(r.take(id_len)?)
            .map_err(|_| EnvelopeError::Format)?
            .to_string();
        let key_version = i64::from_be_bytes(r.array()?);
        let wrapped_len = usize::from(u16::from_be_bytes(r.array()?));
        let wrapped_key = r.take(wrapped_len)?.to_vec();
        let ct_len =
            usize::try_from(u32::from_be_bytes(r.array()?)).map_err(|_| EnvelopeError::Format)?;
        let ciphertext = r.take(ct_len)?.to_vec();
        if !r.0.is_empty()
            || key_id.is_empty()
            || key_version < 1
            || wrapped_key.len() != WRAPPED_KEY_LEN
            || ciphertext.len() < NONCE_LEN + TAG_LEN
        {
            return Err(EnvelopeError::Format);
        }
        Ok(Sealed {
            key_id,
            key_version,
            wrapped_key,
            ciphertext,
        })
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], EnvelopeError> {
        if self.0.len() < n {
            return Err(EnvelopeError::Format);
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], EnvelopeError> {
        self.take(N)?.try_into().map_err(|_| EnvelopeError::Format)
    }
}

/// The associated data of a wrapped data key. Lengths first, so no choice of key id
/// and context can collide with another's.
fn wrap_aad(key_id: &str, key_version: i64, context: &str) -> Vec<u8> {
    format!(
        "bosun-kms-wrap:v1:{}:{key_id}:{key_version}:{}:{context}",
        key_id.len(),
        context.len()
    )
    .into_bytes()
}

/// AES-256-GCM with a random nonce: nonce ‖ ciphertext ‖ tag.
fn gcm_seal(cipher: &Aes256Gcm, aad: &[u8], msg: &[u8]) -> Vec<u8> {
    let mut nonce = [0u8; NONCE_LEN];
    OsRng.fill_bytes(&mut nonce);
    // AES-GCM encryption with a 32-byte key and 12-byte nonce fails only for messages
    // over 64 GiB, which no caller produces; an empty result would then fail to open.
    let ct = cipher
        .encrypt(Nonce::from_slice(&nonce), Payload { msg, aad })
        .unwrap_or_default();
    let mut out = Vec::with_capacity(NONCE_LEN + ct.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ct);
    out
}

fn gcm_open(cipher: &Aes256Gcm, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, EnvelopeError> {
    if sealed.len() < NONCE_LEN + TAG_LEN {
        return Err(EnvelopeError::Decrypt);
    }
    let (nonce, msg) = sealed.split_at(NONCE_LEN);
    cipher
        .decrypt(Nonce::from_slice(nonce), Payload { msg, aad })
        .map_err(|_| EnvelopeError::Decrypt)
}

fn wrap(
    material: &KeyMaterial,
    key_id: &str,
    key_version: i64,
    context: &str,
    data_key: &[u8; KEY_LEN],
) -> Vec<u8> {
    gcm_seal(
        &material.cipher(),
        &wrap_aad(key_id, key_version, context),
        data_key,
    )
}

fn unwrap_data_key(
    material: &KeyMaterial,
    sealed: &Sealed,
    context: &str,
) -> Result<Zeroizing<[u8; KEY_LEN]>, EnvelopeError> {
    let raw = Zeroizing::new(gcm_open(
        &material.cipher(),
        &wrap_aad(&sealed.key_id, sealed.key_version, context),
        &sealed.wrapped_key,
    )?);
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    if raw.len() != KEY_LEN {
        return Err(EnvelopeError::Decrypt);
    }
    key.copy_from_slice(&raw);
    Ok(key)
}

/// Encrypts `plaintext` under a fresh data key wrapped by `material` (version
/// `key_version` of key `key_id`), both bound to `context`.
pub fn seal(
    material: &KeyMaterial,
    key_id: &str,
    key_version: i64,
    context: &str,
    plaintext: &[u8],
) -> Sealed {
    let mut data_key = Zeroizing::new([0u8; KEY_LEN]);
    OsRng.fill_bytes(data_key.as_mut());
    let ciphertext = gcm_seal(
        &Aes256Gcm::new(data_key.as_ref().into()),
        context.as_bytes(),
        plaintext,
    );
    Sealed {
        key_id: key_id.to_string(),
        key_version,
        wrapped_key: wrap(material, key_id, key_version, context, &data_key),
        ciphertext,
    }
}

/// Decrypts `sealed` with the material of `sealed.key_version` under `context`.
pub fn open(
    material: &KeyMaterial,
    sealed: &Sealed,
    context: &str,
) -> Result<Vec<u8>, EnvelopeError> {
    let data_key = unwrap_data_key(material, sealed, context)?;
    gcm_open(
        &Aes256Gcm::new(data_key.as_ref().into()),
        context.as_bytes(),
        &sealed.ciphertext,
    )
}

/// Re-wraps `sealed`'s data key from `from` (its current material) to `to` (version
/// `to_version` of the same key). The ciphertext is kept as it is; the data key is
/// checked against it first, so a value that would not decrypt is not given a new
/// wrapping that hides the damage.
pub fn rewrap(
    from: &KeyMaterial,
    to: &KeyMaterial,
    to_version: i64,
    sealed: &Sealed,
    context: &str,
) -> Result<Sealed, EnvelopeError> {
    let data_key = unwrap_data_key(from, sealed, context)?;
    let cipher = Aes256Gcm::new(data_key.as_ref().into());
    let mut check = gcm_open(&cipher, context.as_bytes(), &sealed.ciphertext)?;
    check.zeroize();
    Ok(Sealed {
        key_id: sealed.key_id.clone(),
        key_version: to_version,
        wrapped_key: wrap(to, &sealed.key_id, to_version, context, &data_key),
        ciphertext: sealed.ciphertext.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "6f1c3f3e-9f6e-4a4e-9b59-0d6f2b8a1c01";

    #[test]
    fn round_trip_and_storage_form() {
        let m = KeyMaterial::generate();
        for plaintext in [&b""[..], b"s3cret", &[0u8; 4096][..]] {
            let s = seal(&m, KEY, 1, "parameter:/a/b:1", plaintext);
            assert_eq!(s.wrapped_key.len(), WRAPPED_KEY_LEN);
            assert_eq!(
                open(&m, &s, "parameter:/a/b:1").as_deref(),
                Ok(plaintext),
                "round trip of {} bytes",
                plaintext.len()
            );
            let bytes = s.to_bytes();
            assert_eq!(bytes[0], FORMAT_V1);
            let back = Sealed::from_bytes(&bytes).expect("reads its own form");
            assert_eq!(back, s);
            assert_eq!(
                open(&m, &back, "parameter:/a/b:1").as_deref(),
                Ok(plaintext)
            );
        }
    }

    #[test]
    fn fresh_data_key_and_nonce_per_value() {
        let m = KeyMaterial::generate();
        let a = seal(&m, KEY, 1, "c", b"same");
        let b = seal(&m, KEY, 1, "c", b"same");
        assert_ne!(a.ciphertext, b.ciphertext);
        assert_ne!(a.wrapped_key, b.wrapped_key);
    }

    #[test]
    fn wrong_context_fails() {
        let m = KeyMaterial::generate();
        let s = seal(&m, KEY, 3, "parameter:/a/b:3", b"v");
        for other in [
            "parameter:/a/b:2",
            "parameter:/a/c:3",
            "",
            "parameter:/a/b:3 ",
        ] {
            assert_eq!(
                open(&m, &s, other),
                Err(EnvelopeError::Decrypt),
                "{other:?}"
            );
        }
    }

    #[test]
    fn wrong_material_key_id_or_version_fails() {
        let m = KeyMaterial::generate();
        let s = seal(&m, KEY, 1, "c", b"v");
        assert_eq!(
            open(&KeyMaterial::generate(), &s, "c"),
            Err(EnvelopeError::Decrypt)
        );
        let other_version = Sealed {
            key_version: 2,
            ..s.clone()
        };
        assert_eq!(open(&m, &other_version, "c"), Err(EnvelopeError::Decrypt));
        let other_key = Sealed {
            key_id: "another".into(),
            ..s.clone()
        };
        assert_eq!(open(&m, &other_key, "c"), Err(EnvelopeError::Decrypt));
    }

    #[test]
    fn swapped_wrapped_key_between_values_fails() {
        let m = KeyMaterial::generate();
        let a = seal(&m, KEY, 1, "parameter:/a:1", b"value a");
        let b = seal(&m, KEY, 1, "parameter:/b:1", b"value b");
        let mixed = Sealed {
            wrapped_key: a.wrapped_key.clone(),
            ..b.clone()
        };
        assert_eq!(
            open(&m, &mixed, "parameter:/b:1"),
            Err(EnvelopeError::Decrypt)
        );
        assert_eq!(
            open(&m, &mixed, "parameter:/a:1"),
            Err(EnvelopeError::Decrypt)
        );
        // Same context, two values (a caller that reused a context): the wrapped key
        // unwraps, but it is not the key of the other ciphertext.
        let c = seal(&m, KEY, 1, "same", b"c");
        let d = seal(&m, KEY, 1, "same", b"d");
        let mixed = Sealed {
            wrapped_key: c.wrapped_key,
            ..d
        };
        assert_eq!(open(&m, &mixed, "same"), Err(EnvelopeError::Decrypt));
    }

    #[test]
    fn any_tampered_byte_fails() {
        let m = KeyMaterial::generate();
        let s = seal(&m, KEY, 1, "c", b"tamper with me");
        let bytes = s.to_bytes();
        for i in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[i] ^= 0x01;
            let opened = Sealed::from_bytes(&damaged).and_then(|d| open(&m, &d, "c"));
            assert!(opened.is_err(), "flipped byte {i} still opened");
        }
    }

    #[test]
    fn from_bytes_refuses_garbage_without_panicking() {
        let m = KeyMaterial::generate();
        let good = seal(&m, KEY, 1, "c", b"v").to_bytes();
        for n in 0..good.len() {
            assert_eq!(
                Sealed::from_bytes(&good[..n]),
                Err(EnvelopeError::Format),
                "truncated to {n}"
            );
        }
        let mut rng = OsRng;
        for len in [1usize, 2, 10, 60, 100, 300, 70_000] {
            for _ in 0..50 {
                let mut junk = vec![0u8; len];
                rng.fill_bytes(&mut junk);
                let _ = Sealed::from_bytes(&junk);
                junk[0] = FORMAT_V1;
                let _ = Sealed::from_bytes(&junk);
            }
        }
        let mut padded = good.clone();
        padded.push(0);
        assert_eq!(Sealed::from_bytes(&padded), Err(EnvelopeError::Format));
        let mut v2 = good.clone();
        v2[0] = 2;
        assert_eq!(Sealed::from_bytes(&v2), Err(EnvelopeError::Format));
        // The key-id length pointing past the end.
        let mut long_id = good.clone();
        long_id[1] = 0xff;
        assert_eq!(Sealed::from_bytes(&long_id), Err(EnvelopeError::Format));
        // Version 0 and negative versions do not exist.
        let mut zero = Sealed::from_bytes(&good).expect("good");
        zero.key_version = 0;
        assert_eq!(
            Sealed::from_bytes(&zero.to_bytes()),
            Err(EnvelopeError::Format)
        );
        assert_eq!(Sealed::from_bytes(b""), Err(EnvelopeError::Format));
    }

    #[test]
    fn rewrap_keeps_ciphertext_and_opens_under_the_new_material() {
        let v1 = KeyMaterial::generate();
        let v2 = KeyMaterial::generate();
        let s = seal(&v1, KEY, 1, "parameter:/x:1", b"rotate me");
        let r = rewrap(&v1, &v2, 2, &s, "parameter:/x:1").expect("rewrap");
        assert_eq!(r.ciphertext, s.ciphertext);
        assert_eq!((r.key_id.as_str(), r.key_version), (KEY, 2));
        assert_eq!(
            open(&v2, &r, "parameter:/x:1").as_deref(),
            Ok(&b"rotate me"[..])
        );
        assert_eq!(open(&v1, &r, "parameter:/x:1"), Err(EnvelopeError::Decrypt));
        assert_eq!(
            rewrap(&v1, &v2, 2, &s, "parameter:/x:2").map(|_| ()),
            Err(EnvelopeError::Decrypt),
            "rewrap checks the context too"
        );
        let mut damaged = s.clone();
        if let Some(b) = damaged.ciphertext.last_mut() {
            *b ^= 1;
        }
        assert_eq!(
            rewrap(&v1, &v2, 2, &damaged, "parameter:/x:1").map(|_| ()),
            Err(EnvelopeError::Decrypt),
            "a damaged value is not re-wrapped"
        );
    }

    #[test]
    fn debug_never_prints_key_bytes() {
        let m = KeyMaterial::generate();
        assert_eq!(format!("{m:?}"), "KeyMaterial(<redacted>)");
        let s = seal(&m, KEY, 1, "c", b"plaintext");
        let shown = format!("{s:?}");
        assert!(shown.contains(KEY) && shown.contains("ciphertext_len"));
        assert!(!shown.contains(&format!("{:?}", s.ciphertext)));
    }

    #[test]
    fn material_from_unsealed_needs_32_bytes() {
        assert!(KeyMaterial::from_unsealed(vec![7; 32]).is_some());
        assert!(KeyMaterial::from_unsealed(vec![7; 31]).is_none());
        assert!(KeyMaterial::from_unsealed(Vec::new()).is_none());
    }
}
