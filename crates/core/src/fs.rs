//! Files that are either whole or not there: every file the project writes goes through here.
//!
//! A reader (a server reloading the dataset, a user opening an export) must never see half a file,
//! and a failed run must never replace a good file with a broken one. So bytes go to a temporary
//! file in the target's own directory (a rename across file systems is not atomic), are synced, and
//! only then renamed over the target. A dropped, uncommitted file removes its temporary.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A file being written in place of `path`, which appears only on [`AtomicFile::commit`].
///
/// The bytes go through the plain file, so that a failed write reports the OS's words alone (the
/// error names `path`, not the temporary); the temporary's path removes it when dropped.
pub struct AtomicFile {
    path: PathBuf,
    file: BufWriter<std::fs::File>,
    temp: tempfile::TempPath,
}

impl AtomicFile {
    /// Starts writing `path`, creating its directory if needed.
    pub fn create(path: &Path) -> Result<Self> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let mut builder = tempfile::Builder::new();
        builder.prefix(".territoires-").suffix(".tmp");
        // As `File::create` would: readable by others, less the umask (a temporary file's default is
        // 0600, which would hide the dataset from a server running as another user).
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        let (file, temp) = builder
            .tempfile_in(dir)
            .map_err(|e| Error::io(dir, e))?
            .into_parts();
        Ok(AtomicFile {
            path: path.to_path_buf(),
            file: BufWriter::with_capacity(256 * 1024, file),
            temp,
        })
    }

    /// Flushes, syncs and renames the file over its target. On an error the temporary is removed.
    pub fn commit(self) -> Result<()> {
        let AtomicFile { path, file, temp } = self;
        let file = file.into_inner().map_err(|e| Error::io(&path, e.into_error()))?;
        file.sync_all().map_err(|e| Error::io(&path, e))?;
        drop(file);
        temp.persist(&path).map_err(|e| Error::io(&path, e.error))?;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.file.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// Writes `bytes` as the whole content of `path`, atomically.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes).map_err(|e| Error::io(path, e))?;
    file.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_target_appears_only_on_commit() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("sub").join("out.txt");
        let mut file = AtomicFile::create(&path).expect("created");
        file.write_all(b"half").expect("written");
        assert!(!path.exists());
        file.commit().expect("committed");
        assert_eq!(std::fs::read(&path).expect("read"), b"half");
    }

    #[test]
    fn a_dropped_file_leaves_the_old_content_and_no_temporary() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("out.txt");
        write_atomically(&path, b"good").expect("written");
        let mut file = AtomicFile::create(&path).expect("created");
        file.write_all(b"broken").expect("written");
        drop(file);
        assert_eq!(std::fs::read(&path).expect("read"), b"good");
        assert_eq!(std::fs::read_dir(dir.path()).expect("listed").count(), 1);
    }

    #[test]
    fn a_failed_commit_names_the_target_and_removes_its_temporary() {
        let dir = tempfile::tempdir().expect("temporary directory");
        // A directory that is not empty cannot be renamed over.
        let path = dir.path().join("taken");
        std::fs::create_dir_all(path.join("inside")).expect("directory");
        let mut file = AtomicFile::create(&path).expect("created");
        file.write_all(b"bytes").expect("written");
        let error = file.commit().expect_err("a directory in the way").to_string();
        assert!(error.starts_with(&format!("{}: ", path.display())), "{error}");
        assert!(!error.contains(".territoires-"), "{error}");
        assert_eq!(std::fs::read_dir(dir.path()).expect("listed").count(), 1);
    }
}
