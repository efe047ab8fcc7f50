//! Named encryption keys and envelope encryption: what SSM's `KeyId` names and
//! SecureString parameters are encrypted with (the role AWS KMS plays for SSM).
//!
//! A *key* has a UUID id, optionally a unique alias (`alias/<name>`) and one or more
//! versions of *material* (256 bits each); one version is current. Material is stored
//! only sealed under the [`MasterKey`](crate::crypto::MasterKey) with its key id and
//! version as associated data. A value is sealed by [`envelope`]: a fresh data key per
//! value, the value under the data key, the data key wrapped by the current material,
//! everything bound to the caller's context (`parameter:<name>:<version>`).
//!
//! Invariants:
//! - Key material and data keys exist in clear only in memory (wiped on drop, never in
//!   `Debug`, logs or error messages), the unsealed material in this process's
//!   [`Cache`] held by `Core`.
//! - `alias/aws/ssm`, the default key, exists once: created on first use by an
//!   insert-if-absent that replicas may race, then read back.
//! - Rotation adds a version and makes it current; no version is ever deleted or
//!   changed, so every value ever sealed still decrypts. [`rewrap`] moves a value's
//!   data key to the current version without re-encrypting the value;
//!   [`retire_unused`] marks the old versions no stored value uses any more (kept, so
//!   a value a writer sealed while racing the sweep still decrypts).
//! - A failed decryption is one error that says nothing about the value or the keys.

pub mod envelope;
mod service;
pub mod store;

pub use envelope::{EnvelopeError, KeyMaterial, Sealed};
pub use service::*;
