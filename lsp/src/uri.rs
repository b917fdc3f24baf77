//! `file:` URIs ↔ paths (RFC 8089, as LSP clients send them).
//!
//! Only `file:` URIs name files Scalpel can read; any other scheme (an untitled
//! buffer) is refused, and its requests answer nothing.

use lsp_types::Uri;
use std::path::{Path, PathBuf};

/// The path of a `file:` URI, percent-decoded; `None` for other schemes.
pub fn to_path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    // `file://host/path`: only the local host (empty or `localhost`) is a local file.
    let path = rest.strip_prefix("localhost").unwrap_or(rest);
    if !path.starts_with('/') {
        return None;
    }
    let bytes = decode(path.split(['?', '#']).next().unwrap_or(path))?;
    let text = String::from_utf8(bytes).ok()?;
    // `file:///C:/x` on Windows.
    let text = if text.as_bytes().get(2) == Some(&b':') { &text[1..] } else { text.as_str() };
    Some(PathBuf::from(text))
}

/// The `file:` URI of an absolute path.
pub fn from_path(path: &Path) -> Option<Uri> {
    let text = path.to_str()?.replace('\\', "/");
    let mut uri = String::from("file://");
    if !text.starts_with('/') {
        uri.push('/');
    }
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~:".contains(&b) {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri.parse().ok()
}

fn decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_round_trip_through_percent_encoding() {
        let path = Path::new("/tmp/dé tections/AF 1.det");
        let uri = from_path(path).unwrap();
        assert_eq!(uri.as_str(), "file:///tmp/d%C3%A9%20tections/AF%201.det");
        assert_eq!(to_path(&uri).unwrap(), path);
        assert_eq!(to_path(&"untitled:Untitled-1".parse().unwrap()), None);
    }
}
