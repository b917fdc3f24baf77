//! A Sigma 2 `condition` → a boolean tree over search identifiers.
//!
//! Grammar (Sigma rules specification, "Condition"): `or` binds loosest, then `and`,
//! then `not`; parentheses group; `1 of X` / `all of X` take a name, a `name*`
//! pattern (`*` matches any run of characters) or `them` (every identifier not
//! starting with `_`). `1 of` is an OR and `all of` an AND over the identifiers that
//! match, in the detection's order. Sigma 1.x aggregations (`| count() ...`) and
//! `near` are recognised and refused. Nesting is bounded ([`MAX_DEPTH`]).

/// Parentheses and `not`s nest at most this deep.
const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    Search(String),
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
}

/// Parses `text` against the detection's identifiers (in file order).
///
/// # Errors
///
/// A message saying what is wrong: a syntax error, an unknown identifier, a pattern
/// that matches nothing, an aggregation or `near`.
pub fn parse(text: &str, names: &[&str]) -> Result<Cond, String> {
    if text.contains('|') {
        return Err(
            "`|` starts a Sigma 1.x aggregation (`| count() by ...`), replaced by correlation rules in Sigma 2".into(),
        );
    }
    let tokens = tokens(text)?;
    if tokens.iter().any(|t| t == "near") {
        return Err("`near` is a Sigma 1.x construct; write a `temporal` correlation rule".into());
    }
    let mut parser = Parser { tokens, at: 0, names, depth: 0 };
    let cond = parser.or()?;
    match parser.tokens.get(parser.at) {
        None => Ok(cond),
        Some(token) => Err(format!("unexpected `{token}`")),
    }
}

fn tokens(text: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if c == '(' || c == ')' || c.is_whitespace() {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            if !c.is_whitespace() {
                out.push(c.to_string());
            }
        } else if c.is_alphanumeric() || "_-*.".contains(c) {
            word.push(c);
        } else {
            return Err(format!("unexpected character `{c}`"));
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    Ok(out)
}

struct Parser<'a> {
    tokens: Vec<String>,
    at: usize,
    names: &'a [&'a str],
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.at).map(String::as_str)
    }

    fn next(&mut self) -> Option<String> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn or(&mut self) -> Result<Cond, String> {
        let mut terms = vec![self.and()?];
        while self.peek() == Some("or") {
            self.at += 1;
            terms.push(self.and()?);
        }
        Ok(if terms.len() == 1 { terms.remove(0) } else { Cond::Or(terms) })
    }

    fn and(&mut self) -> Result<Cond, String> {
        let mut terms = vec![self.not()?];
        while self.peek() == Some("and") {
            self.at += 1;
            terms.push(self.not()?);
        }
        Ok(if terms.len() == 1 { terms.remove(0) } else { Cond::And(terms) })
    }

    fn not(&mut self) -> Result<Cond, String> {
        if self.peek() == Some("not") {
            self.at += 1;
            self.nested(|p| p.not()).map(|c| Cond::Not(Box::new(c)))
        } else {
            self.atom()
        }
    }

    fn nested(&mut self, f: impl FnOnce(&mut Self) -> Result<Cond, String>) -> Result<Cond, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!("nested more than {MAX_DEPTH} levels deep"));
        }
        let out = f(self);
        self.depth -= 1;
        out
    }

    fn atom(&mut self) -> Result<Cond, String> {
        match self.next().as_deref() {
            None => Err("the condition ends too early".into()),
            Some("(") => {
                let inner = self.nested(|p| p.or())?;
                match self.next().as_deref() {
                    Some(")") => Ok(inner),
                    _ => Err("`(` is not closed".into()),
                }
            }
            Some(quantifier @ ("1" | "all")) if self.peek() == Some("of") => {
                let all = quantifier == "all";
                self.at += 1;
                let target = self.next().ok_or("`of` needs a name, a pattern or `them`")?;
                let mut matched: Vec<Cond> = self
                    .names
                    .iter()
                    .filter(|n| if target == "them" { !n.starts_with('_') } else { glob(&target, n) })
                    .map(|n| Cond::Search(n.to_string()))
                    .collect();
                if matched.is_empty() {
                    return Err(format!("`{quantifier} of {target}` matches no search identifier"));
                }
                Ok(match (matched.len(), all) {
                    (1, _) => matched.remove(0),
                    (_, true) => Cond::And(matched),
                    (_, false) => Cond::Or(matched),
                })
            }
            Some(word) if word.chars().next().is_some_and(|c| c.is_ascii_digit()) && self.peek() == Some("of") => {
                Err(format!("`{word} of` is not Sigma 2: only `1 of` and `all of` are defined"))
            }
            Some(word @ (")" | "and" | "or" | "of")) => Err(format!("unexpected `{word}`")),
            Some(name) => {
                if self.names.contains(&name) {
                    Ok(Cond::Search(name.to_string()))
                } else {
                    Err(format!("`{name}` is not a search identifier of this detection"))
                }
            }
        }
    }
}

/// `*` matches any run of characters (Sigma's identifier patterns know no `?`).
fn glob(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((head, tail)) => {
            let Some(rest) = name.strip_prefix(head) else { return false };
            if tail.is_empty() {
                return true;
            }
            (0..=rest.len()).filter(|&i| rest.is_char_boundary(i)).any(|i| glob(tail, &rest[i..]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: &[&str] = &["selection_a", "selection_b", "filter", "_hidden"];

    fn s(name: &str) -> Cond {
        Cond::Search(name.into())
    }

    #[test]
    fn precedence_is_not_then_and_then_or() {
        let cond = parse("selection_a or selection_b and not filter", NAMES).unwrap();
        assert_eq!(
            cond,
            Cond::Or(vec![s("selection_a"), Cond::And(vec![s("selection_b"), Cond::Not(Box::new(s("filter")))])])
        );
    }

    #[test]
    fn quantifiers_expand_in_detection_order() {
        assert_eq!(parse("1 of selection_*", NAMES).unwrap(), Cond::Or(vec![s("selection_a"), s("selection_b")]));
        assert_eq!(
            parse("all of them", NAMES).unwrap(),
            Cond::And(vec![s("selection_a"), s("selection_b"), s("filter")])
        );
        assert_eq!(parse("1 of _h*", NAMES).unwrap(), s("_hidden"));
    }

    #[test]
    fn refusals_say_what() {
        assert!(parse("selection_a | count() > 5", NAMES).unwrap_err().contains("aggregation"));
        assert!(parse("selection_a near filter", NAMES).unwrap_err().contains("near"));
        assert!(parse("2 of selection_*", NAMES).unwrap_err().contains("only `1 of`"));
        assert!(parse("1 of nothing*", NAMES).unwrap_err().contains("matches no"));
        assert!(parse("selection_c", NAMES).unwrap_err().contains("not a search identifier"));
        assert!(parse("(selection_a", NAMES).unwrap_err().contains("not closed"));
        assert!(parse(&"(".repeat(100), NAMES).unwrap_err().contains("deep"));
    }
}
