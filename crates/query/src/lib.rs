//! The questions the product answers, as plain functions over an [`territoires_core::Indexed`] dataset.
//! No HTTP here: the CLI, the server, the tests and the benches all call these.

pub mod coverage;
pub mod indicators;
pub mod labels;
pub mod locate;
pub mod portrait;
pub mod request;
pub mod search;
pub mod simulate;
pub mod territory;

pub use coverage::{Breakdown, Coverage, Overlap, Scope, coverage, overlap};
pub use indicators::{Indicators, indicators};
pub use locate::{Hit, LocateOptions, Location, locate};

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
    #[error("{0}")]
    BadDraft(String),
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
