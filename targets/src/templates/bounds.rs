//! Bounds on a handlebars template, read before handlebars parses it.
//!
//! Why here: handlebars parses with recursive descent (one level per block, per
//! subexpression and per array or object literal) and renders partials by
//! recursion, with no limit of its own, so `{{#if}}` nested 5,000 deep or a
//! template that includes itself overflows the stack. This lexical pass follows
//! the handlebars grammar closely enough to be sound: every place the grammar can
//! nest is counted, and what the pass cannot read unambiguously (`{{` inside a
//! mustache, a mustache whose brackets are not closed, a string holding `{{` or `}}`,
//! a partial named at run time) is refused rather than guessed at.

use std::collections::{BTreeMap, BTreeSet};

/// Deepest nesting of blocks plus, inside one mustache, subexpressions and literals.
pub const MAX_NESTING: usize = 16;
/// Longest chain of partial includes (template → partial → partial …).
pub const MAX_INCLUDE_DEPTH: usize = 4;

/// What is wrong with a template, and at which byte.
#[derive(Debug, PartialEq, Eq)]
pub enum Problem {
    /// Blocks and brackets nest deeper than [`MAX_NESTING`].
    TooDeep { at: usize },
    /// Something the pass cannot read unambiguously; the text says what.
    Unreadable { at: usize, what: &'static str },
    /// A partial include that cannot be bounded (named at run time, `@partial-block`).
    UnboundedInclude { at: usize, what: &'static str },
}

impl Problem {
    pub fn offset(&self) -> usize {
        match self {
            Problem::TooDeep { at } | Problem::Unreadable { at, .. } | Problem::UnboundedInclude { at, .. } => *at,
        }
    }
}

/// The partials a template defines (`{{#*inline "name"}}`) and includes, by the
/// template or inline partial the include is written in.
#[derive(Debug, Default)]
pub struct Outline {
    pub inline: BTreeSet<String>,
    /// (includer, included, byte offset of the include).
    pub includes: Vec<(String, String, usize)>,
}

/// The outline of `text`, the template registered as `name`.
pub fn outline(name: &str, text: &str) -> Result<Outline, Problem> {
    let bytes = text.as_bytes();
    let mut out = Outline::default();
    // Open blocks: for each, the inline partial it defines, if it is one.
    let mut open: Vec<Option<String>> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            i = after_escape(bytes, i);
            continue;
        }
        if !bytes[i..].starts_with(b"{{") {
            i += 1;
            continue;
        }
        if bytes[i..].starts_with(b"{{{{") {
            i = after_raw_block(bytes, i);
            continue;
        }
        if bytes[i..].starts_with(b"{{!") {
            i = after_comment(text, i);
            continue;
        }
        let start = i;
        let mut j = skip_blanks(bytes, i + 2);
        if bytes.get(j) == Some(&b'~') {
            j = skip_blanks(bytes, j + 1);
        }
        let includer = open.iter().rev().find_map(|b| b.clone()).unwrap_or_else(|| name.to_string());
        match bytes.get(j) {
            Some(b'#') => {
                let k = skip_blanks(bytes, j + 1);
                let defines = match bytes.get(k) {
                    Some(b'>') => {
                        let (partial, _) = partial_name(text, k + 1, start)?;
                        out.includes.push((includer, partial, start));
                        None
                    }
                    Some(b'*') => inline_name(text, k + 1),
                    _ => None,
                };
                if let Some(partial) = &defines {
                    out.inline.insert(partial.clone());
                }
                open.push(defines);
                let end = mustache_end(bytes, j + 1, start, open.len())?;
                i = end;
            }
            Some(b'/') => {
                open.pop();
                i = mustache_end(bytes, j + 1, start, open.len())?;
            }
            Some(b'>') => {
                let (partial, _) = partial_name(text, j + 1, start)?;
                out.includes.push((includer, partial, start));
                i = mustache_end(bytes, j + 1, start, open.len())?;
            }
            // The legacy triple stash `{{{x}}}`: its `{` is not an object literal.
            Some(b'{') => i = mustache_end(bytes, j + 1, start, open.len())?,
            _ => i = mustache_end(bytes, j, start, open.len())?,
        }
        if open.len() > MAX_NESTING {
            return Err(Problem::TooDeep { at: start });
        }
    }
    Ok(out)
}

/// `\{{` (and `\{{{{`) is literal text; `\\{{` is backslashes, then a mustache.
fn after_escape(bytes: &[u8], i: usize) -> usize {
    let rest = &bytes[i + 1..];
    if rest.starts_with(b"{{{{") {
        i + 5
    } else if rest.starts_with(b"{{") {
        i + 3
    } else {
        let run = rest.iter().take_while(|&&b| b == b'\\').count();
        if run > 0 && rest[run..].starts_with(b"{{") {
            i + 1 + run
        } else {
            i + 1
        }
    }
}

