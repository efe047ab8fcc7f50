//! Bosun's domain, shared by the console, the AWS API and the admin CLI.
//!
//! Two layers live here:
//! - [`types`]: plain serde types that the console (wasm and SSR) and the server share.
//!   They compile everywhere, including `wasm32-unknown-unknown`.
//! - With feature `backend`: one module per capability (`accounts`, `audit`, `settings`, …),
//!   each with a `store` (SQL only) and a `service` (rules, validation, role checks, audit).
//!   Adapters — console server functions in `app`, AWS operations and the CLI in `server` —
//!   call the services and nothing below them.
//!
//! Invariants: services never know about HTTP; every change a service makes is written
//! in the same transaction as its audit record; secrets never reach `Debug` or logs.

pub mod types;

#[cfg(feature = "backend")]
pub mod accounts;
#[cfg(feature = "backend")]
pub mod activations;
#[cfg(feature = "backend")]
pub mod audit;
#[cfg(feature = "backend")]
pub mod clock;
#[cfg(feature = "backend")]
pub mod cluster;
#[cfg(feature = "backend")]
pub mod commands;
#[cfg(feature = "backend")]
mod core;
#[cfg(feature = "backend")]
pub mod crypto;
#[cfg(feature = "backend")]
pub mod db;
#[cfg(feature = "backend")]
pub mod documents;
#[cfg(feature = "backend")]
pub mod error;
#[cfg(feature = "backend")]
pub mod kms;
#[cfg(feature = "backend")]
pub mod links;
#[cfg(feature = "backend")]
pub mod maintenance;
#[cfg(feature = "backend")]
pub mod nodes;
#[cfg(feature = "backend")]
pub mod notify;
#[cfg(feature = "backend")]
pub mod paging;
#[cfg(feature = "backend")]
pub mod parameters;
#[cfg(feature = "backend")]
pub mod patch;
#[cfg(feature = "backend")]
pub mod sessions;
#[cfg(feature = "backend")]
pub mod settings;
#[cfg(feature = "backend")]
pub mod tags;
#[cfg(feature = "test-support")]
pub mod testing;
#[cfg(feature = "backend")]
pub mod throttle;

#[cfg(feature = "backend")]
pub use crate::core::{Actor, Core, CoreConfig, DEFAULT_REGION};
/// Patch baseline types and rules, for the adapters and the console.
pub use bosun_patch;
#[cfg(feature = "backend")]
pub use error::{ServiceError, ServiceResult};
