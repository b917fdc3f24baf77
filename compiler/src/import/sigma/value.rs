//! One Sigma field test (`Field|mod|mod: values`) → a Scalpel condition.
//!
//! Modifiers apply left to right to each value, as the specification says:
//! `windash` and `base64offset` expand a value into several (all OR-ed, or all
//! AND-ed under `all`), `contains`/`startswith`/`endswith` add wildcards around it,
//! and the resulting Sigma string (with `*`, `?` and the backslash escapes of the
//! rules specification) becomes the narrowest Scalpel test with the same meaning:
//! `==`, `startswith`, `endswith`, `contains`, `exists` (a value of only `*`), or an
//! anchored `matches` regex where wildcards sit inside the value. Case-insensitive
//! unless `cased`. Everything that cannot keep its meaning is an [`Issue`].

use super::rule::FieldTest;
use super::types::FieldType;
use crate::diag::Code;
use crate::syntax::literal::quote;
use serde_norway::Value;

/// A Scalpel condition under construction.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    /// One predicate, written as `.det` text.
    Pred(String),
}

/// Why a test is not imported exactly: a refusal (an `E09xx` code) or an
/// approximation (a `W09xx` code).
#[derive(Debug, Clone)]
pub struct Issue {
    pub code: Code,
    pub message: String,
}

impl Issue {
    fn new(code: Code, message: impl Into<String>) -> Issue {
        Issue { code, message: message.into() }
    }
}

/// `windash` expands a value into 5 variants per dash; more than this many
/// strings is refused.
pub const MAX_WINDASH_VARIANTS: usize = 625;

const WINDASH: [char; 5] = ['-', '/', '\u{2013}', '\u{2014}', '\u{2015}'];

/// The modifiers this importer knows, in the specification's spelling.
#[derive(Debug, Default)]
struct Modifiers {
    contains: bool,
    startswith: bool,
    endswith: bool,
    all: bool,
    cased: bool,
    windash: bool,
    base64offset: bool,
    base64: bool,
    re: bool,
    re_flags: String,
    cidr: bool,
    exists: bool,
    compare: Option<&'static str>,
}

fn modifiers(names: &[String]) -> Result<Modifiers, Issue> {
    let mut m = Modifiers::default();
    for name in names {
        match name.as_str() {
            "contains" => m.contains = true,
            "startswith" => m.startswith = true,
            "endswith" => m.endswith = true,
            "all" => m.all = true,
            "cased" => m.cased = true,
            "windash" => m.windash = true,
            "base64offset" => m.base64offset = true,
            "base64" => m.base64 = true,
            "re" => m.re = true,
            "i" | "m" | "s" if m.re => m.re_flags.push_str(name),
            "cidr" => m.cidr = true,
            "exists" => m.exists = true,
            "gt" => m.compare = Some(">"),
            "gte" => m.compare = Some(">="),
            "lt" => m.compare = Some("<"),
            "lte" => m.compare = Some("<="),
            "fieldref" | "expand" | "neq" | "utf16" | "utf16le" | "utf16be" | "wide" | "minute" | "hour" | "day"
            | "week" | "month" | "year" => {
                return Err(Issue::new(
                    Code::SigmaModifier,
                    format!("modifier `{name}` has no exact Scalpel meaning yet"),
                ))
            }
            other => return Err(Issue::new(Code::SigmaModifier, format!("`{other}` is not a Sigma modifier"))),
        }
    }
    let text_ops = [m.contains, m.startswith, m.endswith].iter().filter(|b| **b).count();
    if text_ops > 1
        || (m.re as usize
            + m.cidr as usize
            + m.exists as usize
            + m.compare.is_some() as usize
            + (text_ops > 0) as usize)
            > 1
    {
        return Err(Issue::new(Code::SigmaModifier, format!("modifiers `{}` do not combine", names.join("|"))));
    }
    Ok(m)
}

