//! `where <eval expression>`, from the Search Reference (`where`, `eval`,
//! "Comparison and Conditional functions", "Conversion functions", "Text
//! functions"):
//! - `'field'` (single quotes) or a bare name is a field, `"..."` a string
//!   (`\"`, `\\`), digits a number;
//! - comparisons `=`/`==`, `!=`, `<`, `<=`, `>`, `>=` are numeric when both sides
//!   are numbers (a field whose text is a number counts as one), else exact text;
//!   a comparison with a null side is null;
//! - `NOT`, then `AND`, then `OR` (so `a OR b AND c` is `a OR (b AND c)`), with
//!   three-valued logic; `where` keeps an event only when the result is true;
//! - functions: `isnull`, `isnotnull`, `match(s, pcre)` (a search, not a
//!   whole-value match), `cidrmatch(cidr, ip)`, `tonumber(s)` (null unless
//!   numeric), `lower(s)`, `like(s, pattern)` (`%` any run, `_` one character),
//!   `spath(json, path)` (the value at a path of a JSON text, null when absent).
//!   `if(c, x, y)` (`y` unless `c` is true), `null()`;
//! - `a - b` and `a + b` on numbers (null when a side is null or not a number),
//!   binding tighter than comparisons: `last - first <= 60`.

use super::{cidr_contains, number, read_quoted, spath, unsupported, Event, Result, Unsupported};

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Field(String),
    Str(String),
    Num(f64),
    Call(String, Vec<Expr>),
    Cmp(Box<Expr>, Cmp, Box<Expr>),
    /// `a - b` (`true`) or `a + b` (`false`).
    Arith(Box<Expr>, bool, Box<Expr>),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// An eval value; booleans are what comparisons and predicates return.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Null,
    Str(String),
    Num(f64),
    Bool(bool),
}

pub fn truthy(v: &Val) -> bool {
    *v == Val::Bool(true)
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Name(String),
    Field(String),
    Str(String),
    Num(f64),
    Cmp(Cmp),
    Minus,
    Plus,
    Open,
    Close,
    Comma,
}

fn lex(mut text: &str) -> Result<Vec<Token>> {
    let mut tokens = Vec::new();
    loop {
        text = text.trim_start();
        let Some(c) = text.chars().next() else { return Ok(tokens) };
        let (token, rest) = match c {
            '(' => (Token::Open, &text[1..]),
            ')' => (Token::Close, &text[1..]),
            ',' => (Token::Comma, &text[1..]),
            '-' => (Token::Minus, &text[1..]),
            '+' => (Token::Plus, &text[1..]),
            '"' => {
                let (s, rest) = read_quoted(text)?;
                (Token::Str(s), rest)
            }
            '\'' => {
                let end = text[1..].find('\'').ok_or_else(|| Unsupported(format!("unterminated field at {text}")))?;
                (Token::Field(text[1..=end].to_string()), &text[end + 2..])
            }
            '=' | '!' | '<' | '>' => {
                let ops = [("==", Cmp::Eq), ("!=", Cmp::Ne), ("<=", Cmp::Le), (">=", Cmp::Ge)];
                let ops = ops.into_iter().chain([("=", Cmp::Eq), ("<", Cmp::Lt), (">", Cmp::Gt)]);
                match ops.into_iter().find(|(s, _)| text.starts_with(s)) {
                    Some((s, op)) => (Token::Cmp(op), &text[s.len()..]),
                    None => return unsupported(format!("operator at {text}")),
                }
            }
            // A number (no exponent form); a `-` before one is the parser's unary minus.
            c if c.is_ascii_digit() => {
                let end = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
                let n = text[..end].parse().map_err(|_| Unsupported(format!("number at {text}")))?;
                (Token::Num(n), &text[end..])
            }
            c if c.is_alphabetic() || c == '_' => {
                let end = text.find(|c: char| !(c.is_alphanumeric() || "_.".contains(c))).unwrap_or(text.len());
                (Token::Name(text[..end].to_string()), &text[end..])
            }
            _ => return unsupported(format!("`{c}` at {text}")),
        };
        tokens.push(token);
        text = rest;
    }
}

