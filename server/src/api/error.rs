//! API errors as AWS SDKs parse them, and the one mapping from service errors.

use super::sigv4::SigV4Error;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bosun_core::types::ErrorKind;
use bosun_core::ServiceError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub exception: &'static str,
    pub message: String,
    pub status: StatusCode,
}

impl ApiError {
    pub fn new(exception: &'static str, message: impl Into<String>) -> Self {
        let status = if exception == "InternalServerError" {
            StatusCode::INTERNAL_SERVER_ERROR
        } else {
            StatusCode::BAD_REQUEST
        };
        ApiError {
            exception,
            message: message.into(),
            status,
        }
    }

    pub fn unrecognized_client() -> Self {
        Self::new(
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        )
    }

    pub fn too_large(limit: usize) -> Self {
        ApiError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            ..Self::new(
                "ValidationException",
                format!("The request body exceeds {limit} bytes."),
            )
        }
    }

    pub fn not_implemented(operation: &str) -> Self {
        Self::new(
            "UnsupportedOperationException",
            format!("Bosun does not implement AmazonSSM.{operation} yet."),
        )
    }

    pub fn from_sigv4(e: SigV4Error) -> Self {
        Self::new(e.aws_exception(), e.to_string())
    }

    /// The one place service errors become AWS exceptions: the operation-specific name
    /// when the service gave one, otherwise the kind's general exception.
    pub fn from_service(e: ServiceError) -> Self {
        let exception = e.exception.unwrap_or(match e.kind {
            ErrorKind::Validation | ErrorKind::Conflict => "ValidationException",
            ErrorKind::NotFound => "ResourceNotFoundException",
            ErrorKind::AlreadyExists => "AlreadyExistsException",
            ErrorKind::Unauthenticated => "UnrecognizedClientException",
            ErrorKind::AccessDenied => "AccessDeniedException",
            ErrorKind::Throttled => "ThrottlingException",
            ErrorKind::LimitExceeded => "ResourceLimitExceededException",
            ErrorKind::Internal => "InternalServerError",
        });
        Self::new(exception, e.message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "__type": self.exception, "message": self.message });
        (
            self.status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/x-amz-json-1.1"),
            )],
            body.to_string(),
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_errors_map_to_aws_exceptions() {
        let cases = [
            (ServiceError::validation("x"), "ValidationException", 400),
            (
                ServiceError::access_denied("x"),
                "AccessDeniedException",
                400,
            ),
            (
                ServiceError::not_found("x").with_exception("ServiceSettingNotFound"),
                "ServiceSettingNotFound",
                400,
            ),
            (
                ServiceError::new(ErrorKind::Internal, "x"),
                "InternalServerError",
                500,
            ),
            (ServiceError::throttled("x"), "ThrottlingException", 400),
        ];
        for (e, name, status) in cases {
            let a = ApiError::from_service(e);
            assert_eq!((a.exception, a.status.as_u16()), (name, status));
        }
    }
}