/// The condition for one field test on a field of type `ty`; `issues` gets the
/// approximations (warnings); a refusal is the error.
pub fn field_test(test: &FieldTest, ty: FieldType, issues: &mut Vec<Issue>) -> Result<Expr, Issue> {
    let m = modifiers(&test.modifiers)?;
    let field = &test.field;
    if test.values.is_empty() {
        return Err(Issue::new(Code::SigmaValue, "an empty list of values"));
    }
    if m.exists {
        let [Value::Bool(present)] = test.values.as_slice() else {
            return Err(Issue::new(Code::SigmaValue, "`exists` takes `true` or `false`"));
        };
        issues.push(Issue::new(
            Code::SigmaExistsNull,
            format!("`{field}|exists` is true on a null value in Sigma, false in Scalpel"),
        ));
        let pred = Expr::Pred(format!("{field} exists"));
        return Ok(if *present { pred } else { Expr::Not(Box::new(pred)) });
    }
    let mut preds = Vec::new();
    for value in &test.values {
        preds.extend(value_tests(field, value, ty, &m, issues)?);
    }
    Ok(join(compact(field, preds, m.all, m.cased), m.all))
}

/// One value → the tests it stands for (several after an expansion).
fn value_tests(
    field: &str,
    value: &Value,
    ty: FieldType,
    m: &Modifiers,
    issues: &mut Vec<Issue>,
) -> Result<Vec<Test>, Issue> {
    let text = match value {
        Value::Null => return Ok(vec![Test::Missing]),
        Value::Sequence(_) | Value::Mapping(_) => {
            return Err(Issue::new(Code::SigmaValue, "a nested list or mapping as a value"))
        }
        other => super::rule::scalar_text(other).unwrap_or_default(),
    };
    if let Some(op) = m.compare {
        if !matches!(ty, FieldType::Int | FieldType::Float) || text.parse::<f64>().is_err() {
            return Err(Issue::new(Code::SigmaValue, format!("`{text}` compared with `{op}` is not a number")));
        }
        return Ok(vec![Test::Raw(format!("{field} {op} {text}"))]);
    }
    if m.cidr {
        if text.parse::<ipnet::IpNet>().is_err() {
            return Err(Issue::new(Code::SigmaValue, format!("`{text}` is not a CIDR block")));
        }
        return Ok(vec![Test::Cidr(text)]);
    }
    if m.re {
        return regex_value(&text, m, issues).map(|t| vec![t]);
    }
    match ty {
        FieldType::Int | FieldType::Float => {
            return match text.parse::<i64>() {
                Ok(n) if !m.contains && !m.startswith && !m.endswith => Ok(vec![Test::Number(n.to_string())]),
                _ => Err(Issue::new(
                    Code::SigmaValue,
                    format!("`{text}` on `{field}`, a field other rules compare as a number"),
                )),
            }
        }
        FieldType::Bool => return Ok(vec![Test::Raw(format!("{field} == {}", text.to_lowercase()))]),
        FieldType::Ip => return Ok(vec![Test::Eq(text)]),
        FieldType::String => {}
    }
    let mut strings = vec![text];
    if m.base64 || m.base64offset {
        let plain: Vec<String> = strings.iter().map(|s| unescape_plain(s)).collect::<Result<_, _>>()?;
        strings = plain
            .iter()
            .flat_map(|s| if m.base64 { vec![base64(s.as_bytes())] } else { base64_offsets(s.as_bytes()) })
            .map(|s| escape(&s))
            .collect();
    }
    if m.windash {
        strings = strings.iter().map(|s| windash(s)).collect::<Result<Vec<_>, _>>()?.concat();
    }
    Ok(strings.iter().map(|s| pattern_test(tokens(s), m)).collect())
}

/// A Sigma string, read: literal characters and the two wildcards.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Token {
    Char(char),
    Star,
    Question,
}

/// `\*`, `\?` and `\\` are the literal characters; a backslash before anything else
/// is itself (rules specification, "Escaping").
fn tokens(s: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.peek() {
                Some(&next @ ('*' | '?' | '\\')) => {
                    chars.next();
                    out.push(Token::Char(next));
                }
                _ => out.push(Token::Char('\\')),
            },
            '*' => out.push(Token::Star),
            '?' => out.push(Token::Question),
            c => out.push(Token::Char(c)),
        }
    }
    out
}

/// A literal string written back as a Sigma string (for the encoders' output).
fn escape(s: &str) -> String {
    s.chars().fold(String::new(), |mut out, c| {
        if matches!(c, '*' | '?' | '\\') {
            out.push('\\');
        }
        out.push(c);
        out
    })
}

/// The literal text of a Sigma string without wildcards (what the encoders take).
fn unescape_plain(s: &str) -> Result<String, Issue> {
    tokens(s)
        .into_iter()
        .map(|t| match t {
            Token::Char(c) => Ok(c),
            _ => Err(Issue::new(Code::SigmaValue, "a wildcard inside a value to encode with base64")),
        })
        .collect()
}

