//! Flow, step and sequence ids as names of files, rules and stanzas.
//!
//! Every target derives file names (`sigma/<flow>/<flow>_<step>.yml`), rule names
//! (Sigma `name`, Splunk stanzas) and rule ids from these ids, so an id must be a
//! name on every file system and compare like one: a documented character set
//! (docs/language.md), no Windows device name, and ids that differ only in case
//! collide (macOS and Windows fold case; Sigma names are lower case).

/// Longest flow, step or sequence id.
pub const MAX_ID: usize = 64;

/// Why `id` cannot be a flow id, if it cannot: 1 to [`MAX_ID`] ASCII letters,
/// digits, `-`, `_` and `.`, starting with a letter or digit, without `..` or a final
/// `.`, and not a Windows device name.
pub fn flow_id_problem(id: &str) -> Option<String> {
    if id.is_empty() {
        return Some("a flow id cannot be empty".into());
    }
    if let Some(c) = id.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))) {
        let shown = crate::visible::visible(&c.to_string()).into_owned();
        return Some(format!("`{shown}` cannot be part of a flow id"));
    }
    if !id.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Some("a flow id starts with a letter or a digit".into());
    }
    if id.contains("..") || id.ends_with('.') {
        return Some("a flow id may not hold `..` or end with `.`".into());
    }
    common_problem(id, "flow")
}

/// Why `id` cannot be a step or sequence id (the grammar already limits it to
/// letters, digits, `_` and `-`), if it cannot.
pub fn item_id_problem(id: &str, what: &str) -> Option<String> {
    common_problem(id, what)
}

fn common_problem(id: &str, what: &str) -> Option<String> {
    if id.len() > MAX_ID {
        return Some(format!("a {what} id is at most {MAX_ID} characters"));
    }
    if is_device_name(id) {
        return Some(format!("`{id}` is a device name on Windows, where no file can be named so"));
    }
    None
}

/// `CON`, `PRN`, `AUX`, `NUL`, `COM0`–`COM9`, `LPT0`–`LPT9` in any case, also with
/// an extension (`nul.txt` is the device too).
fn is_device_name(id: &str) -> bool {
    let base = id.split('.').next().unwrap_or(id).to_ascii_uppercase();
    matches!(base.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || (base.len() == 4
            && (base.starts_with("COM") || base.starts_with("LPT"))
            && base.as_bytes()[3].is_ascii_digit())
}

/// The form two ids are compared in: file systems that fold case see the same file.
pub fn folded(id: &str) -> String {
    id.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flow_ids() {
        for good in ["AF-1", "AF2-X-manipulation-of-view", "v1-modifybiohealthdata", "a.b", "7", "CONSOLE", "com10"] {
            assert_eq!(flow_id_problem(good), None, "{good}");
        }
        for bad in [
            "",
            ".",
            "..",
            "a/b",
            "a\\b",
            "../x",
            "a..b",
            "a.",
            "-a",
            "_a",
            "a b",
            "CON",
            "nul",
            "Aux.x",
            "COM1",
            "lpt9",
            "é",
            "a\u{202e}",
        ] {
            assert!(flow_id_problem(bad).is_some(), "{bad:?}");
        }
        assert!(flow_id_problem(&"a".repeat(MAX_ID + 1)).is_some());
        assert!(item_id_problem("con", "step").is_some());
        assert_eq!(item_id_problem("console", "step"), None);
    }
}
