//! One error type for the HTTP layer: a status and a JSON body that names what was wrong.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use schemars::JsonSchema;
use serde::Serialize;

use territoires_query::{ErrorCode, ErrorDetails, QueryError};

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    /// A stable, machine-readable code.
    pub code: ErrorCode,
    pub message: String,
    /// The query parameter at fault, if one is.
    pub parameter: Option<String>,
    /// For a refusal that will pass later (503, 429): seconds to wait, sent as `Retry-After`.
    pub retry_after_s: Option<u64>,
    /// The values the parameter accepts, when they are few (`crs`).
    pub supported: Vec<String>,
    /// What the error is about (layer, id, SIRENs), for the page to say it in French.
    pub details: Option<Box<ErrorDetails>>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            parameter: None,
            retry_after_s: None,
            supported: Vec::new(),
            details: None,
        }
    }

    pub fn with_retry_after(self, seconds: u64) -> Self {
        ApiError {
            retry_after_s: Some(seconds),
            ..self
        }
    }

    pub fn bad_parameter(parameter: &str, message: impl Into<String>) -> Self {
        ApiError {
            parameter: Some(parameter.to_string()),
            ..Self::new(StatusCode::BAD_REQUEST, ErrorCode::BadParameter, message)
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, message)
    }

    /// A 404 for a layer a path names, with the layer in its details.
    pub fn unknown_layer(id: &str, message: impl Into<String>) -> Self {
        ApiError {
            details: Some(Box::new(ErrorDetails {
                layer: Some(id.to_string()),
                ..ErrorDetails::default()
            })),
            ..Self::not_found(message)
        }
    }

    /// A query error about a path segment (an unknown layer in `/api/territories/{layer}/…`): a 404
    /// with the error's details.
    pub fn not_found_from(error: QueryError) -> Self {
        ApiError {
            details: error.details().map(Box::new),
            ..Self::not_found(error.to_string())
        }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal, message)
    }

    /// A query error, blamed on `parameter` when the caller knows which one carried it.
    pub fn from_query(error: QueryError, parameter: Option<&str>) -> Self {
        let code = error.code();
        let status = match code {
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            _ => StatusCode::BAD_REQUEST,
        };
        let parameter = match &error {
            QueryError::CoordinateOutOfRange { name, .. } => Some(name.to_string()),
            QueryError::BadTolerance { .. } => Some("tolerance_m".to_string()),
            _ => parameter.map(str::to_string),
        };
        ApiError {
            parameter,
            details: error.details().map(Box::new),
            ..ApiError::new(status, code, error.to_string())
        }
    }

    pub fn body(&self) -> ErrorBody<'_> {
        ErrorBody {
            error: ErrorObject {
                status: self.status.as_u16(),
                code: self.code,
                message: &self.message,
                parameter: self.parameter.as_deref(),
                supported: &self.supported,
                details: self.details.as_deref(),
            },
        }
    }
}

/// The body of every error: `{"error": {...}}`.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "Error")]
pub struct ErrorBody<'a> {
    pub error: ErrorObject<'a>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ErrorObject<'a> {
    /// The HTTP status, repeated.
    #[schemars(range(min = 400, max = 599))]
    pub status: u16,
    pub code: ErrorCode,
    /// What was wrong, in English, for a person.
    pub message: &'a str,
    /// The query parameter (or `body`) at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<&'a str>,
    /// The values the parameter accepts, when they are few.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub supported: &'a [String],
    /// What the error is about, for a program to say it in its own words: `sirens`
    /// (unknown_members, duplicate_members), `layer` and `id` (an unknown feature), `layer` (an
    /// unknown layer), `members` and `max` (bad_draft).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<&'a ErrorDetails>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body())).into_response();
        if let Some(seconds) = self.retry_after_s {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

impl From<QueryError> for ApiError {
    fn from(error: QueryError) -> Self {
        ApiError::from_query(error, None)
    }
}
