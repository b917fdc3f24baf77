//! A tolerant reading of one `.det` buffer: tokens and the nesting of its blocks.
//!
//! Completion, hover and the document outline must work on the half-typed file the
//! user is editing, where the parser drops the broken item. This scanner never
//! fails: it knows words, strings, regexes, comments and punctuation, and which
//! `schema`, `flow`, `step` and `sequence` block each offset lies in. It decides
//! nothing about meaning; names are looked up in the checked tree.

use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A name, keyword, number or technique id: `[A-Za-z0-9_.-]+` (not `->`).
    Word,
    /// A string literal, quotes included.
    Str,
    /// `/pattern/flags` after `matches`.
    Regex,
    /// `==`, `!=`, `<=`, `>=`, `->` or one other character.
    Punct,
}

#[derive(Debug, Clone)]
pub struct Token {
    pub kind: Kind,
    pub span: Range<usize>,
}

/// One `kind name ... { ... }` block.
#[derive(Debug, Clone)]
pub struct Block {
    /// `schema`, `flow`, `step` or `sequence`.
    pub kind: &'static str,
    /// The token after the keyword (an ident, or the flow's id string).
    pub name: Option<usize>,
    /// The block's first token (its keyword).
    pub start: usize,
    /// Token index of `{`, and of the matching `}` when there is one.
    pub open: Option<usize>,
    pub close: Option<usize>,
    pub parent: Option<usize>,
}

pub struct Outline<'a> {
    pub text: &'a str,
    pub tokens: Vec<Token>,
    pub blocks: Vec<Block>,
}

const BLOCK_KINDS: [&str; 4] = ["schema", "flow", "step", "sequence"];

/// Tokens past this many are not read: a runaway buffer still answers quickly.
const MAX_TOKENS: usize = 1_000_000;

impl<'a> Outline<'a> {
    pub fn new(text: &'a str) -> Outline<'a> {
        let tokens = lex(text);
        let blocks = blocks(text, &tokens);
        Outline { text, tokens, blocks }
    }

    pub fn text_of(&self, token: usize) -> &'a str {
        &self.text[self.tokens[token].span.clone()]
    }

    /// The innermost block whose braces hold `offset` (or, before its `{`, whose header does).
    pub fn block_at(&self, offset: usize) -> Option<usize> {
        let mut found = None;
        for (i, block) in self.blocks.iter().enumerate() {
            let lo = self.tokens[block.start].span.start;
            let hi = match (block.open, block.close) {
                (_, Some(close)) => self.tokens[close].span.start,
                (Some(_), None) => self.text.len(),
                // A header still being typed holds its own line only.
                (None, None) => self.text[lo..].find('\n').map_or(self.text.len(), |n| lo + n),
            };
            if lo <= offset && offset <= hi {
                found = Some(i); // blocks come in text order, so later ones are inner
            }
        }
        found
    }

    /// The block of `kind` holding `offset`, itself or an enclosing one.
    pub fn enclosing(&self, offset: usize, kind: &str) -> Option<usize> {
        let mut at = self.block_at(offset);
        while let Some(i) = at {
            if self.blocks[i].kind == kind {
                return Some(i);
            }
            at = self.blocks[i].parent;
        }
        None
    }

    /// The block's name as written (a flow's id without its quotes).
    pub fn name(&self, block: usize) -> Option<&'a str> {
        let token = self.blocks[block].name?;
        let text = self.text_of(token);
        Some(text.trim_matches('"'))
    }

    /// Tokens between a block's braces (to its end when unclosed), nested blocks included.
    pub fn body(&self, block: usize) -> Range<usize> {
        let b = &self.blocks[block];
        let open = b.open.map_or(b.start, |o| o + 1);
        open..b.close.unwrap_or(self.tokens.len())
    }

    /// The word after the first `keyword` among a block's own tokens (`source firmware`).
    pub fn clause(&self, block: usize, keyword: &str) -> Option<&'a str> {
        let body = self.body(block);
        let at = body.clone().find(|&i| self.is_word(i, keyword))?;
        (at + 1 < body.end && self.tokens[at + 1].kind == Kind::Word).then(|| self.text_of(at + 1))
    }

    /// The direct children of `block` of one kind.
    pub fn children<'s>(&'s self, block: usize, kind: &'s str) -> impl Iterator<Item = usize> + 's {
        (0..self.blocks.len()).filter(move |&i| self.blocks[i].parent == Some(block) && self.blocks[i].kind == kind)
    }

    pub fn is_word(&self, token: usize, word: &str) -> bool {
        self.tokens[token].kind == Kind::Word && self.text_of(token) == word
    }

    /// The index of the first token starting at or after `offset`.
    pub fn token_after(&self, offset: usize) -> usize {
        self.tokens.partition_point(|t| t.span.start < offset)
    }

    /// The word token touching `offset` (the cursor may sit just after it).
    pub fn word_at(&self, offset: usize) -> Option<usize> {
        let i = self.tokens.partition_point(|t| t.span.end < offset);
        (i < self.tokens.len() && self.tokens[i].span.start <= offset && self.tokens[i].kind == Kind::Word).then_some(i)
    }
}

fn is_word_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-')
}

