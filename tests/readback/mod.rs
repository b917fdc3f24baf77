//! Reading artifacts back by their format, shared by `tests/hostile_values.rs` and
//! the `pipeline` fuzz target (`fuzz/fuzz_targets/pipeline.rs` includes this file by
//! path), so the property test and the fuzzer judge an output the same way.
//!
//! [`strings`] parses a file with a real parser of its format (serde_norway for YAML,
//! serde_json for JSON and NDJSON, `splunk::conf::read` for `.conf`, roxmltree for
//! HTML, XML and SVG, a table-structure check for Markdown) and returns every string
//! it holds; [`skeleton`] is the same parse with the strings left out, so two builds
//! that differ only in metadata text must give equal skeletons (a value that adds a
//! key, a stanza, an element or changes a string into a number shows there);
//! [`shown`] says how a format may show a value.

use scalpel_targets::splunk::conf;

/// `value` as a `.det` string literal.
pub fn det_literal(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn extension(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or_default()
}

/// Every string a parsed document holds (keys and values), by the format of `path`;
/// `Err` when the file does not parse.
pub fn strings(path: &str, text: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    match extension(path) {
        "yml" | "yaml" => yaml_documents(text)?.iter().for_each(|value| yaml_strings(value, &mut out)),
        // One document, or a stream of them (Splunk HEC files).
        "json" | "sarif" => {
            for value in serde_json::Deserializer::from_str(text).into_iter::<serde_json::Value>() {
                json_strings(&value.map_err(|e| e.to_string())?, &mut out);
            }
        }
        "ndjson" | "jsonl" => {
            for line in text.lines() {
                let value: serde_json::Value = serde_json::from_str(line).map_err(|e| format!("{e}: {line}"))?;
                json_strings(&value, &mut out);
            }
        }
        // Some `.conf` values are JSON (ES annotations, analytic stories): their strings too.
        "conf" => {
            // Comment lines are part of the file too (the tree name heads it).
            out.extend(text.lines().filter(|l| l.trim_start().starts_with('#')).map(str::to_string));
            for stanza in conf::read(text)? {
                out.push(stanza.name);
                for (key, value) in stanza.keys {
                    if let Ok(json) = serde_json::from_str::<serde_json::Value>(&value) {
                        json_strings(&json, &mut out);
                    }
                    out.extend([key, value]);
                }
            }
        }
        "html" | "xml" | "svg" => {
            let doc = markup(text)?;
            for node in doc.descendants() {
                out.extend(node.text().map(str::to_string));
                out.extend(node.attributes().map(|a| a.value().to_string()));
            }
        }
        "md" => out.push(markdown_table_check(text)?),
        _ => out.push(text.to_string()),
    }
    Ok(out)
}

/// The shape of a parsed document without its strings: keys, value kinds, stanza
/// and key counts, element and attribute names. Formats without a parser here
/// (queries, Markdown) have no skeleton (`None`).
pub fn skeleton(path: &str, text: &str) -> Result<Option<String>, String> {
    let mut out = String::new();
    match extension(path) {
        "yml" | "yaml" => yaml_documents(text)?.iter().for_each(|value| yaml_skeleton(value, &mut out)),
        "json" | "sarif" => {
            for value in serde_json::Deserializer::from_str(text).into_iter::<serde_json::Value>() {
                json_skeleton(&value.map_err(|e| e.to_string())?, &mut out);
                out.push('\n');
            }
        }
        "ndjson" | "jsonl" => {
            for line in text.lines() {
                json_skeleton(&serde_json::from_str(line).map_err(|e| format!("{e}: {line}"))?, &mut out);
                out.push('\n');
            }
        }
        "conf" => {
            for stanza in conf::read(text)? {
                let keys: Vec<String> = stanza.keys.into_iter().map(|(key, _)| key).collect();
                out.push_str(&format!("[{}]\n", keys.join(" ")));
            }
        }
        // A line break may become `<br>` and a long SVG label wraps onto more `<text>`
        // lines; every other element counts.
        "html" | "xml" | "svg" => {
            let wraps = |n: &roxmltree::Node| ["br", "text", "tspan"].iter().any(|t| n.has_tag_name(*t));
            for node in markup(text)?.descendants().filter(|n| n.is_element() && !wraps(n)) {
                let attributes: Vec<&str> = node.attributes().map(|a| a.name()).collect();
                out.push_str(&format!("<{} {}>", node.tag_name().name(), attributes.join(" ")));
            }
        }
        _ => return Ok(None),
    }
    Ok(Some(out))
}

/// An HTML/XML document, refused when it holds an element that runs or loads something.
fn markup(text: &str) -> Result<roxmltree::Document<'_>, String> {
    let options = roxmltree::ParsingOptions { allow_dtd: true, ..Default::default() };
    let doc = roxmltree::Document::parse_with_options(text, options).map_err(|e| e.to_string())?;
    if doc.descendants().any(|n| n.has_tag_name("script") || n.has_tag_name("iframe")) {
        return Err("an element that runs or loads something".into());
    }
    Ok(doc)
}

/// The documents of a YAML stream (a Sigma threshold rule is two).
fn yaml_documents(text: &str) -> Result<Vec<serde_norway::Value>, String> {
    use serde::Deserialize;
    serde_norway::Deserializer::from_str(text)
        .map(|document| serde_norway::Value::deserialize(document).map_err(|e| e.to_string()))
        .collect()
}

