//! Everything the CLI prints goes through here.
//!
//! A closed pipe (`scalpel debug ir FILE | head`) ends the process quietly with
//! status 141, as a Unix tool killed by `SIGPIPE` ends (Rust ignores the signal, so
//! `println!` would panic instead); any other failure to write standard output is
//! reported and ends with status 1; standard error that cannot be written (closed
//! with `2>&-`) is ignored, so a build is never stopped midway by it. Large JSON is serialised straight to standard
//! output, and pretty-printed with its indentation capped at [`MAX_INDENT_LEVELS`],
//! so that deeply nested input (20,000 nested `not`) prints in space linear in its
//! size, not quadratic.

use serde::Serialize;
use std::io::{self, Write};

/// Exit status after a closed pipe: 128 + `SIGPIPE` (13), what a shell shows.
pub const BROKEN_PIPE_STATUS: i32 = 141;

/// Levels of nesting that indent further; deeper levels keep this indentation.
pub const MAX_INDENT_LEVELS: usize = 32;

/// A writer that never returns an error: a closed pipe exits quietly, any other
/// error exits after saying so.
pub struct Guarded<W: Write> {
    inner: W,
    name: &'static str,
}

impl<W: Write> Guarded<W> {
    fn fail(&self, err: io::Error) -> ! {
        if err.kind() == io::ErrorKind::BrokenPipe {
            std::process::exit(BROKEN_PIPE_STATUS);
        }
        let _ = writeln!(io::stderr(), "error: cannot write to {}: {err}", self.name);
        std::process::exit(1);
    }
}

impl<W: Write> Write for Guarded<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.inner.write(buf) {
            Ok(n) => Ok(n),
            Err(err) if err.kind() == io::ErrorKind::Interrupted => Err(err),
            // A closed or broken standard error is no reason to stop a build midway.
            Err(err) if self.name == "standard error" && err.kind() != io::ErrorKind::BrokenPipe => Ok(buf.len()),
            Err(err) => self.fail(err),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.inner.flush() {
            Ok(()) => Ok(()),
            Err(err) if self.name == "standard error" && err.kind() != io::ErrorKind::BrokenPipe => Ok(()),
            Err(err) => self.fail(err),
        }
    }
}

/// Standard output, buffered; flushed when dropped (errors handled as above).
pub fn stdout() -> io::BufWriter<Guarded<io::StdoutLock<'static>>> {
    io::BufWriter::with_capacity(64 * 1024, Guarded { inner: io::stdout().lock(), name: "standard output" })
}

/// Standard error, unbuffered.
pub fn stderr() -> Guarded<io::Stderr> {
    Guarded { inner: io::stderr(), name: "standard error" }
}

/// Writes formatted text to standard output (see [`out!`]).
pub fn write_stdout(args: std::fmt::Arguments) {
    let mut out = stdout();
    let _ = out.write_fmt(args);
    let _ = out.flush();
}

/// Writes formatted text to standard error (see [`errln!`]).
pub fn write_stderr(args: std::fmt::Arguments) {
    let _ = stderr().write_fmt(args);
}

/// `print!` through [`write_stdout`].
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::output::write_stdout(format_args!($($arg)*)) };
}

/// `eprintln!` through [`write_stderr`].
macro_rules! errln {
    ($($arg:tt)*) => { $crate::cli::output::write_stderr(format_args!("{}\n", format_args!($($arg)*))) };
}

pub(crate) use {errln, out};

/// `value` as pretty JSON on standard output, followed by a newline.
pub fn json(value: &impl Serialize) {
    let mut out = stdout();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, CappedPretty::default());
    if let Err(err) = value.serialize(&mut serializer) {
        errln!("error: cannot print the JSON: {err}");
        std::process::exit(1);
    }
    let _ = out.write_all(b"\n");
    let _ = out.flush();
}

/// serde_json's pretty layout (two spaces per level), with indentation capped at
/// [`MAX_INDENT_LEVELS`].
#[derive(Default)]
struct CappedPretty {
    level: usize,
    has_value: bool,
}

impl CappedPretty {
    fn indent<W: ?Sized + Write>(&self, writer: &mut W) -> io::Result<()> {
        for _ in 0..self.level.min(MAX_INDENT_LEVELS) {
            writer.write_all(b"  ")?;
        }
        Ok(())
    }

    fn open<W: ?Sized + Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.level += 1;
        self.has_value = false;
        writer.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.level -= 1;
        if self.has_value {
            writer.write_all(b"\n")?;
            self.indent(writer)?;
        }
        writer.write_all(bracket)
    }

    fn item<W: ?Sized + Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        writer.write_all(if first { b"\n" } else { b",\n" })?;
        self.indent(writer)
    }
}

impl serde_json::ser::Formatter for CappedPretty {
    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open(writer, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        self.item(writer, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open(writer, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        self.item(writer, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pretty(value: &serde_json::Value) -> String {
        let mut bytes = Vec::new();
        let mut serializer = serde_json::Serializer::with_formatter(&mut bytes, CappedPretty::default());
        value.serialize(&mut serializer).expect("serialises");
        String::from_utf8(bytes).expect("utf-8")
    }

    #[test]
    fn shallow_values_print_as_serde_json_pretty_prints_them() {
        let value = serde_json::json!({"a": [1, {"b": null}, []], "c": {}, "d": "x"});
        assert_eq!(pretty(&value), serde_json::to_string_pretty(&value).expect("pretty"));
    }

    #[test]
    fn deep_values_print_in_linear_space() {
        let mut value = serde_json::json!(0);
        for _ in 0..300 {
            value = serde_json::json!([value]);
        }
        let text = pretty(&value);
        let widest = text.lines().map(str::len).max().unwrap_or(0);
        assert!(widest <= 2 * MAX_INDENT_LEVELS + 1, "lines stop indenting: {widest}");
        assert_eq!(text.matches('[').count(), 300);
        assert!(text.len() < 300 * 2 * (2 * MAX_INDENT_LEVELS + 2), "linear: {} bytes", text.len());
    }
}
