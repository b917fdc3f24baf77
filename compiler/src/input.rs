//! Reading input files: the one bounded reader behind every file Scalpel reads
//! (`.det` files, `scalpel.toml`, ATT&CK bundles, templates, Attack Flow files, the
//! output folder that `build --check` compares).
//!
//! Invariants: only regular files are opened, and their type is checked before
//! opening (a FIFO would block, a device never ends) and again on the open handle;
//! the open does not block (`O_NONBLOCK` on Unix); at most `limit` bytes are read,
//! counted while reading (a device or a `/proc` file reports size 0, so metadata
//! cannot bound a read). A file that fails is reported by kind, never by content.

use crate::diag::{Code, Diagnostic};
use std::fs::{File, FileType};
use std::io::Read;
use std::path::Path;

pub const MIB: u64 = 1024 * 1024;

/// What a path names, as far as reading is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Regular,
    Directory,
    Symlink,
    Fifo,
    Socket,
    BlockDevice,
    CharDevice,
    Other,
}

impl FileKind {
    pub fn of(file_type: &FileType) -> FileKind {
        if file_type.is_file() {
            return FileKind::Regular;
        }
        if file_type.is_dir() {
            return FileKind::Directory;
        }
        if file_type.is_symlink() {
            return FileKind::Symlink;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            if file_type.is_fifo() {
                return FileKind::Fifo;
            }
            if file_type.is_socket() {
                return FileKind::Socket;
            }
            if file_type.is_block_device() {
                return FileKind::BlockDevice;
            }
            if file_type.is_char_device() {
                return FileKind::CharDevice;
            }
        }
        FileKind::Other
    }

    /// `a FIFO (named pipe)`, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            FileKind::Regular => "a regular file",
            FileKind::Directory => "a folder",
            FileKind::Symlink => "a symbolic link",
            FileKind::Fifo => "a FIFO (named pipe)",
            FileKind::Socket => "a socket",
            FileKind::BlockDevice => "a block device",
            FileKind::CharDevice => "a character device",
            FileKind::Other => "not a regular file",
        }
    }
}

/// Why a file was not read.
#[derive(Debug)]
pub enum ReadError {
    /// Nothing is there (a dangling symbolic link included).
    Missing,
    /// A folder, FIFO, device or socket.
    NotRegular(FileKind),
    /// Longer than the limit; `size` when the file system told it up front.
    TooLarge {
        limit: u64,
        size: Option<u64>,
    },
    Io(std::io::Error),
}

impl ReadError {
    /// The diagnostic for `path`, read in the role `role` (`"ATT&CK bundle"`,
    /// `"template"`, or `""`). It names the path and the kind of problem, never the
    /// file's content.
    pub fn diagnostic(&self, path: &Path, role: &str) -> Diagnostic {
        let subject = subject(path, role);
        match self {
            ReadError::Missing => Diagnostic::new(Code::Io, format!("cannot read {subject}: no such file or folder")),
            ReadError::Io(err) => Diagnostic::new(Code::Io, format!("cannot read {subject}: {err}")),
            ReadError::NotRegular(kind) => {
                Diagnostic::new(Code::NotRegularFile, format!("{subject} is {}, not a regular file", kind.describe()))
                    .help("Scalpel reads only regular files")
            }
            ReadError::TooLarge { limit, size } => {
                let size = match size {
                    Some(size) => format!("{} MiB", size / MIB),
                    None => format!("more than {} MiB", limit / MIB),
                };
                Diagnostic::new(Code::TooLarge, format!("{subject} is {size}; the limit is {} MiB", limit / MIB))
            }
        }
    }
}

/// "`path`" or "template `path`", the path made [`visible`](crate::visible::visible).
fn subject(path: &Path, role: &str) -> String {
    let shown = crate::visible::visible(&path.display().to_string()).into_owned();
    if role.is_empty() {
        format!("`{shown}`")
    } else {
        format!("{role} `{shown}`")
    }
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Missing => f.write_str("no such file or folder"),
            ReadError::NotRegular(kind) => write!(f, "{}, not a regular file", kind.describe()),
            ReadError::TooLarge { limit, .. } => write!(f, "larger than the limit of {} MiB", limit / MIB),
            ReadError::Io(err) => write!(f, "{err}"),
        }
    }
}

fn io_error(err: std::io::Error) -> ReadError {
    match err.kind() {
        std::io::ErrorKind::NotFound => ReadError::Missing,
        _ => ReadError::Io(err),
    }
}

/// The kind of what `path` names, following symbolic links (`Missing` when nothing
/// is there).
pub fn kind_of(path: &Path) -> Result<FileKind, ReadError> {
    std::fs::metadata(path).map(|m| FileKind::of(&m.file_type())).map_err(io_error)
}