/// `{{{{raw}}}} … {{{{/raw}}}}`: the body is text up to the next unescaped `{{{{`.
fn after_raw_block(bytes: &[u8], i: usize) -> usize {
    let Some(open_end) = find(bytes, i + 4, b"}}}}") else { return bytes.len() };
    let mut k = open_end + 4;
    while k < bytes.len() {
        if bytes[k] == b'\\' && bytes[k + 1..].starts_with(b"{{") {
            k = after_escape(bytes, k);
        } else if bytes[k..].starts_with(b"{{{{") {
            return find(bytes, k + 4, b"}}}}").map_or(bytes.len(), |e| e + 4);
        } else {
            k += 1;
        }
    }
    bytes.len()
}

/// `{{!-- … --}}` (blanks allowed before `--`), else `{{! … }}`.
fn after_comment(text: &str, i: usize) -> usize {
    let bytes = text.as_bytes();
    let k = skip_blanks(bytes, i + 3);
    if bytes[k..].starts_with(b"--") {
        if let Some(end) = find(bytes, k + 2, b"--}}") {
            return end + 4;
        }
    }
    find(bytes, i + 3, b"}}").map_or(bytes.len(), |e| e + 2)
}

/// The byte after the `}}` that closes the mustache opened at `start`, reading its
/// body from `from`: strings are skipped, brackets counted towards the nesting.
fn mustache_end(bytes: &[u8], from: usize, start: usize, blocks: usize) -> Result<usize, Problem> {
    let mut depth = 0usize;
    let mut k = from;
    while k < bytes.len() {
        let b = bytes[k];
        if bytes[k..].starts_with(b"{{") {
            return Err(Problem::Unreadable { at: start, what: "`{{` inside `{{ … }}`" });
        }
        if depth == 0 && bytes[k..].starts_with(b"}}") {
            return Ok(k + 2);
        }
        match b {
            b'"' | b'\'' => k = string_end(bytes, k, start)?,
            b'(' | b'[' | b'{' => {
                depth += 1;
                if blocks + depth > MAX_NESTING {
                    return Err(Problem::TooDeep { at: start });
                }
                k += 1;
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                k += 1;
            }
            _ => k += 1,
        }
    }
    // Unclosed: handlebars reports it, and nothing after it is parsed.
    Ok(bytes.len())
}

/// The byte after the string opened at `open`; a string may not hold `{{` or `}}`.
fn string_end(bytes: &[u8], open: usize, start: usize) -> Result<usize, Problem> {
    let quote = bytes[open];
    let mut k = open + 1;
    while k < bytes.len() {
        if bytes[k..].starts_with(b"{{") || bytes[k..].starts_with(b"}}") {
            return Err(Problem::Unreadable { at: start, what: "a string holding `{{` or `}}` inside `{{ … }}`" });
        }
        match bytes[k] {
            b'\\' => k += 2,
            b if b == quote => return Ok(k + 1),
            _ => k += 1,
        }
    }
    Ok(bytes.len())
}

/// The name of the partial in `{{> name …}}` or `{{#> name …}}`, read from `from`.
fn partial_name(text: &str, from: usize, start: usize) -> Result<(String, usize), Problem> {
    let bytes = text.as_bytes();
    let k = skip_blanks(bytes, from);
    let (name, end) = match bytes.get(k) {
        Some(b'(') => return Err(Problem::UnboundedInclude { at: start, what: "a partial named by a subexpression" }),
        Some(&quote @ (b'[' | b'\'')) => {
            let close = if quote == b'[' { b']' } else { b'\'' };
            let end = bytes[k + 1..].iter().position(|&b| b == close).map_or(bytes.len(), |p| k + 1 + p);
            (text[k + 1..end].to_string(), end)
        }
        _ => {
            let len = text[k..]
                .find(|c: char| !(c.is_alphanumeric() || matches!(c, '-' | '_' | '@' | '/' | '.')))
                .unwrap_or(text.len() - k);
            (text[k..k + len].to_string(), k + len)
        }
    };
    if name.starts_with('@') {
        return Err(Problem::UnboundedInclude { at: start, what: "`@partial-block`" });
    }
    Ok((name, end))
}

/// The name an inline partial definition `{{#*inline "name"}}` gives, read after `*`.
fn inline_name(text: &str, from: usize) -> Option<String> {
    let rest = text[skip_blanks(text.as_bytes(), from)..].strip_prefix("inline")?;
    let rest = rest.trim_start();
    let quote = rest.chars().next().filter(|c| matches!(c, '"' | '\''))?;
    let body = &rest[1..];
    body.find(quote).map(|end| body[..end].to_string())
}

fn skip_blanks(bytes: &[u8], mut k: usize) -> usize {
    while bytes.get(k).is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')) {
        k += 1;
    }
    k
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|p| from + p)
}