pub fn parse(text: &str) -> Result<Expr> {
    let tokens = lex(text)?;
    let mut parser = Parser { tokens: &tokens, at: 0 };
    let expr = parser.or()?;
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
    fn keyword(&mut self, word: &str) -> bool {
        let hit = matches!(self.tokens.get(self.at), Some(Token::Name(n)) if n == word);
        self.at += usize::from(hit);
        hit
    }

    fn expect(&mut self, token: Token) -> Result<()> {
        if self.tokens.get(self.at) != Some(&token) {
            return unsupported(format!("expected {token:?} at token {}", self.at));
        }
        self.at += 1;
        Ok(())
    }

    fn or(&mut self) -> Result<Expr> {
        let mut left = self.and()?;
        while self.keyword("OR") {
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr> {
        let mut left = self.not()?;
        while self.keyword("AND") {
            left = Expr::And(Box::new(left), Box::new(self.not()?));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Expr> {
        if self.keyword("NOT") {
            return Ok(Expr::Not(Box::new(self.not()?)));
        }
        let left = self.additive()?;
        if let Some(Token::Cmp(op)) = self.tokens.get(self.at) {
            self.at += 1;
            return Ok(Expr::Cmp(Box::new(left), *op, Box::new(self.additive()?)));
        }
        Ok(left)
    }

    fn additive(&mut self) -> Result<Expr> {
        let mut left = self.primary()?;
        loop {
            let minus = match self.tokens.get(self.at) {
                Some(Token::Minus) => true,
                Some(Token::Plus) => false,
                _ => return Ok(left),
            };
            self.at += 1;
            left = Expr::Arith(Box::new(left), minus, Box::new(self.primary()?));
        }
    }

    fn primary(&mut self) -> Result<Expr> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        Ok(match token {
            Some(Token::Open) => {
                let inner = self.or()?;
                self.expect(Token::Close)?;
                inner
            }
            Some(Token::Name(name)) if self.tokens.get(self.at) == Some(&Token::Open) => {
                self.at += 1;
                let mut args = Vec::new();
                if self.tokens.get(self.at) == Some(&Token::Close) {
                    self.at += 1;
                } else {
                    loop {
                        args.push(self.or()?);
                        if self.tokens.get(self.at) == Some(&Token::Comma) {
                            self.at += 1;
                        } else {
                            self.expect(Token::Close)?;
                            break;
                        }
                    }
                }
                Expr::Call(name, args)
            }
            Some(Token::Name(name)) if !["AND", "OR", "NOT"].contains(&name.as_str()) => Expr::Field(name),
            Some(Token::Field(name)) => Expr::Field(name),
            Some(Token::Str(s)) => Expr::Str(s),
            Some(Token::Num(n)) => Expr::Num(n),
            // eval's unary minus, on a number literal (the only place Scalpel writes one).
            Some(Token::Minus) => match self.tokens.get(self.at) {
                Some(Token::Num(n)) => {
                    self.at += 1;
                    Expr::Num(-n)
                }
                other => return unsupported(format!("unary minus before {other:?}")),
            },
            other => return unsupported(format!("expected a value, found {other:?}")),
        })
    }
}

pub fn evaluate(expr: &Expr, event: &Event) -> Result<Val> {
    let boolean = |v: Val| match v {
        Val::Bool(b) => Ok(Some(b)),
        Val::Null => Ok(None),
        other => unsupported(format!("{other:?} used as a boolean")),
    };
    Ok(match expr {
        Expr::Field(name) => event.get(name).map_or(Val::Null, |s| Val::Str(s.to_string())),
        Expr::Str(s) => Val::Str(s.clone()),
        Expr::Num(n) => Val::Num(*n),
        Expr::Not(inner) => boolean(evaluate(inner, event)?)?.map_or(Val::Null, |b| Val::Bool(!b)),
        Expr::And(l, r) => match (boolean(evaluate(l, event)?)?, boolean(evaluate(r, event)?)?) {
            (Some(false), _) | (_, Some(false)) => Val::Bool(false),
            (Some(true), Some(true)) => Val::Bool(true),
            _ => Val::Null,
        },
        Expr::Or(l, r) => match (boolean(evaluate(l, event)?)?, boolean(evaluate(r, event)?)?) {
            (Some(true), _) | (_, Some(true)) => Val::Bool(true),
            (Some(false), Some(false)) => Val::Bool(false),
            _ => Val::Null,
        },
        Expr::Cmp(l, op, r) => compare(&evaluate(l, event)?, *op, &evaluate(r, event)?)?,
        Expr::Arith(l, minus, r) => match (numeric(&evaluate(l, event)?), numeric(&evaluate(r, event)?)) {
            (Some(a), Some(b)) => Val::Num(if *minus { a - b } else { a + b }),
            _ => Val::Null,
        },
        Expr::Call(name, args) => {
            let args = args.iter().map(|a| evaluate(a, event)).collect::<Result<Vec<_>>>()?;
            call(name, &args)?
        }
    })
}

/// A number, or text that reads as one.
fn numeric(v: &Val) -> Option<f64> {
    match v {
        Val::Num(n) => Some(*n),
        Val::Str(s) => number(s),
        _ => None,
    }
}

fn compare(l: &Val, op: Cmp, r: &Val) -> Result<Val> {
    let ordering = match (l, r) {
        (Val::Null, _) | (_, Val::Null) => return Ok(Val::Null),
        _ if numeric(l).is_some() && numeric(r).is_some() => numeric(l).partial_cmp(&numeric(r)),
        (Val::Str(a), Val::Str(b)) => Some(a.cmp(b)),
        _ => return unsupported(format!("comparing {l:?} with {r:?}")),
    };
    Ok(Val::Bool(ordering.is_some_and(|o| match op {
        Cmp::Eq => o.is_eq(),
        Cmp::Ne => o.is_ne(),
        Cmp::Lt => o.is_lt(),
        Cmp::Le => o.is_le(),
        Cmp::Gt => o.is_gt(),
        Cmp::Ge => o.is_ge(),
    })))
}

fn call(name: &str, args: &[Val]) -> Result<Val> {
    Ok(match (name, args) {
        ("isnull", [v]) => Val::Bool(*v == Val::Null),
        ("null", []) => Val::Null,
        ("if", [c, yes, no]) => match c {
            Val::Bool(true) => yes.clone(),
            Val::Bool(false) | Val::Null => no.clone(),
            other => return unsupported(format!("if() on {other:?}")),
        },
        ("isnotnull", [v]) => Val::Bool(*v != Val::Null),
        ("lower" | "tonumber", [Val::Null]) | ("match" | "like", [Val::Null, _]) => Val::Null,
        ("lower", [Val::Str(s)]) => Val::Str(s.to_lowercase()),
        ("tonumber", [v @ Val::Str(_)]) => numeric(v).map_or(Val::Null, Val::Num),
        ("match", [Val::Str(s), Val::Str(pattern)]) => Val::Bool(super::pcre::search(pattern, s)?),
        ("like", [Val::Str(s), Val::Str(pattern)]) => Val::Bool(like(s, pattern)),
        ("spath", [Val::Str(json), Val::Str(path)]) => spath(json, path)?.map_or(Val::Null, Val::Str),
        ("cidrmatch", [Val::Str(block), Val::Null]) => match cidr_contains(block, "") {
            Some(_) => Val::Null,
            None => return unsupported(format!("cidrmatch block {block}")),
        },
        ("cidrmatch", [Val::Str(block), Val::Str(ip)]) => match cidr_contains(block, ip) {
            Some(inside) => Val::Bool(inside),
            None => return unsupported(format!("cidrmatch block {block}")),
        },
        _ => return unsupported(format!("function {name} with {args:?}")),
    })
}

/// SQL-style `like`: `%` any run, `_` any one character, the rest literally.
fn like(text: &str, pattern: &str) -> bool {
    let (text, pattern): (Vec<char>, Vec<char>) = (text.chars().collect(), pattern.chars().collect());
    // reachable[i]: the pattern so far can consume exactly text[..i].
    let mut reachable = vec![false; text.len() + 1];
    reachable[0] = true;
    for p in pattern {
        reachable = match p {
            '%' => {
                let first = reachable.iter().position(|r| *r).unwrap_or(text.len() + 1);
                (0..=text.len()).map(|i| i >= first).collect()
            }
            _ => (0..=text.len()).map(|i| i > 0 && reachable[i - 1] && (p == '_' || text[i - 1] == p)).collect(),
        };
    }
    reachable[text.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(expr: &str, event: serde_json::Value) -> Val {
        let event = Event::from_json(&event, "ras", "ras:x").expect("event");
        evaluate(&parse(expr).expect("parses"), &event).expect("evaluates")
    }

    #[test]
    fn and_binds_tighter_than_or() {
        // a OR (b AND c): with a true, true whatever c is.
        assert!(truthy(&run("a==1 OR b==1 AND c==1", json!({"a": 1, "b": 0, "c": 0}))));
        assert!(!truthy(&run("(a==1 OR b==1) AND c==1", json!({"a": 1, "b": 0, "c": 0}))));
        assert!(truthy(&run("NOT a==2 AND b==0", json!({"a": 1, "b": 0}))));
    }

    #[test]
    fn nulls_are_three_valued() {
        assert_eq!(run("'f'==\"v\"", json!({})), Val::Null);
        assert_eq!(run("NOT 'f'==\"v\"", json!({})), Val::Null, "NOT null is null: where drops the event");
        assert_eq!(run("NOT (isnotnull('f') AND 'f'==\"v\")", json!({})), Val::Bool(true));
        assert_eq!(run("'f'==\"v\" OR 1==1", json!({})), Val::Bool(true));
        assert_eq!(run("'f'==\"v\" AND 1==2", json!({})), Val::Bool(false));
        assert_eq!(run("isnull('f') AND isnotnull('g')", json!({"g": "x"})), Val::Bool(true));
    }

    #[test]
    fn functions() {
        let e = json!({"ip": "10.1.2.3", "n": "12", "ok": true, "s": r#"a"b\c"#, "source.ip": "fd00::1"});
        assert!(truthy(&run(r#"cidrmatch("10.0.0.0/8", 'ip')"#, e.clone())));
        assert!(truthy(&run(r#"cidrmatch("fd00::/8", 'source.ip')"#, e.clone())));
        assert_eq!(run(r#"cidrmatch("10.0.0.0/8", 'missing')"#, e.clone()), Val::Null);
        assert!(truthy(&run("tonumber('n')>=12.0", e.clone())));
        assert_eq!(run("tonumber('s')", e.clone()), Val::Null);
        assert!(truthy(&run(r#"lower('ok')=="true""#, e.clone())));
        assert!(truthy(&run(r#"'s'=="a\"b\\c""#, e.clone())), "escapes in strings");
        assert!(!truthy(&run(r#"'s'=="A\"B\\C""#, e.clone())), "eval text compares exactly");
        assert!(truthy(&run(r#"like('ip', "10.%.3") AND like('n', "1_")"#, e.clone())));
        assert!(!truthy(&run(r#"like('n', "1")"#, e.clone())));
        assert!(truthy(&run(r#"match('s', "(?i)^A\"B\\\\C\\z")"#, e)));
    }

    #[test]
    fn conditionals_and_arithmetic() {
        let mut event = Event::from_json(&json!({"step": "2", "first": "40"}), "ras", "ras:x").expect("event");
        // `_time` is Splunk's (HEC's `time`), never the event's own key: set it as the replay does.
        event.fields.insert("_time".into(), "100.5".into());
        let run = |expr: &str| evaluate(&parse(expr).expect("parses"), &event).expect("evaluates");
        assert_eq!(run("if(step=2, _time, null())"), Val::Str("100.5".into()));
        assert_eq!(run("if(step=1, _time, null())"), Val::Null);
        assert!(truthy(&run("_time - first <= 60.5 AND NOT _time - first < 60.5")));
        assert_eq!(run("missing - first"), Val::Null);
        assert!(truthy(&run("first + 1 = 41")));
        assert!(truthy(&run("first - 50 < -9 AND -1 < first")), "binary and unary minus");
    }

    #[test]
    fn unsupported_constructs_fail() {
        assert!(parse("'f' * 1").is_err());
        assert!(parse("a==1 b==2").is_err());
        let event = Event::default();
        assert!(evaluate(&parse("len('f')").expect("parses"), &event).is_err());
        assert!(evaluate(&parse(r#"cidrmatch("10.0.0.0", "10.0.0.0")"#).expect("parses"), &event).is_err());
    }
}
