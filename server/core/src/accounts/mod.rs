//! Accounts: users, roles, passwords, sessions' owners and API access keys.
//!
//! Invariants:
//! - Passwords are stored only as argon2id PHC strings; access-key secrets only sealed
//!   under the master key. Neither appears in `Debug`, logs, audit details or errors.
//! - There is always at least one enabled admin: the last one cannot be disabled or
//!   demoted.
//! - Disabling a user or changing their password ends all their sessions (their rows
//!   are deleted and the user's session epoch moves, so a session saved by a request
//!   already in flight is refused too).
//! - Sign-in answers the same for unknown users and wrong passwords, and refuses
//!   throttled attempts before hashing.

mod service;
pub mod store;

pub use service::*;
