//! Error recovery: one syntax error must not hide the next.
//!
//! After pest fails on a whole file, the file is cut at every top-level item
//! (`schema NAME ["..."] {`, `flow "ID" "TITLE" {`: patterns no other construct
//! has, so they are found even when a brace is missing) and each item is parsed
//! alone; items that parse keep their AST, each broken item reports its first
//! error. In a broken flow the steps and sequences after the error (`step ID "..."
//! {`, `sequence ID "..." within`) are then parsed alone to report their errors.
//! Broken items are left out of the AST, and a broken schema's name is kept so that
//! `sema` does not report its uses as unknown (one mistake, one error).
//!
//! Work is linear in the file: every byte is lexed once and parsed at most twice;
//! at most [`MAX_ERRORS`] errors are reported per file.

use super::ast::{self, Ident};
use super::{build, errors, Rule, ScalpelParser};
use crate::diag::Diagnostics;
use crate::source::{FileId, Span};
use pest::Parser;

/// Syntax errors reported per file; past them the rest of the file is still
/// parsed (for its AST) but not searched for more.
pub const MAX_ERRORS: usize = 20;

/// A token of the recovery lexer: just enough to find item starts.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Token<'t> {
    Word(&'t str),
    Str,
    Open,
    Close,
    Other,
}

pub fn recover(file: FileId, text: &str, first: &pest::error::Error<Rule>) -> (ast::File, Diagnostics) {
    let tokens = lex(text);
    let mut diags = Diagnostics::new();
    let mut out = ast::File::default();
    let mut errors = 0;
    let mut bounds: Vec<usize> = vec![0];
    bounds.extend(tokens.iter().enumerate().filter(|(i, _)| item_starts(&tokens, *i)).map(|(_, (at, _))| *at));
    bounds.push(text.len());
    bounds.dedup();
    for range in bounds.windows(2) {
        let (start, end) = (range[0], range[1]);
        match ScalpelParser::parse(Rule::file, &text[start..end]) {
            Ok(mut pairs) => {
                if let Some(root) = pairs.next() {
                    let item = build::file(file, start, root, &mut diags);
                    out.schemas.extend(item.schemas);
                    out.flows.extend(item.flows);
                    out.exclusions.extend(item.exclusions);
                }
            }
            Err(err) => {
                let at = errors::position(text, start, &err);
                if errors < MAX_ERRORS {
                    diags.push(errors::describe(file, text, start, &err));
                    errors += 1;
                }
                if let Some(name) = schema_name(&tokens, start, file) {
                    out.unparsed_schemas.push(name);
                }
                errors +=
                    fragment_errors(file, text, &tokens, (at, end), MAX_ERRORS - errors.min(MAX_ERRORS), &mut diags);
            }
        }
    }
    if errors == 0 {
        // The cut parsed where the whole did not (it should not happen): the
        // whole file's error stands, and nothing of the file is kept.
        diags.push(errors::describe(file, text, 0, first));
        out = ast::File::default();
    }
    (out, diags)
}

/// Errors of the steps and sequences that start after `from` in a broken flow,
/// each parsed alone (up to the next one, the last up to the flow's closing
/// brace), at most `budget` of them.
fn fragment_errors(
    file: FileId,
    text: &str,
    tokens: &[(usize, Token)],
    (from, end): (usize, usize),
    budget: usize,
    diags: &mut Diagnostics,
) -> usize {
    let inside: Vec<usize> = (0..tokens.len()).filter(|&i| tokens[i].0 > from && tokens[i].0 < end).collect();
    let starts: Vec<usize> = inside
        .iter()
        .filter(|&&i| match tokens[i].1 {
            Token::Word(keyword @ ("step" | "sequence")) => fragment_starts(tokens, i, keyword),
            _ => false,
        })
        .map(|&i| tokens[i].0)
        .collect();
    let flow_close = inside.iter().rev().find(|&&i| tokens[i].1 == Token::Close).map_or(end, |&i| tokens[i].0);
    let ends = starts.iter().skip(1).copied().chain(std::iter::once(flow_close));
    let mut found = 0;
    for (start, stop) in starts.iter().copied().zip(ends) {
        if found >= budget {
            break;
        }
        if let Err(mut err) = ScalpelParser::parse(Rule::flow_body, &text[start..stop.max(start)]) {
            // Alone, the fragment ends where the flow's `}` would come.
            if let pest::error::ErrorVariant::ParsingError { positives, .. } = &mut err.variant {
                positives.iter_mut().filter(|r| **r == Rule::EOI).for_each(|r| *r = Rule::rbrace);
            }
            diags.push(errors::describe(file, text, start, &err));
            found += 1;
        }
    }
    found
}

