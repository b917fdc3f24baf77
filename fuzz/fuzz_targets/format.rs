//! Fuzz target: arbitrary bytes as a `.det` file through `scalpel fmt`. Must never
//! panic; a file that parses formats to text that parses to the same AST (spans
//! aside), keeps its comments, and formats to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scalpel_compiler::source::FileId;
use scalpel_compiler::syntax::{self, format::format};

/// The AST as JSON with every span (`"lo..hi"`) blanked.
fn shape(text: &str) -> serde_json::Value {
    fn blank(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::String(s) => {
                let is_span = s.split_once("..").is_some_and(|(lo, hi)| {
                    [lo, hi].iter().all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                });
                if is_span {
                    s.clear();
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(blank),
            serde_json::Value::Object(map) => map.values_mut().for_each(blank),
            _ => {}
        }
    }
    let (ast, diags) = syntax::parse(FileId(0), text);
    assert!(!diags.has_errors(), "formatted text does not parse");
    let mut value = serde_json::to_value(&ast).expect("the AST serialises");
    blank(&mut value);
    value
}

fn comments(text: &str) -> usize {
    // Every comment opener outside strings survives; counting them in both texts is
    // enough to catch a dropped comment (strings and regexes are kept verbatim).
    text.matches("//").count() + text.matches("/*").count()
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(once) = format(FileId(0), text) else { return };
    assert_eq!(shape(&once), shape(text), "the AST changed");
    assert_eq!(comments(&once), comments(text), "a comment was lost");
    let twice = format(FileId(0), &once).expect("formatted text formats");
    assert_eq!(twice, once, "not idempotent");
});
