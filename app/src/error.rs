//! The console's error: a kind, a message safe to show, and the form field at fault.
//! Server functions return it; components render it. Service errors convert into it in
//! one place (`From<ServiceError>`); causes stay in the server log.

use bosun_core::types::ErrorKind;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    pub kind: ErrorKind,
    pub message: String,
    pub field: Option<String>,
}

impl AppError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        AppError {
            kind,
            message: message.into(),
            field: None,
        }
    }

    pub fn internal() -> Self {
        Self::new(
            ErrorKind::Internal,
            "An internal error occurred. The server log has the details.",
        )
    }

    pub fn unauthenticated() -> Self {
        Self::new(
            ErrorKind::Unauthenticated,
            "Your session has ended. Sign in again.",
        )
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError {
            field: Some(field.to_string()),
            ..Self::new(ErrorKind::Validation, message)
        }
    }

    /// The message for `field`, if this error is about it.
    pub fn for_field(&self, field: &str) -> Option<String> {
        (self.field.as_deref() == Some(field)).then(|| self.message.clone())
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(_) => Self::new(
                ErrorKind::Internal,
                "Could not reach the server. Check your connection and try again.",
            ),
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => Self::new(
                ErrorKind::Validation,
                "The form was incomplete. Fill in every required field.",
            ),
            _ => Self::internal(),
        }
    }
}

/// The HTTP status a server function answers with for an error of `kind`.
pub fn http_status(kind: ErrorKind) -> u16 {
    match kind {
        ErrorKind::Validation | ErrorKind::Conflict | ErrorKind::LimitExceeded => 400,
        ErrorKind::Unauthenticated => 401,
        ErrorKind::AccessDenied => 403,
        ErrorKind::NotFound => 404,
        ErrorKind::AlreadyExists => 409,
        ErrorKind::Throttled => 429,
        ErrorKind::Internal => 500,
    }
}

/// The one conversion from service errors. It also sets the response's status (when a
/// request is being answered), so scripts and logs see 4xx for the caller's mistakes
/// rather than server functions' default 500 — except for plain HTML form posts (no
/// JavaScript yet), which must stay the redirect back to the form that carries the
/// error.
#[cfg(feature = "ssr")]
impl From<bosun_core::ServiceError> for AppError {
    fn from(e: bosun_core::ServiceError) -> Self {
        use leptos::prelude::use_context;
        let plain_form_post = use_context::<http::request::Parts>().is_some_and(|p| {
            p.headers
                .get(http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("text/html"))
        });
        if let (false, Some(res)) = (
            plain_form_post,
            use_context::<leptos_axum::ResponseOptions>(),
        ) {
            if let Ok(status) = http::StatusCode::from_u16(http_status(e.kind)) {
                res.set_status(status);
            }
        }
        AppError {
            kind: e.kind,
            message: e.message,
            field: e.field.map(str::to_string),
        }
    }
}
