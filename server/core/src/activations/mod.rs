//! Hybrid activations (`CreateActivation`, `DescribeActivations`, `DeleteActivation`):
//! the one-time credentials with which machines enrol as managed nodes.
//!
//! Invariants:
//! - The activation code exists in clear only in the `NewActivation` returned by
//!   `create_activation`; the database holds its SHA-256, compared in constant time.
//! - An activation expires at most the service setting `/ssm/managed-instance/activation-max-expiration-days` (30 days unless changed) after creation (24 h by default)
//!   and allows 1–1000 registrations.
//! - Registration (with the agent, next step) consumes one registration atomically and
//!   refuses expired or exhausted activations with `InvalidActivation`.

mod service;
pub mod store;

pub use service::*;