/// The bytes of the regular file `path` (symbolic links followed), at most `limit`.
pub fn read_bytes(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let metadata = std::fs::metadata(path).map_err(io_error)?;
    let kind = FileKind::of(&metadata.file_type());
    if kind != FileKind::Regular {
        return Err(ReadError::NotRegular(kind));
    }
    if metadata.len() > limit {
        return Err(ReadError::TooLarge { limit, size: Some(metadata.len()) });
    }
    let file = open_without_blocking(path).map_err(io_error)?;
    // The path may name something else by now: check what was opened.
    let opened = FileKind::of(&file.metadata().map_err(ReadError::Io)?.file_type());
    if opened != FileKind::Regular {
        return Err(ReadError::NotRegular(opened));
    }
    read_bounded(file, limit, metadata.len())
}

/// Reads an open file up to `limit` bytes; `expected` (the size the file system
/// gave) only sizes the first allocation.
fn read_bounded(file: File, limit: u64, expected: u64) -> Result<Vec<u8>, ReadError> {
    let capacity = usize::try_from(expected.min(limit)).unwrap_or(0);
    let mut bytes = Vec::with_capacity(capacity.saturating_add(1));
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes).map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge { limit, size: None });
    }
    Ok(bytes)
}

/// A file read as UTF-8 text, or why not.
#[derive(Debug)]
pub enum TextError {
    Read(ReadError),
    /// The bytes, and the offset of the first one that starts no UTF-8 character.
    InvalidUtf8 {
        bytes: Vec<u8>,
        valid_up_to: usize,
    },
}

/// The regular file `path` as UTF-8 text, at most `limit` bytes.
pub fn read_text(path: &Path, limit: u64) -> Result<String, TextError> {
    let bytes = read_bytes(path, limit).map_err(TextError::Read)?;
    String::from_utf8(bytes).map_err(|err| {
        let valid_up_to = err.utf8_error().valid_up_to();
        TextError::InvalidUtf8 { bytes: err.into_bytes(), valid_up_to }
    })
}

impl TextError {
    /// The diagnostic for `path` in the role `role`; see [`ReadError::diagnostic`].
    pub fn diagnostic(&self, path: &Path, role: &str) -> Diagnostic {
        match self {
            TextError::Read(err) => err.diagnostic(path, role),
            TextError::InvalidUtf8 { valid_up_to, .. } => {
                Diagnostic::new(Code::InvalidUtf8, format!("{} is not valid UTF-8", subject(path, role)))
                    .note(format!("the first invalid byte is at offset {valid_up_to}"))
                    .help("save the file as UTF-8")
            }
        }
    }
}

impl std::fmt::Display for TextError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TextError::Read(err) => err.fmt(f),
            TextError::InvalidUtf8 { valid_up_to, .. } => {
                write!(f, "not valid UTF-8 (the first invalid byte is at offset {valid_up_to})")
            }
        }
    }
}

/// Opens for reading without waiting: on Unix, opening a FIFO that no one writes to
/// would block forever without `O_NONBLOCK` (which does nothing to regular files).
pub fn open_without_blocking(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "scalpel-input-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    #[test]
    fn reads_regular_files_within_the_limit() {
        let dir = tmp();
        let file = dir.join("a.det");
        std::fs::write(&file, "0123456789").expect("write");
        assert_eq!(read_bytes(&file, 10).expect("fits"), b"0123456789");
        assert!(matches!(read_bytes(&file, 9), Err(ReadError::TooLarge { limit: 9, size: Some(10) })));
        assert!(matches!(read_bytes(&dir.join("none"), 9), Err(ReadError::Missing)));
        assert!(matches!(read_bytes(&dir, 9), Err(ReadError::NotRegular(FileKind::Directory))));
        std::fs::remove_dir_all(&dir).ok();
    }

    #[cfg(unix)]
    #[test]
    fn devices_are_refused_before_reading() {
        // /dev/zero reports size 0 and never ends.
        assert!(matches!(read_bytes(Path::new("/dev/zero"), 1), Err(ReadError::NotRegular(FileKind::CharDevice))));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn files_reporting_size_zero_are_bounded_while_reading() {
        // /proc/self/maps is a "regular file" of size 0 whose content is far longer than 8 bytes.
        let err = read_bytes(Path::new("/proc/self/maps"), 8).expect_err("bounded");
        assert!(matches!(err, ReadError::TooLarge { limit: 8, size: None }), "{err:?}");
    }

    #[test]
    fn invalid_utf8_says_where() {
        let dir = tmp();
        let file = dir.join("latin1.det");
        std::fs::write(&file, b"caf\xe9").expect("write");
        match read_text(&file, 100) {
            Err(TextError::InvalidUtf8 { valid_up_to, .. }) => assert_eq!(valid_up_to, 3),
            other => panic!("{other:?}"),
        }
        std::fs::remove_dir_all(&dir).ok();
    }
}