fn lex(text: &str) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut tokens: Vec<Token> = Vec::new();
    let mut i = 0;
    while i < bytes.len() && tokens.len() < MAX_TOKENS {
        let c = bytes[i];
        let start = i;
        let kind = if c.is_ascii_whitespace() || !c.is_ascii() {
            // Non-ASCII text only occurs in strings and comments; elsewhere it is skipped.
            i += 1;
            continue;
        } else if text[i..].starts_with("//") {
            i = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
            continue;
        } else if text[i..].starts_with("/*") {
            i = text[i + 2..].find("*/").map_or(bytes.len(), |n| i + 2 + n + 2);
            continue;
        } else if c == b'"' || (c == b'/' && tokens.last().is_some_and(|t| &text[t.span.clone()] == "matches")) {
            i = quoted_end(bytes, i, c);
            if c == b'/' {
                while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
                    i += 1;
                }
                Kind::Regex
            } else {
                Kind::Str
            }
        } else if c == b'-' && bytes.get(i + 1) == Some(&b'>') {
            i += 2;
            Kind::Punct
        } else if is_word_char(c) {
            while i < bytes.len() && is_word_char(bytes[i]) && !text[i..].starts_with("->") {
                i += 1;
            }
            Kind::Word
        } else {
            let two = matches!(&text.as_bytes()[i..bytes.len().min(i + 2)], b"==" | b"!=" | b"<=" | b">=");
            i += if two { 2 } else { 1 };
            Kind::Punct
        };
        tokens.push(Token { kind, span: start..i });
    }
    tokens
}

/// The end of a string or regex opened by `quote` at `start`: after the closing
/// quote, or at the end of the line when it is unterminated.
fn quoted_end(bytes: &[u8], start: usize, quote: u8) -> usize {
    let mut i = start + 1;
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

fn blocks(text: &str, tokens: &[Token]) -> Vec<Block> {
    let mut blocks: Vec<Block> = Vec::new();
    // Open braces: the block each one opened, or `None` for a brace of no block.
    let mut stack: Vec<Option<usize>> = Vec::new();
    // A block keyword seen, waiting for its `{`.
    let mut pending: Option<usize> = None;
    let innermost = |stack: &[Option<usize>]| stack.iter().rev().find_map(|b| *b);
    for (i, token) in tokens.iter().enumerate() {
        let word = &text[token.span.clone()];
        match (token.kind, word) {
            (Kind::Word, _) if BLOCK_KINDS.contains(&word) && starts_statement(text, tokens, i) => {
                let kind = BLOCK_KINDS.iter().find(|k| **k == word).copied().unwrap_or("flow");
                let name = tokens.get(i + 1).filter(|t| t.kind != Kind::Punct).map(|_| i + 1);
                blocks.push(Block { kind, name, start: i, open: None, close: None, parent: innermost(&stack) });
                pending = Some(blocks.len() - 1);
            }
            (Kind::Punct, "{") => {
                if let Some(b) = pending.take() {
                    blocks[b].open = Some(i);
                }
                stack.push(blocks.last().filter(|b| b.open == Some(i)).map(|_| blocks.len() - 1));
            }
            (Kind::Punct, "}") => {
                if let Some(Some(b)) = stack.pop() {
                    blocks[b].close = Some(i);
                }
            }
            _ => {}
        }
    }
    blocks
}

/// `step` is a block keyword at the start of a statement, not a word in a
/// condition (`threshold` and `each` name steps too, but `step` never is one).
fn starts_statement(text: &str, tokens: &[Token], i: usize) -> bool {
    let Some(prev) = i.checked_sub(1).map(|p| &tokens[p]) else { return true };
    let line_start = text[..tokens[i].span.start].rfind('\n').map_or(0, |n| n + 1);
    prev.span.end <= line_start || matches!(&text[prev.span.clone()], "{" | "}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "schema s { a.b string \"x // y\" }\n\
        flow \"F-1\" \"t\" {\n  // step fake\n  step one \"t\" {\n    source s\n    detect a.b matches /x{2}/i\n  }\n  \
        sequence q \"t\" within 1m by a.b {\n    one -> two\n  }\n  step two \"t\" {\n";

    #[test]
    fn blocks_nest_and_unclosed_ones_run_to_the_end() {
        let o = Outline::new(TEXT);
        let kinds: Vec<(&str, Option<&str>)> = (0..o.blocks.len()).map(|b| (o.blocks[b].kind, o.name(b))).collect();
        assert_eq!(
            kinds,
            [
                ("schema", Some("s")),
                ("flow", Some("F-1")),
                ("step", Some("one")),
                ("sequence", Some("q")),
                ("step", Some("two"))
            ]
        );
        assert_eq!(o.clause(2, "source"), Some("s"));
        let arrow = TEXT.find("->").unwrap();
        assert_eq!(o.block_at(arrow), Some(3));
        assert_eq!(o.enclosing(arrow, "flow"), Some(1));
        assert_eq!(o.block_at(TEXT.len()), Some(4));
        assert_eq!(o.children(1, "step").count(), 2);
        // The regex's braces are no block; the word before the cursor is found.
        let b = TEXT.find("a.b matches").unwrap();
        assert_eq!(o.word_at(b + 3).map(|t| o.text_of(t)), Some("a.b"));
    }
}
