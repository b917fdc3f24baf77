//! The `search` command's field terms.
//!
//! From the Search Reference (`search`) and Search Manual ("Boolean expressions"):
//! - terms are `field<op>value` with `=`, `!=`, `<`, `<=`, `>`, `>=`; values are
//!   bare words or double-quoted (`\"`, `\\`); `*` in a value is a wildcard, also
//!   inside quotes; `field=value` ignores case;
//! - a value in CIDR notation matches the addresses of that block;
//! - `<`, `>`, ... compare numerically when both sides are numbers, else as text;
//! - `AND` is implied between terms; operators are upper case; precedence is
//!   parentheses, then `NOT`, then `OR`, then `AND` (so `a OR b AND c` is
//!   `(a OR b) AND c`, unlike `where`);
//! - a term on a missing field is false, so `NOT f=v` is true on a missing `f`
//!   while `f!=v` is false there (the documented "NOT vs !=" difference).
//!
//! Bare keywords (searches of `_raw`) are not emitted by Scalpel: unsupported.

use super::{cidr_contains, number, read_quoted, unsupported, Event, Folding, Result};

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Term { field: String, op: Op, value: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    And,
    Or,
    Not,
    Term { field: String, op: Op, value: String },
}

fn lex(mut text: &str) -> Result<Vec<Token>> {
    let mut tokens = Vec::new();
    loop {
        text = text.trim_start();
        let Some(c) = text.chars().next() else { return Ok(tokens) };
        if c == '(' || c == ')' {
            tokens.push(if c == '(' { Token::Open } else { Token::Close });
            text = &text[1..];
            continue;
        }
        let end = text.find(|c: char| c.is_whitespace() || "()=!<>\"".contains(c)).unwrap_or(text.len());
        let (word, rest) = text.split_at(end);
        let op = [("!=", Op::Ne), ("<=", Op::Le), (">=", Op::Ge), ("=", Op::Eq), ("<", Op::Lt), (">", Op::Gt)]
            .into_iter()
            .find(|(s, _)| rest.starts_with(s));
        let Some((spelling, op)) = op else {
            tokens.push(match word {
                "AND" => Token::And,
                "OR" => Token::Or,
                "NOT" => Token::Not,
                _ => return unsupported(format!("bare keyword `{word}` (a _raw search) at {text}")),
            });
            text = rest;
            continue;
        };
        if word.is_empty() {
            return unsupported(format!("comparison without a field at {text}"));
        }
        let rest = &rest[spelling.len()..];
        let (value, rest) = if rest.starts_with('"') {
            read_quoted(rest)?
        } else {
            let end = rest.find(|c: char| c.is_whitespace() || c == ')').unwrap_or(rest.len());
            (rest[..end].to_string(), &rest[end..])
        };
        tokens.push(Token::Term { field: word.to_string(), op, value });
        text = rest;
    }
}

pub fn parse(text: &str) -> Result<Expr> {
    let tokens = lex(text)?;
    let mut parser = Parser { tokens: &tokens, at: 0 };
    let expr = parser.conjunction()?;
    match parser.tokens.get(parser.at) {
        None => Ok(expr),
        Some(t) => unsupported(format!("unexpected {t:?} in {text}")),
    }
}

struct Parser<'a> {
    tokens: &'a [Token],
    at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    /// Lowest precedence: explicit `AND` or juxtaposition.
    fn conjunction(&mut self) -> Result<Expr> {
        let mut parts = vec![self.disjunction()?];
        loop {
            match self.peek() {
                Some(Token::And) => self.at += 1,
                Some(Token::Open | Token::Not | Token::Term { .. }) => {}
                _ => break,
            }
            parts.push(self.disjunction()?);
        }
        Ok(if parts.len() == 1 { parts.remove(0) } else { Expr::And(parts) })
    }

    /// `OR` binds tighter than `AND` in `search`.
    fn disjunction(&mut self) -> Result<Expr> {
        let mut parts = vec![self.negation()?];
        while self.peek() == Some(&Token::Or) {
            self.at += 1;
            parts.push(self.negation()?);
        }
        Ok(if parts.len() == 1 { parts.remove(0) } else { Expr::Or(parts) })
    }

    fn negation(&mut self) -> Result<Expr> {
        let token = self.peek().cloned();
        self.at += 1;
        match token {
            Some(Token::Not) => Ok(Expr::Not(Box::new(self.negation()?))),
            Some(Token::Open) => {
                let inner = self.conjunction()?;
                if self.peek() != Some(&Token::Close) {
                    return unsupported("unbalanced parenthesis");
                }
                self.at += 1;
                Ok(inner)
            }
            Some(Token::Term { field, op, value }) => Ok(Expr::Term { field, op, value }),
            other => unsupported(format!("expected a term, found {other:?}")),
        }
    }
}