/// `schema NAME ["..."] {`, `flow "ID" "TITLE" {` and `exclude "NAME" on` start top-level items.
fn item_starts(tokens: &[(usize, Token)], i: usize) -> bool {
    let next = |k: usize| tokens.get(i + k).map(|t| t.1);
    match tokens[i].1 {
        Token::Word("schema") => {
            matches!(next(1), Some(Token::Word(_)))
                && (next(2) == Some(Token::Open) || (next(2) == Some(Token::Str) && next(3) == Some(Token::Open)))
        }
        Token::Word("flow") => {
            next(1) == Some(Token::Str) && next(2) == Some(Token::Str) && next(3) == Some(Token::Open)
        }
        Token::Word("exclude") => next(1) == Some(Token::Str) && next(2) == Some(Token::Word("on")),
        _ => false,
    }
}

/// `step ID "..." {` and `sequence ID "..." within`.
fn fragment_starts(tokens: &[(usize, Token)], i: usize, keyword: &str) -> bool {
    let next = |k: usize| tokens.get(i + k).map(|t| t.1);
    let then = if keyword == "step" { Some(Token::Open) } else { Some(Token::Word("within")) };
    matches!(next(1), Some(Token::Word(_))) && next(2) == Some(Token::Str) && next(3) == then
}

/// The name of the schema whose item starts at `start`, if it is one.
fn schema_name(tokens: &[(usize, Token)], start: usize, file: FileId) -> Option<Ident> {
    let i = tokens.iter().position(|t| t.0 >= start)?;
    match (tokens[i].1, tokens.get(i + 1)) {
        (Token::Word("schema"), Some((at, Token::Word(name)))) => {
            Some(Ident { name: name.to_string(), span: Span::new(file, *at, at + name.len()) })
        }
        _ => None,
    }
}

/// Words, strings and braces, with comments, regex literals and other
/// punctuation skipped (a regex only follows `matches`, as in the pre-scan).
fn lex(text: &str) -> Vec<(usize, Token<'_>)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let after_matches = matches!(out.last(), Some((_, Token::Word("matches"))));
        match b {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = bytes[i..].iter().position(|&c| c == b'\n').map_or(bytes.len(), |p| i + p)
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..].find("*/").map_or(bytes.len(), |e| i + 2 + e + 2)
            }
            b'"' => {
                out.push((i, Token::Str));
                i = end_of_literal(bytes, i, b'"');
            }
            b'/' if after_matches => {
                out.push((i, Token::Other));
                i = end_of_literal(bytes, i, b'/');
            }
            b'{' => {
                out.push((i, Token::Open));
                i += 1;
            }
            b'}' => {
                out.push((i, Token::Close));
                i += 1;
            }
            b if b.is_ascii_alphanumeric() || b == b'_' => {
                let end = bytes[i..]
                    .iter()
                    .position(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-')))
                    .map_or(bytes.len(), |p| i + p);
                out.push((i, Token::Word(&text[i..end])));
                i = end;
            }
            b if b.is_ascii_whitespace() => i += 1,
            _ => {
                out.push((i, Token::Other));
                i += text[i..].chars().next().map_or(1, char::len_utf8);
            }
        }
    }
    out
}

/// The offset after a literal opened at `open`, or the end of its line (the
/// pre-scan has already reported literals that do not close).
fn end_of_literal(bytes: &[u8], open: usize, quote: u8) -> usize {
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'\n' => return i,
            b if b == quote => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}
