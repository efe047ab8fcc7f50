//! The node's credential: an Ed25519 key pair made at registration.
//!
//! The private key never leaves the node: registration sends the public key, and each
//! connection proves possession by signing [`bosun_protocol::auth_payload`] (the instance
//! id and that connection's challenge). The key file holds the 32-byte secret seed as hex
//! on one line, mode 0600. The key's text is wiped from memory after parsing, and
//! [`NodeKey`]'s `Debug` shows only the public half: no log line can carry the secret.

use std::fmt;
use std::path::Path;

use bosun_protocol::{auth_payload, CHALLENGE_BYTES};
use ed25519_dalek::{Signer, SigningKey, SECRET_KEY_LENGTH};
use rand::rngs::OsRng;
use zeroize::Zeroizing;

use crate::error::AgentError;
use crate::state::{read_private, write_private};

pub(crate) struct NodeKey(SigningKey);

impl fmt::Debug for NodeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NodeKey")
            .field("public_key", &self.public_key_hex())
            .finish_non_exhaustive()
    }
}

impl NodeKey {
    /// A new key pair from the operating system's random source.
    pub(crate) fn generate() -> NodeKey {
        NodeKey(SigningKey::generate(&mut OsRng))
    }

    /// The public key as the protocol sends it: 32 bytes, lowercase hex.
    pub(crate) fn public_key_hex(&self) -> String {
        hex::encode(self.0.verifying_key().as_bytes())
    }

    /// The `Authenticate` signature (64 bytes, hex) for this connection's challenge.
    /// The challenge must be [`CHALLENGE_BYTES`] bytes of hex: the agent signs nothing
    /// else, so a server cannot make it sign arbitrary text.
    pub(crate) fn sign_challenge(
        &self,
        instance_id: &str,
        challenge_hex: &str,
    ) -> Result<String, AgentError> {
        let well_formed = challenge_hex.len() == 2 * CHALLENGE_BYTES
            && challenge_hex.bytes().all(|b| b.is_ascii_hexdigit());
        if !well_formed {
            return Err(AgentError::Protocol(format!(
                "the challenge is not {CHALLENGE_BYTES} bytes of hex"
            )));
        }
        let signature = self.0.sign(&auth_payload(instance_id, challenge_hex));
        Ok(hex::encode(signature.to_bytes()))
    }

    pub(crate) fn save(&self, path: &Path) -> Result<(), AgentError> {
        let mut text = Zeroizing::new(hex::encode(self.0.to_bytes()));
        text.push('\n');
        write_private(path, text.as_bytes())
    }

    pub(crate) fn load(path: &Path) -> Result<NodeKey, AgentError> {
        let bytes = Zeroizing::new(read_private(path)?);
        NodeKey::parse(&bytes).map_err(|reason| AgentError::CorruptState {
            path: path.to_path_buf(),
            reason: reason.to_string(),
        })
    }

    /// Parses the key file's contents. The error never quotes the contents.
    fn parse(contents: &[u8]) -> Result<NodeKey, &'static str> {
        let text = std::str::from_utf8(contents)
            .map_err(|_| "the key file is not text")?
            .trim();
        let mut seed = Zeroizing::new([0u8; SECRET_KEY_LENGTH]);
        hex::decode_to_slice(text, seed.as_mut_slice())
            .map_err(|_| "the key file does not hold 32 bytes of hex")?;
        Ok(NodeKey(SigningKey::from_bytes(&seed)))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::state::tests::{mode, TempDir};
    use ed25519_dalek::{Signature, Verifier, VerifyingKey};

    const CHALLENGE: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    fn verifying_key(hex_key: &str) -> VerifyingKey {
        let bytes: [u8; 32] = hex::decode(hex_key).unwrap().try_into().unwrap();
        VerifyingKey::from_bytes(&bytes).unwrap()
    }

    #[test]
    fn signatures_verify_with_the_public_key_only_for_their_payload() {
        let key = NodeKey::generate();
        let public = verifying_key(&key.public_key_hex());
        let sig_hex = key
            .sign_challenge("mi-0123456789abcdef0", CHALLENGE)
            .unwrap();
        let sig_bytes: [u8; 64] = hex::decode(&sig_hex).unwrap().try_into().unwrap();
        let sig = Signature::from_bytes(&sig_bytes);
        let payload = auth_payload("mi-0123456789abcdef0", CHALLENGE);
        assert!(public.verify(&payload, &sig).is_ok());
        let other = auth_payload("mi-0123456789abcdef1", CHALLENGE);
        assert!(public.verify(&other, &sig).is_err());
    }

    #[test]
    fn malformed_challenges_are_not_signed() {
        let key = NodeKey::generate();
        for bad in ["", "00", &"zz".repeat(32), &"00".repeat(33)] {
            assert!(
                matches!(
                    key.sign_challenge("mi-0123456789abcdef0", bad),
                    Err(AgentError::Protocol(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn key_file_is_private_and_round_trips() {
        let tmp = TempDir::new("key");
        let path = tmp.path().join("node.key");
        let key = NodeKey::generate();
        key.save(&path).unwrap();
        assert_eq!(mode(&path), 0o600);
        let loaded = NodeKey::load(&path).unwrap();
        assert_eq!(loaded.public_key_hex(), key.public_key_hex());
        // Same key, same (deterministic) Ed25519 signature.
        assert_eq!(
            loaded
                .sign_challenge("mi-0123456789abcdef0", CHALLENGE)
                .unwrap(),
            key.sign_challenge("mi-0123456789abcdef0", CHALLENGE)
                .unwrap()
        );
    }

    #[test]
    fn debug_and_errors_never_show_the_secret() {
        let key = NodeKey::generate();
        let secret = hex::encode(key.0.to_bytes());
        let shown = format!("{key:?}");
        assert!(!shown.contains(&secret), "{shown}");
        assert!(shown.contains(&key.public_key_hex()));

        let tmp = TempDir::new("badkey");
        let path = tmp.path().join("node.key");
        std::fs::write(&path, format!("{secret}ff\n")).unwrap();
        let err = NodeKey::load(&path).unwrap_err().to_string();
        assert!(!err.contains(&secret), "{err}");
    }
}
