//! Enrolment: trade an activation for a managed instance id and a node credential.
//!
//! The key pair is made first and its private half written (as `node.key.pending`)
//! before the server is contacted, so a state directory that cannot be written fails
//! before an activation is spent. Only after `Registered` does the key take its place
//! and `state.json` get written; a failed or refused registration leaves any earlier
//! registration exactly as it was.

use std::fs;

use bosun_protocol::{is_managed_instance_id, AgentMessage, ServerMessage};

use crate::error::{printable, AgentError};
use crate::identity::NodeKey;
use crate::link::{tls_config, unexpected, ws_url, Link};
use crate::state::{State, StateDir};
use crate::RegisterOptions;

/// Registers this node with the server and writes its state to `opts.state_dir`.
/// Returns the managed instance id the server assigned.
///
/// Refuses ([`AgentError::AlreadyRegistered`]) when the directory already holds a
/// registration, unless `opts.force`. Errors the server reports come back as
/// [`AgentError::Rejected`]; `invalid_activation` and `invalid_activation_id` are
/// permanent.
pub async fn register(opts: &RegisterOptions) -> Result<String, AgentError> {
    let dir = StateDir::new(&opts.state_dir);
    match dir.read_state() {
        Ok(Some(existing)) if !opts.force => {
            return Err(AgentError::AlreadyRegistered {
                state_dir: dir.root().to_path_buf(),
                instance_id: existing.instance_id,
            })
        }
        Ok(Some(existing)) => tracing::warn!(
            instance_id = %existing.instance_id,
            "replacing this node's registration; the server lists the old instance until \
             it is deregistered"
        ),
        // A damaged state file counts as a registration: only --force replaces it.
        Err(e) if !opts.force => return Err(e),
        Err(_) | Ok(None) => {}
    }
    let url = ws_url(&opts.server)?;
    let tls = tls_config(opts.ca_file.as_deref())?;
    dir.ensure_exists()?;

    let key = NodeKey::generate();
    let pending = dir.pending_key_path();
    key.save(&pending)?;
    tracing::info!(server = %url, activation_id = %opts.activation_id, "registering");
    let instance_id = match enrol(&url, &tls, &key, opts).await {
        Ok(id) => id,
        Err(e) => {
            let _ = fs::remove_file(&pending);
            return Err(e);
        }
    };
    let key_path = dir.key_path();
    fs::rename(&pending, &key_path).map_err(|e| AgentError::io(&key_path, e))?;
    dir.write_state(&State {
        instance_id: instance_id.clone(),
        server: opts.server.clone(),
    })?;
    tracing::info!(%instance_id, state_dir = %dir.root().display(), "registered");
    Ok(instance_id)
}

/// The registration conversation; the connection is closed whatever its outcome.
async fn enrol(
    url: &str,
    tls: &std::sync::Arc<rustls::ClientConfig>,
    key: &NodeKey,
    opts: &RegisterOptions,
) -> Result<String, AgentError> {
    let mut link = Link::connect(url, tls).await?;
    let outcome = async {
        // Registration needs no challenge: the activation code is the proof.
        link.hello().await?;
        link.send(&AgentMessage::Register {
            activation_id: opts.activation_id.clone(),
            activation_code: opts.activation_code.clone(),
            public_key: key.public_key_hex(),
            name: opts.name.clone(),
        })
        .await?;
        match link.reply("waiting for the registration").await? {
            ServerMessage::Registered { instance_id } if is_managed_instance_id(&instance_id) => {
                Ok(instance_id)
            }
            ServerMessage::Registered { instance_id } => Err(AgentError::Protocol(format!(
                "the server assigned {:?}, which is not a managed instance id",
                printable(&instance_id, 40)
            ))),
            other => Err(unexpected(&other)),
        }
    }
    .await;
    link.close().await;
    outcome
}