/// Why a set of templates cannot be rendered with bounded recursion: a partial
/// that includes itself (the chain of names), or a chain longer than
/// [`MAX_INCLUDE_DEPTH`]. `includes` maps a template or inline partial to the
/// partials it includes; a name may stand for several definitions (the same
/// inline name in two templates, or a template's), so all are followed.
pub fn include_problem(includes: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn longest(
        node: &str,
        includes: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeMap<String, usize>,
    ) -> Result<usize, Vec<String>> {
        if let Some(depth) = done.get(node) {
            return Ok(*depth);
        }
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_string());
            return Err(cycle);
        }
        if path.len() > MAX_INCLUDE_DEPTH {
            let mut chain = path.clone();
            chain.push(node.to_string());
            return Err(chain);
        }
        path.push(node.to_string());
        let mut depth = 0;
        for next in includes.get(node).into_iter().flatten() {
            depth = depth.max(1 + longest(next, includes, path, done)?);
        }
        path.pop();
        done.insert(node.to_string(), depth);
        Ok(depth)
    }
    let mut done = BTreeMap::new();
    for node in includes.keys() {
        match longest(node, includes, &mut Vec::new(), &mut done) {
            Ok(depth) if depth > MAX_INCLUDE_DEPTH => return Some(vec![node.clone()]),
            Ok(_) => {}
            Err(chain) => return Some(chain),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested_ifs(n: usize) -> String {
        format!("{}x{}", "{{#if a}}".repeat(n), "{{/if}}".repeat(n))
    }

    #[test]
    fn blocks_nest_up_to_the_bound() {
        assert!(outline("t", &nested_ifs(MAX_NESTING)).is_ok());
        assert_eq!(outline("t", &nested_ifs(MAX_NESTING + 1)).unwrap_err(), Problem::TooDeep { at: 9 * MAX_NESTING });
        assert!(matches!(outline("t", &nested_ifs(5_000)), Err(Problem::TooDeep { .. })));
        // Whitespace control and blanks do not hide a block.
        assert!(matches!(outline("t", &"{{~ # if a}}".repeat(100)), Err(Problem::TooDeep { .. })));
    }

    #[test]
    fn subexpressions_and_literals_count_towards_the_nesting() {
        let deep = format!("{{{{x {}a{}}}}}", "(lookup ".repeat(40), ")".repeat(40));
        assert!(matches!(outline("t", &deep), Err(Problem::TooDeep { .. })));
        assert!(matches!(outline("t", &format!("{{{{x {}}}}}", "[".repeat(40))), Err(Problem::TooDeep { .. })));
        assert!(outline("t", "{{x (lookup a \"b\") [1, {\"k\": 2}]}} {{{raw}}}").is_ok());
    }

    #[test]
    fn closes_hidden_in_strings_comments_and_escapes_do_not_lower_the_count() {
        for (hide, want_ok) in [
            ("{{!-- {{/if}} --}}", false),
            ("{{! {{/if}} }}", false),
            ("\\{{/if}}", false),
            ("{{{{raw}}}}{{/if}}{{{{/raw}}}}", false),
            ("{{x \"}}{{/if}}\"}}", false),
            ("{{[}}{{/if}}]}}", false),
            ("{{x [a'b] '}}{{/if}}'}}", false),
        ] {
            let text = format!("{{{{#if a}}}}{hide}").repeat(MAX_NESTING + 1);
            assert_eq!(outline("t", &text).is_ok(), want_ok, "{hide}: {:?}", outline("t", &text));
        }
        // A comment or escape that holds no close is no problem at all.
        assert!(outline("t", "{{!-- {{#if}} --}}\\{{#if}}{{x \"a\"}}").is_ok());
    }

    #[test]
    fn includes_are_recorded_by_their_includer() {
        let outline = outline("main", "{{#*inline \"row\"}}{{> cell}}{{/inline}}{{> row}}{{#> [frame] x}}{{/frame}}")
            .expect("reads");
        assert_eq!(outline.inline, BTreeSet::from(["row".to_string()]));
        let edges: Vec<(&str, &str)> = outline.includes.iter().map(|(a, b, _)| (a.as_str(), b.as_str())).collect();
        assert_eq!(edges, [("row", "cell"), ("main", "row"), ("main", "frame")]);
        assert!(matches!(super::outline("t", "{{> (which)}}"), Err(Problem::UnboundedInclude { .. })));
        assert!(matches!(super::outline("t", "{{> @partial-block}}"), Err(Problem::UnboundedInclude { .. })));
    }

    #[test]
    fn include_cycles_and_long_chains_are_found() {
        let graph = |edges: &[(&str, &str)]| {
            let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
            for (a, b) in edges {
                g.entry(a.to_string()).or_default().insert(b.to_string());
            }
            g
        };
        assert_eq!(include_problem(&graph(&[("t", "t")])), Some(vec!["t".into(), "t".into()]));
        assert_eq!(include_problem(&graph(&[("t", "a"), ("a", "b"), ("b", "a")])).map(|c| c.len()), Some(3));
        let chain: Vec<(String, String)> =
            (0..=MAX_INCLUDE_DEPTH).map(|n| (format!("p{n}"), format!("p{}", n + 1))).collect();
        let edges: Vec<(&str, &str)> = chain.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        assert!(include_problem(&graph(&edges)).is_some(), "{} includes in a row", edges.len());
        assert_eq!(include_problem(&graph(&edges[1..])), None, "{} includes in a row", edges.len() - 1);
    }
}
