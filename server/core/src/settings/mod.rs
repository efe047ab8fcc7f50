//! SSM service settings (`GetServiceSetting`, `UpdateServiceSetting`,
//! `ResetServiceSetting`): account-wide switches with AWS's ids, defaults and allowed
//! values. A setting that was never changed has no row and reads as its default with
//! status `Default`; resetting deletes the row.
//!
//! Invariant: only ids in [`SETTINGS`] exist; values are checked against the
//! definition before they are stored.

mod service;
pub mod store;

pub use service::*;
