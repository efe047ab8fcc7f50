//! Run Command on the node: the at-most-once [`journal`] and the step [`executor`].
//! The link session (`run.rs`) feeds them `Run`/`Cancel` messages and sends what they
//! produce; see `bosun_protocol::exec` for the messages.

pub mod executor;
pub mod journal;

pub use executor::execute;
pub use journal::{Journal, JournalError, Seen};

#[cfg(test)]
mod tests;