/// One value's test, before lists are formed.
#[derive(Debug, Clone, PartialEq)]
enum Test {
    Eq(String),
    Text(&'static str, String),
    Regex(String, bool),
    Cidr(String),
    Number(String),
    Exists,
    Missing,
    Raw(String),
}

fn pattern_test(mut tokens: Vec<Token>, m: &Modifiers) -> Test {
    if (m.contains || m.endswith) && tokens.first() != Some(&Token::Star) {
        tokens.insert(0, Token::Star);
    }
    if (m.contains || m.startswith) && tokens.last() != Some(&Token::Star) {
        tokens.push(Token::Star);
    }
    let literal = |ts: &[Token]| -> Option<String> {
        ts.iter().map(|t| if let Token::Char(c) = t { Some(*c) } else { None }).collect()
    };
    if tokens.iter().all(|t| *t == Token::Star) && !tokens.is_empty() {
        return Test::Exists;
    }
    let n = tokens.len();
    let lead = tokens.first() == Some(&Token::Star);
    let trail = n > 1 && tokens.last() == Some(&Token::Star);
    let inner = &tokens[lead as usize..n - trail as usize];
    if let Some(text) = literal(inner) {
        return match (lead, trail) {
            (false, false) => Test::Eq(text),
            (true, false) => Test::Text("endswith", text),
            (false, true) => Test::Text("startswith", text),
            (true, true) => Test::Text("contains", text),
        };
    }
    // Wildcards inside: an anchored regex; `(?s)` so that `*` crosses line breaks
    // as Sigma's does.
    let mut pattern = String::from("(?s)^");
    for token in &tokens {
        match token {
            Token::Star => pattern.push_str(".*"),
            Token::Question => pattern.push('.'),
            Token::Char(c) => pattern.push_str(&regex_syntax::escape(&c.to_string())),
        }
    }
    pattern.push('$');
    Test::Regex(pattern, !m.cased)
}

fn regex_value(text: &str, m: &Modifiers, issues: &mut Vec<Issue>) -> Result<Test, Issue> {
    let mut pattern = String::new();
    for flag in ['m', 's'] {
        if m.re_flags.contains(flag) {
            pattern.push_str(&format!("(?{flag})"));
        }
    }
    pattern.push_str(text);
    if let Err(err) = regex_syntax::ParserBuilder::new().build().parse(&pattern) {
        let first = err.to_string().lines().rev().find(|l| !l.trim().is_empty()).unwrap_or_default().trim().to_string();
        return Err(Issue::new(Code::SigmaRegex, format!("`{text}`: {first}")));
    }
    if unicode_class(text) {
        issues.push(Issue::new(Code::SigmaRegexClass, format!("`{text}` uses `\\d`, `\\w`, `\\s` or `\\b`")));
    }
    Ok(Test::Regex(pattern, m.re_flags.contains('i')))
}

/// Whether an unescaped `\d`, `\w`, `\s`, `\b` (or their negations) occurs.
fn unicode_class(pattern: &str) -> bool {
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                if "dwsbDWSB".contains(next) {
                    return true;
                }
            }
        }
    }
    false
}

