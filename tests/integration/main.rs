//! Every integration test, in one binary: one link instead of one a file (each links the whole
//! server, debug tables and all: about 10 s apiece), and the dataset, its indexes and the test
//! server made once for all of them. Each module is one area, as the files were.

// A test's helpers panic to report a failure, like the tests themselves; tests print what they measured.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

mod common;

mod batch_input;
mod build_inputs;
mod consistency;
mod coverage;
mod crs_proj;
mod crte;
mod dataset_file;
mod diff;
mod faults;
mod gis_files;
mod headers;
mod import_banatic;
mod import_territories;
mod indicators;
mod labels;
mod layers;
mod limits;
mod ogc_crs;
mod ogc_filter;
mod ogr;
mod openapi;
mod places;
mod portrait;
mod process;
mod search;
mod server;
mod simulate;
mod tiles_style;
mod workspace;
