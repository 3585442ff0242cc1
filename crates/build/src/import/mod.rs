//! Importers: turn an upstream export into one of the `geodata/` files the build reads, so that a
//! user with a newer or fuller export can rebuild the map without editing CSVs by hand.

pub mod banatic;
pub mod territories;
