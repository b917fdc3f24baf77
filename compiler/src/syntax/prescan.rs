//! A lexical pass before pest: finds unterminated strings and regexes and
//! measures parenthesis depth, so that these get precise diagnostics and so that
//! hostile nesting never reaches the recursive-descent parser.

use super::MAX_NESTING;
use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, Span};

pub fn scan(file: FileId, text: &str) -> Option<Diagnostic> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    // A regex literal only ever follows `matches`; any other `/` (such as the one
    // of an unquoted `10.0.0.0/8`) is left for the parser to explain.
    let mut after_matches = false;
    while i < bytes.len() {
        let regex_may_start = after_matches;
        if !bytes[i].is_ascii_whitespace() && !bytes[i..].starts_with(b"//") && !bytes[i..].starts_with(b"/*") {
            after_matches = false;
        }
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => i = skip_line(bytes, i),
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = match text[i + 2..].find("*/") {
                    Some(end) => i + 2 + end + 2,
                    None => bytes.len(), // pest reports the open comment
                }
            }
            b'/' if !regex_may_start => i += 1,
            quote @ (b'"' | b'/') => match closing(bytes, i, quote) {
                Some(end) => i = end + 1,
                None => return Some(unterminated(file, text, i, quote)),
            },
            b if b.is_ascii_alphanumeric() || b == b'_' => {
                let end = bytes[i..]
                    .iter()
                    .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-')))
                    .map_or(bytes.len(), |p| i + p);
                after_matches = &bytes[i..end] == b"matches";
                i = end;
            }
            b'(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(
                        Diagnostic::new(Code::TooDeep, format!("parentheses nest deeper than {MAX_NESTING} levels"))
                            .primary(Span::new(file, i, i + 1), "this one is too deep")
                            .help("split the condition into simpler parts"),
                    );
                }
                i += 1;
            }
            b')' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            _ => i += 1,
        }
    }
    None
}

fn skip_line(bytes: &[u8], i: usize) -> usize {
    bytes[i..].iter().position(|&b| b == b'\n').map_or(bytes.len(), |p| i + p)
}

/// Index of the closing delimiter on the same line, honouring backslash escapes.
fn closing(bytes: &[u8], open: usize, quote: u8) -> Option<usize> {
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'\n' => return None,
            b if b == quote => return Some(i),
            _ => i += 1,
        }
    }
    None
}

fn unterminated(file: FileId, text: &str, open: usize, quote: u8) -> Diagnostic {
    let line_end = text[open..].find('\n').map_or(text.len(), |p| open + p);
    let line_end = text[..line_end].trim_end_matches('\r').len().max(open + 1);
    let what = if quote == b'"' { "string" } else { "regular expression" };
    let close = if quote == b'"' { "\"" } else { "/" };
    let diag = Diagnostic::new(Code::UnterminatedString, format!("unterminated {what}"))
        .primary(Span::new(file, open, line_end), format!("this {what} is not closed on its line"))
        .help(format!("add a closing `{close}`; a literal cannot span lines"));
    if quote == b'"' {
        diag.note("write a newline inside a string as `\\n`")
    } else {
        diag.note("inside a regular expression write a slash as `\\/`")
    }
}
