//! Which nodes are connected to this server process, and the means to cut a link.
//!
//! The agent link adapter attaches every authenticated connection here; services cut
//! links (deregistration) without knowing anything about WebSockets. A newer
//! connection of the same node supersedes the older one. With several replicas each
//! holds its own registry; a cut meant for a link another replica holds travels as a
//! `cluster` notice, and the node's row records the current connection generation and
//! its replica either way.

use bosun_protocol::ServerMessage;
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::{mpsc, watch};

/// Why a link was cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CutReason {
    Superseded,
    Deregistered,
    ShuttingDown,
}

struct Entry {
    generation: i64,
    cut: watch::Sender<Option<CutReason>>,
    outbox: mpsc::UnboundedSender<ServerMessage>,
}

#[derive(Default)]
pub struct NodeLinks {
    inner: Mutex<HashMap<String, Entry>>,
}

/// A connection's handle: it learns here when it must close, and receives what
/// services send to its node ([`NodeLinks::send`]). The outbox holds control messages
/// only (Run, Cancel, acknowledgements), bounded by the dispatcher's concurrency.
pub struct LinkHandle {
    pub generation: i64,
    pub cut: watch::Receiver<Option<CutReason>>,
    pub outbox: mpsc::UnboundedReceiver<ServerMessage>,
}

impl NodeLinks {
    /// Attaches a connection of `instance_id` with `generation`; an older connection of
    /// the same node is cut as superseded.
    pub fn attach(&self, instance_id: &str, generation: i64) -> LinkHandle {
        let (tx, rx) = watch::channel(None);
        let (out_tx, out_rx) = mpsc::unbounded_channel();
        let mut map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(old) = map.insert(
            instance_id.to_string(),
            Entry {
                generation,
                cut: tx,
                outbox: out_tx,
            },
        ) {
            let _ = old.cut.send(Some(CutReason::Superseded));
        }
        LinkHandle {
            generation,
            cut: rx,
            outbox: out_rx,
        }
    }

    /// Sends `message` to the node's current link in this process. False when this
    /// process holds no link of the node (it is offline, or another replica holds it).
    pub fn send(&self, instance_id: &str, message: ServerMessage) -> bool {
        let map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        map.get(instance_id)
            .is_some_and(|e| e.outbox.send(message).is_ok())
    }

    /// Whether this process holds a link of the node.
    pub fn holds(&self, instance_id: &str) -> bool {
        self.inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(instance_id)
    }

    /// Detaches a connection when it ends (only if it is still the current one).
    pub fn detach(&self, instance_id: &str, generation: i64) {
        let mut map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if map
            .get(instance_id)
            .is_some_and(|e| e.generation == generation)
        {
            map.remove(instance_id);
        }
    }

    /// Cuts the node's link if this process holds one older than `generation` (a newer
    /// connection reached another replica).
    pub fn cut_older(&self, instance_id: &str, generation: i64, reason: CutReason) -> bool {
        let map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        match map.get(instance_id) {
            Some(e) if e.generation < generation => e.cut.send(Some(reason)).is_ok(),
            _ => false,
        }
    }

    /// Cuts every link (server shutdown).
    pub fn cut_all(&self, reason: CutReason) {
        let map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        for e in map.values() {
            let _ = e.cut.send(Some(reason));
        }
    }

    pub fn connected(&self) -> usize {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newer_connection_supersedes_and_cut_reaches_the_current_one() {
        let links = NodeLinks::default();
        let first = links.attach("mi-1", 1);
        let second = links.attach("mi-1", 2);
        assert_eq!(*first.cut.borrow(), Some(CutReason::Superseded));
        assert_eq!(*second.cut.borrow(), None);
        links.detach("mi-1", 1); // the old connection ending does not detach the new one
        assert_eq!(links.connected(), 1);
        assert!(links.cut_older("mi-1", i64::MAX, CutReason::Deregistered));
        assert_eq!(*second.cut.borrow(), Some(CutReason::Deregistered));
        links.detach("mi-1", 2);
        assert!(!links.cut_older("mi-1", i64::MAX, CutReason::Deregistered));
    }

    #[test]
    fn only_older_links_are_cut_for_a_newer_generation() {
        let links = NodeLinks::default();
        let current = links.attach("mi-1", 5);
        assert!(!links.cut_older("mi-1", 5, CutReason::Superseded));
        assert!(!links.cut_older("mi-1", 4, CutReason::Superseded));
        assert_eq!(*current.cut.borrow(), None);
        assert!(links.cut_older("mi-1", 6, CutReason::Superseded));
        assert_eq!(*current.cut.borrow(), Some(CutReason::Superseded));
        assert!(!links.cut_older("mi-2", 1, CutReason::Superseded));
    }
}
