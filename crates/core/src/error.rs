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

/// An error and its causes, each said once, for a person to read. Many errors here show their cause
/// in their own words and also give it as their `source` (`path: No space left on device`, or
/// thiserror's `{0}` over a `#[from]`), so the usual `{e:#}` would say the cause twice.
pub fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        let words = e.to_string();
        if !text.contains(&words) {
            text.push_str(": ");
            text.push_str(&words);
        }
        cause = e.source();
    }
    text
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cause_already_said_is_not_said_again() {
        let full = std::io::Error::new(std::io::ErrorKind::StorageFull, "No space left on device");
        let error = Error::io("out/layer.fgb", full);
        assert_eq!(describe(&error), "out/layer.fgb: No space left on device");
        let record = Error::record("pays.csv", "line 3", "unknown commune");
        assert_eq!(describe(&record), "pays.csv: line 3: unknown commune");
    }
}
