//! Managed nodes: registration with an activation, authentication of agent
//! connections, ping status, `DescribeInstanceInformation` and
//! `DeregisterManagedInstance`.
//!
//! Invariants:
//! - A node is created only by registering with a valid activation; the activation's
//!   registration count moves in the same transaction, guarded so concurrent
//!   registrations never exceed the limit.
//! - The server holds only the node's public key; a connection is accepted only with a
//!   signature over this connection's challenge.
//! - Ping status: `Online` while an authenticated connection is current,
//!   `ConnectionLost` once it ends, `Inactive` after deregistration — final: a
//!   deregistered node is refused and its live link is cut.
//! - Only the current connection (by generation) may change a node's status, so a
//!   superseded connection closing late cannot mark a connected node lost.

mod service;
pub mod store;

pub use service::*;