pub fn matches(expr: &Expr, event: &Event, folding: Folding) -> Result<bool> {
    Ok(match expr {
        Expr::And(parts) => {
            for p in parts {
                if !matches(p, event, folding)? {
                    return Ok(false);
                }
            }
            true
        }
        Expr::Or(parts) => {
            for p in parts {
                if matches(p, event, folding)? {
                    return Ok(true);
                }
            }
            false
        }
        Expr::Not(inner) => !matches(inner, event, folding)?,
        Expr::Term { field, op, value } => {
            // A missing field fails every comparison, `!=` included.
            let Some(actual) = event.get(field) else { return Ok(false) };
            match op {
                Op::Eq => equals(actual, value, folding),
                Op::Ne => !equals(actual, value, folding),
                Op::Lt | Op::Le | Op::Gt | Op::Ge => {
                    let ordering = match (number(actual), number(value)) {
                        (Some(a), Some(b)) => a.partial_cmp(&b),
                        _ => Some(actual.cmp(value.as_str())),
                    };
                    ordering.is_some_and(|o| match op {
                        Op::Lt => o.is_lt(),
                        Op::Le => o.is_le(),
                        Op::Gt => o.is_gt(),
                        _ => o.is_ge(),
                    })
                }
            }
        }
    })
}

/// `field=value`: wildcard, else CIDR block, else number, else text, ignoring case.
fn equals(actual: &str, wanted: &str, folding: Folding) -> bool {
    if wanted.contains('*') {
        return wildcard(&folding.lower(actual), &folding.lower(wanted));
    }
    if let Some(inside) = cidr_contains(wanted, actual) {
        return inside;
    }
    match (number(actual), number(wanted)) {
        (Some(a), Some(b)) => a == b,
        _ => folding.lower(actual) == folding.lower(wanted),
    }
}

/// `*` matches any run of characters (empty included); everything else itself.
fn wildcard(text: &str, pattern: &str) -> bool {
    let mut pieces = pattern.split('*');
    let first = pieces.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(first) else { return false };
    let pieces: Vec<&str> = pieces.collect();
    let Some((last, middle)) = pieces.split_last() else { return rest.is_empty() };
    for piece in middle {
        match rest.find(piece) {
            Some(i) => rest = &rest[i + piece.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn hit(query: &str, event: serde_json::Value) -> bool {
        let event = Event::from_json(&event, "ras", "ras:x").expect("event");
        matches(&parse(query).expect("parses"), &event, Folding::Ascii).expect("evaluates")
    }

    #[test]
    fn or_binds_tighter_than_and() {
        // (a OR b) AND c: with a true and c false, the whole is false.
        assert!(!hit("a=1 OR b=1 AND c=1", json!({"a": 1, "c": 0})));
        assert!(!hit("a=1 OR b=1 c=1", json!({"a": 1, "c": 0})), "implicit AND too");
        assert!(hit("a=1 OR (b=1 AND c=1)", json!({"a": 1, "c": 0})));
        assert!(hit("NOT a=2 OR b=1", json!({"a": 1})), "NOT binds tightest");
    }

    #[test]
    fn missing_fields() {
        assert!(hit(r#"NOT f="v""#, json!({})));
        assert!(!hit(r#"f!="v""#, json!({})), "!= is false on a missing field");
        assert!(hit(r#"f!="v""#, json!({"f": "w"})));
        assert!(!hit("f=*", json!({})));
        assert!(hit("f=*", json!({"f": ""})));
        assert!(!hit("n>5", json!({})));
    }

    #[test]
    fn wildcards_case_and_escapes() {
        assert!(hit(r#"f="*BETA*""#, json!({"f": "v2-beta1"})));
        assert!(hit(r#"f="v0.*""#, json!({"f": "V0.9"})));
        assert!(!hit(r#"f="*.tmp""#, json!({"f": "a.tmpx"})));
        assert!(hit(r#"f="a*b*a""#, json!({"f": "aba"})) && !hit(r#"f="ab*ba""#, json!({"f": "aba"})));
        assert!(hit(r#"f="say \"hi\" \\o/""#, json!({"f": r#"SAY "hi" \o/"#})));
        assert!(hit("f=Ward-7", json!({"f": "ward-7"})));
        assert!(!hit(r#"f="ÉCHO""#, json!({"f": "écho"})), "ASCII folding only");
        assert!(hit(r#"index="RAS" sourcetype="ras:x""#, json!({})));
    }

    #[test]
    fn numbers_cidr_and_text_order() {
        assert!(hit("n>5 n<=6.5 n=6", json!({"n": 6.0})));
        assert!(!hit("n>10", json!({"n": 9})));
        assert!(hit("s>abc", json!({"s": "abd"})), "text compares as text");
        assert!(hit(r#"ip="10.0.0.0/8""#, json!({"ip": "10.20.30.40"})));
        assert!(!hit(r#"ip="10.0.0.0/8""#, json!({"ip": "11.0.0.1"})));
        assert!(hit(r#"ok="true""#, json!({"ok": true})));
    }

    #[test]
    fn unsupported_syntax_fails() {
        assert!(parse("error").is_err());
        assert!(parse("(a=1").is_err());
        assert!(parse("a=1)").is_err());
        assert!(parse("=1").is_err());
        assert!(parse(r#"a="x\n""#).is_err());
    }
}
