//! Where the tokens and the comments of a parsed file are.
//!
//! The AST keeps no comments and no keywords, so the formatter asks pest for the
//! parse tree again: its leaves are the tokens, and the text between two tokens can
//! only be what the grammar skips (blanks and comments) or a bare `,` (the grammar's
//! one literal that is not a rule of its own). Comments are found in those gaps, so
//! a `//` inside a string or a regex is never taken for one.

use super::super::{Rule, ScalpelParser};
use pest::Parser;

/// A byte range of the source.
pub type Range = (usize, usize);

pub struct Lexed {
    /// Every token, in source order.
    pub tokens: Vec<Range>,
    /// Every comment (`// …` without its line break, `/* … */`), in source order.
    pub comments: Vec<Range>,
}

/// The tokens and comments of `text`, or `None` when it does not parse.
pub fn lex(text: &str) -> Option<Lexed> {
    let pairs = ScalpelParser::parse(Rule::file, text).ok()?;
    let mut tokens = Vec::new();
    // Depth-first without recursion: `not` chains make the tree as deep as the file is long.
    let mut stack: Vec<_> = pairs.rev().collect();
    while let Some(pair) = stack.pop() {
        let span = pair.as_span();
        let whole = matches!(pair.as_rule(), Rule::string | Rule::regex);
        let mut inner: Vec<_> = if whole { Vec::new() } else { pair.into_inner().collect() };
        if inner.is_empty() {
            if span.start() < span.end() {
                tokens.push((span.start(), span.end()));
            }
        } else {
            inner.reverse();
            stack.extend(inner);
        }
    }
    let mut comments = Vec::new();
    let mut from = 0;
    for &(lo, hi) in tokens.iter().chain(std::iter::once(&(text.len(), text.len()))) {
        comments_in(text, from, lo, &mut comments);
        from = hi;
    }
    Some(Lexed { tokens, comments })
}

/// The comments in `text[lo..hi]`, a gap between tokens.
fn comments_in(text: &str, lo: usize, hi: usize, out: &mut Vec<Range>) {
    let gap = &text[lo..hi];
    let mut at = 0;
    while at < gap.len() {
        let rest = &gap[at..];
        if rest.starts_with("//") {
            let len = rest.find('\n').unwrap_or(rest.len());
            out.push((lo + at, lo + at + len));
            at += len;
        } else if let Some(body) = rest.strip_prefix("/*") {
            // The parse succeeded, so the comment is closed.
            let len = body.find("*/").map_or(rest.len(), |end| end + 4);
            out.push((lo + at, lo + at + len));
            at += len;
        } else {
            // A blank or a `,`: nothing else can stand between tokens.
            at += rest.chars().next().map_or(1, char::len_utf8);
        }
    }
}
