//! Splunk `.conf` values, both ways: [`value`] writes one so that it reads back as
//! it was, [`read`] reads a file as Splunk's configuration parser does (used by the
//! tests and the fuzzer to prove that every emitted `savedsearches.conf` reads back
//! with each value unchanged and nothing added).
//!
//! The format: `[stanza]` lines, `key = value` lines (key and value trimmed), `#`
//! comment lines, and a line ending in a backslash continues on the next one (the
//! backslash is dropped, the line break kept). There is no escape, so a value line
//! that itself ends in a backslash cannot be written, and neither can a carriage
//! return, which Splunk reads as part of the line break.

/// The `.conf` form of `text` (trimmed, as Splunk trims values): each line break
/// becomes `\` and a line break. Refused (with the reason): a carriage return, and
/// a line ending in a backslash, which would continue into the next line.
pub fn value(text: &str) -> Result<String, &'static str> {
    let text = text.trim();
    if text.contains('\r') {
        return Err("holds a carriage return, which a .conf file reads as a line break");
    }
    if text.lines().any(|line| line.ends_with('\\')) || text.ends_with('\\') {
        return Err("has a line ending in a backslash, which would continue the .conf line into the next key");
    }
    Ok(text.replace('\n', "\\\n"))
}

/// One stanza: its name (empty for the settings before the first stanza) and its
/// keys in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stanza {
    pub name: String,
    pub keys: Vec<(String, String)>,
}

impl Stanza {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.keys.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// The stanzas of a `.conf` file. A repeated stanza or a key repeated within a
/// stanza is an error: Splunk would merge them silently, which is exactly what an
/// injected line does.
pub fn read(text: &str) -> Result<Vec<Stanza>, String> {
    let mut stanzas = vec![Stanza { name: String::new(), keys: Vec::new() }];
    let mut lines = text.split('\n').enumerate();
    while let Some((number, first)) = lines.next() {
        let mut line = first.to_string();
        while line.ends_with('\\') {
            line.pop();
            line.push('\n');
            match lines.next() {
                Some((_, next)) => line.push_str(next),
                None => return Err(format!("line {}: continued past the end of the file", number + 1)),
            }
        }
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix('[') {
            let name = rest.trim_end().strip_suffix(']').ok_or(format!("line {}: unclosed stanza", number + 1))?;
            // `[]` (the app-wide stanza of a `.meta` file) names the settings before
            // the first stanza; it may open the file, before any key.
            if name.is_empty() && stanzas.len() == 1 && stanzas[0].keys.is_empty() {
                continue;
            }
            if stanzas.iter().any(|s| s.name == name) {
                return Err(format!("line {}: stanza [{name}] repeated", number + 1));
            }
            stanzas.push(Stanza { name: name.to_string(), keys: Vec::new() });
            continue;
        }
        let (key, value) = trimmed.split_once('=').ok_or(format!("line {}: neither a stanza nor a key", number + 1))?;
        let key = key.trim().to_string();
        let stanza = stanzas.last_mut().expect("one stanza at least");
        if stanza.get(&key).is_some() {
            return Err(format!("line {}: key `{key}` repeated in [{}]", number + 1, stanza.name));
        }
        stanza.keys.push((key, value.trim().to_string()));
    }
    Ok(stanzas)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn values_continue_lines_and_refuse_what_cannot_be_written() {
        assert_eq!(value(" a\nb \n"), Ok("a\\\nb".to_string()));
        for bad in ["ends in \\", "a\\\nb", "a\r\nb", "a\rb"] {
            assert!(value(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn injected_lines_are_caught_by_the_reader() {
        assert!(read("[a]\nx = 1\nx = 2\n").is_err());
        assert!(read("[a]\n[a]\n").is_err());
        assert!(read("x = 1\n[]\n").is_err() && read("[a]\n[]\n").is_err());
        assert_eq!(read("# meta\n[]\nexport = system\n").expect("reads")[0].get("export"), Some("system"));
        let read = read("# c\n[default]\ndisabled = true\n\n[s]\nsearch = a\\\n| b\nk=v\\\n\\\nw").expect("reads");
        assert_eq!(read[2].get("search"), Some("a\n| b"));
        assert_eq!(read[2].get("k"), Some("v\n\nw"));
    }

    proptest! {
        /// Any text with a line ending or CR refused; everything else written as
        /// `key = value` among other keys reads back as the trimmed text, and adds
        /// no key.
        #[test]
        fn written_values_read_back(text in "(\\PC|[\\\\\\n\\r\\t=\\[\\]#\"'|]){0,40}") {
            if let Ok(written) = value(&text) {
                let file = format!("[s]\nbefore = 1\nkey = {written}\nafter = 2\n");
                let stanzas = read(&file).expect("reads");
                prop_assert_eq!(stanzas.len(), 2);
                prop_assert_eq!(stanzas[1].keys.len(), 3);
                prop_assert_eq!(stanzas[1].get("key"), Some(text.trim()));
            } else {
                prop_assert!(text.contains('\r') || text.trim().lines().any(|l| l.ends_with('\\')) || text.trim().ends_with('\\'));
            }
        }
    }
}