fn yaml_strings(value: &serde_norway::Value, out: &mut Vec<String>) {
    match value {
        serde_norway::Value::String(s) => out.push(s.clone()),
        serde_norway::Value::Sequence(items) => items.iter().for_each(|v| yaml_strings(v, out)),
        serde_norway::Value::Mapping(map) => map.iter().for_each(|(k, v)| {
            yaml_strings(k, out);
            yaml_strings(v, out);
        }),
        serde_norway::Value::Tagged(t) => yaml_strings(&t.value, out),
        _ => {}
    }
}

fn json_strings(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| json_strings(v, out)),
        serde_json::Value::Object(map) => map.iter().for_each(|(k, v)| {
            out.push(k.clone());
            json_strings(v, out);
        }),
        _ => {}
    }
}

/// Strings as `s`, so that only structure and kinds remain; mapping keys are kept
/// when they are strings (they are the format's own names).
fn yaml_skeleton(value: &serde_norway::Value, out: &mut String) {
    use serde_norway::Value;
    match value {
        Value::Null => out.push('~'),
        Value::Bool(_) => out.push('b'),
        Value::Number(_) => out.push('n'),
        Value::String(_) => out.push('s'),
        Value::Sequence(items) => {
            out.push('[');
            items.iter().for_each(|v| yaml_skeleton(v, out));
            out.push(']');
        }
        Value::Mapping(map) => {
            out.push('{');
            for (k, v) in map {
                match k.as_str() {
                    Some(key) => out.push_str(key),
                    None => yaml_skeleton(k, out),
                }
                out.push(':');
                yaml_skeleton(v, out);
                out.push(',');
            }
            out.push('}');
        }
        Value::Tagged(t) => {
            out.push('!');
            yaml_skeleton(&t.value, out);
        }
    }
}

fn json_skeleton(value: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match value {
        Value::Null => out.push('~'),
        Value::Bool(_) => out.push('b'),
        Value::Number(_) => out.push('n'),
        Value::String(_) => out.push('s'),
        Value::Array(items) => {
            out.push('[');
            items.iter().for_each(|v| json_skeleton(v, out));
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (k, v) in map {
                out.push_str(k);
                out.push(':');
                json_skeleton(v, out);
                out.push(',');
            }
            out.push('}');
        }
    }
}

/// A Markdown file's tables keep their shape: every row of a table has as many
/// unescaped `|` as its header, and no raw HTML tag starts anywhere. Returns the
/// text with the escapes Scalpel writes undone, for the value search.
pub fn markdown_table_check(text: &str) -> Result<String, String> {
    let separators = |line: &str| {
        let bytes = line.as_bytes();
        (0..bytes.len()).filter(|&i| bytes[i] == b'|' && (i == 0 || bytes[i - 1] != b'\\')).count()
    };
    let mut header: Option<usize> = None;
    for line in text.lines() {
        if line.starts_with('|') {
            let n = separators(line);
            match header {
                None => header = Some(n),
                Some(h) if h != n => {
                    return Err(format!("a table row with {n} cells where the header has {h}: {line}"))
                }
                _ => {}
            }
        } else {
            header = None;
        }
        // The summary's own `<details>` wrapper is the only markup Scalpel writes.
        let own = ["<details>", "</details>", "<summary>", "</summary>", "<br>"];
        if own.iter().fold(line.to_string(), |l, tag| l.replace(tag, "")).contains('<') {
            return Err(format!("raw markup in Markdown: {line}"));
        }
    }
    Ok(text.to_string())
}

/// How each format is allowed to show `value`: HTML and XML replace characters
/// markup cannot hold with U+FFFD and read line breaks as XML does; `.conf` values
/// and Markdown cells are trimmed.
pub fn shown(path: &str, value: &str) -> Vec<String> {
    match extension(path) {
        "html" | "xml" | "svg" => {
            let text: String = value
                .replace("\r\n", "\n")
                .replace('\r', "\n")
                .chars()
                .map(|c| if c.is_control() && !matches!(c, '\t' | '\n') { '\u{FFFD}' } else { c })
                .collect();
            // Attributes normalise blanks to spaces.
            let attribute: String = text.chars().map(|c| if matches!(c, '\t' | '\n') { ' ' } else { c }).collect();
            vec![text, attribute]
        }
        "conf" => vec![value.trim().to_string()],
        _ => vec![value.to_string(), value.trim().to_string()],
    }
}

/// A target may cut a long value to its own limit (Sentinel's 256-character
/// display name, Splunk's stanza): then what it holds is a long prefix.
pub fn cut_to_a_limit(held: &str, value: &str) -> bool {
    let held = held.trim_end_matches(['…', '.']);
    held.chars().count() >= 64 && value.starts_with(held.trim_start_matches(|c: char| !value.starts_with(c)))
}

/// Whether some string of a parsed file holds `value` as `path`'s format may show it.
pub fn holds(path: &str, strings: &[String], value: &str) -> bool {
    let wanted = shown(path, value);
    strings.iter().any(|s| wanted.iter().any(|w| s.contains(w.as_str()) || cut_to_a_limit(s, w)))
}
