//! The prepared dataset of `territoires` and its indexes: what every question starts from.
//!
//! # Brief overview
//!
//! The data build writes one file, [`dataset::Dataset`] encoded as [`file`] says; the CLI, the
//! server, the tests and the benches load it read-only and wrap it in [`Indexed`], which adds the
//! point grid's arenas, exact polygon tests, R-trees and the generalised layers, each made on first
//! use. This crate knows no HTTP, no catalogue file and no source format: the build depends on it to
//! write the dataset, the queries to read it.

/// The dataset model: layers, features, communes, and the vocabulary the catalogue shares.
pub mod dataset;
/// Errors of the data path, naming the file and the record.
pub mod error;
/// The dataset file: magic header, postcard attributes, aligned sections, checksum trailer.
pub mod file;
/// Files written whole or not at all.
pub mod fs;
/// Run-time indexes over a loaded dataset.
pub mod index;
/// RFC 3339 instants without a date-time dependency.
pub mod time;

pub use dataset::Dataset;
pub use error::{Error, Result};
pub use index::Indexed;
