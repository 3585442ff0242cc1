//! Errors of the data path. Every input error names its file and, where there is one, its record,
//! because the person who reads it has to find and fix that record.

use std::path::{Path, PathBuf};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A whole input file is unusable (missing, wrong checksum, truncated, wrong format).
    #[error("{}: {message}", path.display())]
    File { path: PathBuf, message: String },

    /// One record of an input file is unusable.
    #[error("{}: {record}: {message}", path.display())]
    Record {
        path: PathBuf,
        record: String,
        message: String,
    },

    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    pub fn file(path: impl AsRef<Path>, message: impl Into<String>) -> Self {
        Error::File {
            path: path.as_ref().to_path_buf(),
            message: message.into(),
        }
    }

    pub fn record(path: impl AsRef<Path>, record: impl Into<String>, message: impl ToString) -> Self {
        Error::Record {
            path: path.as_ref().to_path_buf(),
            record: record.into(),
            message: message.to_string(),
        }
    }

    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.as_ref().to_path_buf(),
            source,
        }
    }
}
