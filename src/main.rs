//! The `territoires` command line: build the dataset, then ask it questions.

// The one crate whose job is to write to standard output.
#![allow(clippy::print_stdout)]

mod cli;

use std::process::ExitCode;

use clap::Parser as _;

/// Gives freed memory back to the system: a server's caches come and go within their budgets, and
/// glibc's allocator kept every page it had ever held.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    match cli::run(cli::Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        // A reader that has seen enough (`| head`) is no error.
        Err(e) if cli::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", territoires_core::error::describe(e.as_ref()));
            ExitCode::FAILURE
        }
    }
}