/// Every spelling of the value with each flag dash (a `-`, `/` or dash character at
/// the start of a word, as pySigma's `\B[-/]\b`) replaced by each of the five.
fn windash(s: &str) -> Result<Vec<String>, Issue> {
    let chars: Vec<char> = s.chars().collect();
    let word = |c: Option<&char>| c.is_some_and(|c| c.is_alphanumeric() || *c == '_');
    let positions: Vec<usize> = (0..chars.len())
        .filter(|&i| {
            WINDASH.contains(&chars[i]) && !word(i.checked_sub(1).and_then(|p| chars.get(p))) && word(chars.get(i + 1))
        })
        .collect();
    let count = 5usize.checked_pow(positions.len() as u32).unwrap_or(usize::MAX);
    if count > MAX_WINDASH_VARIANTS {
        return Err(Issue::new(Code::SigmaValue, format!("`windash` on `{s}` makes {count} strings")));
    }
    let mut out = vec![chars];
    for &at in &positions {
        out = out
            .into_iter()
            .flat_map(|v| {
                WINDASH.iter().map(move |d| {
                    let mut v = v.clone();
                    v[at] = *d;
                    v
                })
            })
            .collect();
    }
    Ok(out.into_iter().map(|v| v.into_iter().collect()).collect())
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(BASE64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The three encodings of `value` shifted by 0, 1 and 2 bytes, cut to the part that
/// does not depend on the surrounding bytes (pySigma's `base64offset`).
fn base64_offsets(value: &[u8]) -> Vec<String> {
    const START: [usize; 3] = [0, 2, 3];
    const END: [usize; 3] = [0, 3, 2];
    (0..3)
        .map(|i| {
            let mut shifted = vec![b' '; i];
            shifted.extend_from_slice(value);
            let encoded = base64(&shifted);
            let cut = END[(value.len() + i) % 3];
            let end = encoded.len().saturating_sub(cut).max(START[i]);
            encoded[START[i]..end].to_string()
        })
        .collect()
}

/// The tests of one field as predicates: equal tests of one kind share a list.
fn compact(field: &str, tests: Vec<Test>, all: bool, cased: bool) -> Vec<Expr> {
    let c = if cased { " cased" } else { "" };
    let mut out = Vec::new();
    let mut eq = Vec::new();
    let mut numbers = Vec::new();
    let mut cidr = Vec::new();
    let mut text: Vec<(&'static str, Vec<String>)> = Vec::new();
    for test in tests {
        match test {
            Test::Eq(v) => eq.push(quote(&v)),
            Test::Number(n) => numbers.push(n),
            Test::Cidr(v) => cidr.push(quote(&v)),
            Test::Text(op, v) => match text.iter_mut().find(|(o, _)| *o == op) {
                Some((_, values)) => values.push(quote(&v)),
                None => text.push((op, vec![quote(&v)])),
            },
            Test::Regex(pattern, ci) => {
                out.push(Expr::Pred(format!("{field} matches {}", regex_literal(&pattern, ci))))
            }
            Test::Exists => out.push(Expr::Pred(format!("{field} exists"))),
            Test::Missing => out.push(Expr::Not(Box::new(Expr::Pred(format!("{field} exists"))))),
            Test::Raw(p) => out.push(Expr::Pred(p)),
        }
    }
    let mut lists = Vec::new();
    // `all` joins the values with AND: only `contains all` has a list form.
    let list = |values: Vec<String>, one: &dyn Fn(&str) -> String, many: &dyn Fn(&str) -> String| -> Vec<Expr> {
        if values.is_empty() {
            Vec::new()
        } else if values.len() == 1 || all {
            values.iter().map(|v| Expr::Pred(one(v))).collect()
        } else {
            vec![Expr::Pred(many(&values.join(", ")))]
        }
    };
    lists.extend(list(eq, &|v| format!("{field}{c} == {v}"), &|vs| format!("{field}{c} in [{vs}]")));
    lists.extend(list(numbers, &|v| format!("{field} == {v}"), &|vs| format!("{field} in [{vs}]")));
    if !cidr.is_empty() {
        lists.push(Expr::Pred(format!("{field} in cidr [{}]", cidr.join(", "))));
        if all && cidr.len() > 1 {
            lists.pop();
            lists.extend(cidr.iter().map(|v| Expr::Pred(format!("{field} in cidr {v}"))));
        }
    }
    for (op, values) in text {
        if values.len() == 1 {
            lists.push(Expr::Pred(format!("{field}{c} {op} {}", values[0])));
        } else if all && op == "contains" {
            lists.push(Expr::Pred(format!("{field}{c} contains all [{}]", values.join(", "))));
        } else if all {
            lists.extend(values.iter().map(|v| Expr::Pred(format!("{field}{c} {op} {v}"))));
        } else {
            lists.push(Expr::Pred(format!("{field}{c} {op} [{}]", values.join(", "))));
        }
    }
    lists.extend(out);
    lists
}

fn join(mut exprs: Vec<Expr>, all: bool) -> Expr {
    if exprs.len() == 1 {
        exprs.remove(0)
    } else if all {
        Expr::And(exprs)
    } else {
        Expr::Or(exprs)
    }
}

/// `/pattern/flags` as the `.det` grammar reads it: `/` escaped, line breaks as `\n`.
fn regex_literal(pattern: &str, case_insensitive: bool) -> String {
    let mut out = String::from("/");
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                out.push('\\');
                match chars.next() {
                    Some('\n') => out.push('n'),
                    Some(next) => out.push(next),
                    None => out.push('\\'),
                }
            }
            '/' => out.push_str("\\/"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('/');
    if case_insensitive {
        out.push('i');
    }
    out
}

/// `expr` as `.det` text; `not` binds tightest, then `and`, then `or`.
pub fn to_det(expr: &Expr) -> String {
    fn go(expr: &Expr, parent: u8, out: &mut String) {
        let (prec, sep, items): (u8, &str, &[Expr]) = match expr {
            Expr::Pred(p) => {
                out.push_str(p);
                return;
            }
            Expr::Not(inner) => {
                out.push_str("not ");
                let wrap = !matches!(**inner, Expr::Pred(_) | Expr::Not(_));
                if wrap {
                    out.push('(');
                }
                go(inner, 0, out);
                if wrap {
                    out.push(')');
                }
                return;
            }
            Expr::And(items) => (2, " and ", items),
            Expr::Or(items) => (1, " or ", items),
        };
        let wrap = prec < parent;
        if wrap {
            out.push('(');
        }
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push_str(sep);
            }
            go(item, prec, out);
        }
        if wrap {
            out.push(')');
        }
    }
    let mut out = String::new();
    go(expr, 0, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test(field: &str, mods: &[&str], values: Vec<Value>) -> Result<String, Issue> {
        let t = FieldTest {
            field: field.into(),
            modifiers: mods.iter().map(|m| m.to_string()).collect(),
            values,
            span: crate::source::Span::new(crate::source::FileId(0), 0, 0),
        };
        field_test(&t, FieldType::String, &mut Vec::new()).map(|e| to_det(&e))
    }

    fn s(v: &str) -> Value {
        Value::String(v.into())
    }

    #[test]
    fn wildcards_become_the_narrowest_test() {
        assert_eq!(test("Image", &[], vec![s("*\\cmd.exe")]).unwrap(), r#"Image endswith "\\cmd.exe""#);
        assert_eq!(test("Image", &[], vec![s("C:\\\\*")]).unwrap(), r#"Image startswith "C:\\""#);
        // `\*` is a literal star (rules specification, "Escaping").
        assert_eq!(test("Image", &[], vec![s("C:\\*")]).unwrap(), r#"Image == "C:*""#);
        assert_eq!(test("Image", &["contains"], vec![s("a"), s("b")]).unwrap(), r#"Image contains ["a", "b"]"#);
        assert_eq!(
            test("Image", &["contains", "all"], vec![s("a"), s("b")]).unwrap(),
            r#"Image contains all ["a", "b"]"#
        );
        assert_eq!(test("Image", &[], vec![s("*")]).unwrap(), "Image exists");
        assert_eq!(test("Image", &[], vec![s("a*b?c")]).unwrap(), r"Image matches /(?s)^a.*b.c$/i");
        assert_eq!(test("Image", &[], vec![s("a\\*b")]).unwrap(), r#"Image == "a*b""#);
        assert_eq!(test("Image", &["endswith"], vec![s("\\\\x")]).unwrap(), r#"Image endswith "\\x""#);
        assert_eq!(test("Image", &["cased"], vec![s("X"), s("Y")]).unwrap(), r#"Image cased in ["X", "Y"]"#);
        assert_eq!(test("Image", &[], vec![Value::Null]).unwrap(), "not Image exists");
    }

    #[test]
    fn expansions_follow_the_specification() {
        assert_eq!(windash(" -a").unwrap().len(), 5);
        assert_eq!(windash("Set-Item").unwrap(), vec!["Set-Item"]);
        assert!(windash(" -a -b -c -d -e").is_err());
        assert_eq!(base64(b"cmd"), "Y21k");
        assert_eq!(base64(b"ab"), "YWI=");
        // pySigma's documented example: `http://` with `base64offset`.
        assert_eq!(base64_offsets(b"http://"), vec!["aHR0cDovL", "h0dHA6Ly", "odHRwOi8v"]);
    }

    #[test]
    fn regexes_keep_flags_and_refuse_look_around() {
        assert_eq!(test("C", &["re", "i"], vec![s("a/b")]).unwrap(), r"C matches /a\/b/i");
        assert_eq!(test("C", &["re", "s"], vec![s("a.b")]).unwrap(), r"C matches /(?s)a.b/");
        assert_eq!(test("C", &["re"], vec![s("a(?=b)")]).unwrap_err().code, Code::SigmaRegex);
        assert_eq!(test("C", &["fieldref"], vec![s("x")]).unwrap_err().code, Code::SigmaModifier);
    }
}
