//! The questions the product answers, as plain functions over an [`territoires_core::Indexed`] dataset.
//! No HTTP here: the CLI, the server, the tests and the benches all call these.

pub mod answer;
pub mod catalogue;
pub mod columns;
pub mod coverage;
/// What changed in a layer of territories between two vintages of the dataset.
pub mod diff;
mod error;
pub mod filter;
pub mod indicators;
pub mod labels;
pub mod locate;
pub mod portrait;
pub mod request;
/// Members of a territory as people write them → current EPCIs and communes.
pub mod resolve;
pub mod search;
pub mod select;
pub mod simulate;
pub mod territory;

pub use coverage::{Breakdown, Coverage, Overlap, Scope, coverage, overlap};
pub use error::{ErrorCode, ErrorDetails, QueryError};
pub use indicators::{Indicators, indicators};
pub use locate::{Hit, LocateOptions, Location, locate};
