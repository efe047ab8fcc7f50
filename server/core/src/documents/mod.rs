//! SSM documents: Command documents in JSON or YAML (schema 2.2, and 1.2 for
//! reading), their versions, the built-in documents, and the API/console operations on
//! them (`CreateDocument`, `GetDocument`, `UpdateDocument`, `DeleteDocument`,
//! `DescribeDocument`, `ListDocuments`, `ListDocumentVersions`,
//! `UpdateDocumentDefaultVersion`).
//!
//! Invariants:
//! - A stored version always validated when it was stored; content is kept exactly as
//!   written (hash over those bytes) and converted JSON↔YAML only on the way out.
//! - Unknown plugins, parameter types and undeclared `{{ parameter }}` references are
//!   refused at create/update time, with the path of the bad element.
//! - Built-ins (`builtin`) are read-only, one version, Owner `Amazon`; their name
//!   prefixes (aws, amazon, amzn) are reserved.
//! - The default version is never deleted on its own.

pub mod builtin;
pub mod model;
mod service;
pub mod store;

pub use service::*;
