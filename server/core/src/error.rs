//! The service layer's error: a kind every adapter understands, a message that is safe
//! to show to the caller, optionally the AWS exception name an operation documents and
//! the form field at fault. Causes (database errors, I/O) are logged where the error
//! is created and never travel to a client.

use crate::types::ErrorKind;
use std::fmt;

pub type ServiceResult<T> = Result<T, ServiceError>;

#[derive(Clone, PartialEq, Eq)]
pub struct ServiceError {
    pub kind: ErrorKind,
    /// Safe for clients: never contains secrets, SQL or internal paths.
    pub message: String,
    /// The operation-specific AWS exception (e.g. `ServiceSettingNotFound`), when the
    /// model names one for this failure. Without it the API uses the kind's default.
    pub exception: Option<&'static str>,
    /// The input field at fault, for inline form errors.
    pub field: Option<&'static str>,
}

impl ServiceError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ServiceError {
            kind,
            message: message.into(),
            exception: None,
            field: None,
        }
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Validation, message)
    }

    /// A validation error about one form field.
    pub fn invalid_field(field: &'static str, message: impl Into<String>) -> Self {
        ServiceError {
            field: Some(field),
            ..Self::validation(message)
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }

    pub fn already_exists(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::AlreadyExists, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, message)
    }

    pub fn access_denied(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::AccessDenied, message)
    }

    pub fn unauthenticated() -> Self {
        Self::new(ErrorKind::Unauthenticated, "Sign in to continue.")
    }

    pub fn throttled(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Throttled, message)
    }

    pub fn limit_exceeded(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::LimitExceeded, message)
    }

    /// An internal failure. The cause is logged here, with the context; the caller gets
    /// a generic message.
    pub fn internal(context: &str, cause: &dyn fmt::Display) -> Self {
        tracing::error!(context, cause = %cause, "internal error");
        Self::new(
            ErrorKind::Internal,
            "An internal error occurred. The server log has the details.",
        )
    }

    pub fn with_exception(mut self, exception: &'static str) -> Self {
        self.exception = Some(exception);
        self
    }

    pub fn with_field(mut self, field: &'static str) -> Self {
        self.field = Some(field);
        self
    }
}

impl fmt::Debug for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceError")
            .field("kind", &self.kind)
            .field("message", &self.message)
            .field("exception", &self.exception)
            .field("field", &self.field)
            .finish()
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ServiceError {}

impl From<sqlx::Error> for ServiceError {
    fn from(e: sqlx::Error) -> Self {
        ServiceError::internal("database", &e)
    }
}

/// Whether a database error is a uniqueness violation (both backends).
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => db.is_unique_violation(),
        _ => false,
    }
}
