//! Why a question cannot be answered, as words for a person and as a code and details for a program.
//!
//! [`ErrorCode`] is the one list of stable codes the API sends and the web page translates: the page
//! builds its French message from the code and the [`ErrorDetails`] alone, never from the English
//! text.

use serde::Serialize;

/// A question that cannot be answered as asked. The HTTP layer maps these to 400.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QueryError {
    #[error("`{name}` must be a finite number between {min} and {max}, got {value}")]
    CoordinateOutOfRange {
        name: &'static str,
        value: f64,
        min: f64,
        max: f64,
    },
    #[error("`tolerance_m` must be a finite number from 0 to {max} metres, got {value}")]
    BadTolerance { value: f64, max: f64 },
    #[error("unknown layer `{0}`; see `territoires layers`")]
    UnknownLayer(String),
    #[error("layer `{0}` is not searchable")]
    NotSearchable(String),
    #[error("unknown scope `{0}`; use `metropole`, `region:CODE` or `departement:CODE`")]
    BadScope(String),
    #[error("no {kind} with code `{code}`")]
    UnknownDivision { kind: &'static str, code: String },
    #[error("unknown breakdown `{0}`; use `region` or `departement`")]
    BadBreakdown(String),
    #[error("no feature `{id}` in layer `{layer}`")]
    UnknownFeature { layer: String, id: String },
    #[error("unknown EPCI SIREN: {}", .0.join(", "))]
    UnknownMembers(Vec<String>),
    #[error("EPCI given twice: {}", .0.join(", "))]
    DuplicateMembers(Vec<String>),
    #[error("the draft has no EPCI")]
    EmptyDraft,
    #[error("{count} EPCIs: a draft holds at most {max}")]
    TooManyMembers { count: usize, max: usize },
}

impl From<territoires_geo::OutOfRange> for QueryError {
    fn from(e: territoires_geo::OutOfRange) -> Self {
        let territoires_geo::OutOfRange {
            name,
            value,
            min,
            max,
        } = e;
        QueryError::CoordinateOutOfRange {
            name,
            value,
            min,
            max,
        }
    }
}

/// The stable, machine-readable kind of an error, as the API's `error.code` spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A query parameter (named in `parameter`) is malformed or out of range.
    BadParameter,
    /// No such layer, feature or page.
    NotFound,
    /// A request body that cannot be read as what the route takes.
    BadBody,
    PayloadTooLarge,
    UnsupportedMediaType,
    NotAcceptable,
    MethodNotAllowed,
    RangeNotSatisfiable,
    /// Too many batches at once: retry after `Retry-After`.
    Busy,
    /// Too many requests from this client: retry after `Retry-After`.
    RateLimited,
    /// A draft names SIRENs the dataset does not know (`details.sirens`).
    UnknownMembers,
    /// A draft names an EPCI twice (`details.sirens`).
    DuplicateMembers,
    /// A draft with no member, or too many.
    BadDraft,
    /// Any other HTTP refusal.
    HttpError,
    Internal,
}

impl ErrorCode {
    /// The code as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadParameter => "bad_parameter",
            ErrorCode::NotFound => "not_found",
            ErrorCode::BadBody => "bad_body",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::NotAcceptable => "not_acceptable",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::RangeNotSatisfiable => "range_not_satisfiable",
            ErrorCode::Busy => "busy",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::UnknownMembers => "unknown_members",
            ErrorCode::DuplicateMembers => "duplicate_members",
            ErrorCode::BadDraft => "bad_draft",
            ErrorCode::HttpError => "http_error",
            ErrorCode::Internal => "internal",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an error is about, for a program (or the page) to say it in its own words.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ErrorDetails {
    /// The layer at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// The feature (or the division's code) at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The SIRENs at fault in a draft.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sirens: Vec<String>,
    /// How many members a refused draft has.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub members: Option<usize>,
    /// The most members a draft may have.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<usize>,
}

impl QueryError {
    /// The code the API sends for this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            QueryError::UnknownFeature { .. } => ErrorCode::NotFound,
            QueryError::UnknownMembers(_) => ErrorCode::UnknownMembers,
            QueryError::DuplicateMembers(_) => ErrorCode::DuplicateMembers,
            QueryError::EmptyDraft | QueryError::TooManyMembers { .. } => ErrorCode::BadDraft,
            _ => ErrorCode::BadParameter,
        }
    }

    /// The layer, id or SIRENs the error is about, if any.
    pub fn details(&self) -> Option<ErrorDetails> {
        let details = match self {
            QueryError::UnknownLayer(layer) | QueryError::NotSearchable(layer) => ErrorDetails {
                layer: Some(layer.clone()),
                ..ErrorDetails::default()
            },
            QueryError::UnknownFeature { layer, id } => ErrorDetails {
                layer: Some(layer.clone()),
                id: Some(id.clone()),
                ..ErrorDetails::default()
            },
            QueryError::UnknownDivision { code, .. } => ErrorDetails {
                id: Some(code.clone()),
                ..ErrorDetails::default()
            },
            QueryError::UnknownMembers(sirens) | QueryError::DuplicateMembers(sirens) => ErrorDetails {
                sirens: sirens.clone(),
                ..ErrorDetails::default()
            },
            QueryError::EmptyDraft => ErrorDetails {
                members: Some(0),
                ..ErrorDetails::default()
            },
            QueryError::TooManyMembers { count, max } => ErrorDetails {
                members: Some(*count),
                max: Some(*max),
                ..ErrorDetails::default()
            },
            _ => return None,
        };
        Some(details)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code. The OpenAPI document derives its enum from the type now; this list is only the
    /// test's, to hold each code to the spelling `as_str` gives.
    const ALL: [ErrorCode; 15] = [
        ErrorCode::BadParameter,
        ErrorCode::NotFound,
        ErrorCode::BadBody,
        ErrorCode::PayloadTooLarge,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::NotAcceptable,
        ErrorCode::MethodNotAllowed,
        ErrorCode::RangeNotSatisfiable,
        ErrorCode::Busy,
        ErrorCode::RateLimited,
        ErrorCode::UnknownMembers,
        ErrorCode::DuplicateMembers,
        ErrorCode::BadDraft,
        ErrorCode::HttpError,
        ErrorCode::Internal,
    ];

    #[test]
    fn every_code_is_listed_once_and_spelled_as_serde_spells_it() {
        for (i, code) in ALL.iter().enumerate() {
            assert!(!ALL[..i].contains(code), "{code} twice");
            assert_eq!(serde_json::to_value(code).expect("serialises"), code.as_str());
        }
    }

    #[test]
    fn a_draft_error_carries_its_sirens() {
        let e = QueryError::UnknownMembers(vec!["200000000".into()]);
        assert_eq!(e.code(), ErrorCode::UnknownMembers);
        assert_eq!(e.details().expect("details").sirens, ["200000000"]);
    }
}
