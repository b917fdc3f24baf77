//! The shared printer for boolean logic: `All`/`Any`/`Not` over leaves → infix text.
//!
//! Back ends give their spellings ([`Spelling`]) and a printer for leaves; the
//! printer adds parentheses exactly where precedence needs them (`not` binds
//! tightest, then `and`, then `or`), so every target reads the tree the IR holds.
//! A language whose precedence differs (Splunk's `search` evaluates OR before AND)
//! sets [`Spelling::group_nested`] and gets every nested `and`/`or` parenthesised.

use scalpel_compiler::ir::Cond;

/// How a target writes the connectives.
#[derive(Debug, Clone, Copy)]
pub struct Spelling {
    pub and: &'static str,
    pub or: &'static str,
    pub not: &'static str,
    /// Parenthesise every `and`/`or` inside another, whatever the precedence.
    pub group_nested: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Precedence {
    /// The whole condition: nothing encloses it.
    Top,
    Or,
    And,
    Not,
}

/// Prints `cond`, calling `leaf` for each test (left to right). Leaves are treated
/// as atoms: a leaf printer returning a compound expression must parenthesise it.
pub fn print(cond: &Cond, spelling: Spelling, leaf: &mut dyn FnMut(&scalpel_compiler::ir::Test) -> String) -> String {
    let mut out = String::new();
    print_into(&mut out, cond, spelling, leaf, Precedence::Top);
    out
}

/// Appends `cond` to `out`: one buffer for the whole condition, not a string per node.
fn print_into(
    out: &mut String,
    cond: &Cond,
    spelling: Spelling,
    leaf: &mut dyn FnMut(&scalpel_compiler::ir::Test) -> String,
    context: Precedence,
) {
    let own = match cond {
        Cond::Test(test) => return out.push_str(&leaf(test)),
        Cond::Not(_) => Precedence::Not,
        Cond::All(_) => Precedence::And,
        Cond::Any(_) => Precedence::Or,
    };
    // A `not` operand is parenthesised unless it is itself a leaf or a `not`.
    let nested = spelling.group_nested && own != Precedence::Not && context != Precedence::Top;
    let needs_parens = own < context || (context == Precedence::Not && own != Precedence::Not) || nested;
    if needs_parens {
        out.push('(');
    }
    match cond {
        Cond::Not(inner) => {
            out.push_str(spelling.not);
            out.push(' ');
            print_into(out, inner, spelling, leaf, Precedence::Not);
        }
        Cond::All(parts) => join(out, parts, spelling.and, spelling, leaf, Precedence::And),
        Cond::Any(parts) => join(out, parts, spelling.or, spelling, leaf, Precedence::Or),
        Cond::Test(_) => {}
    }
    if needs_parens {
        out.push(')');
    }
}

fn join(
    out: &mut String,
    parts: &[Cond],
    connective: &str,
    spelling: Spelling,
    leaf: &mut dyn FnMut(&scalpel_compiler::ir::Test) -> String,
    own: Precedence,
) {
    for (index, part) in parts.iter().enumerate() {
        if index > 0 {
            out.push(' ');
            out.push_str(connective);
            out.push(' ');
        }
        print_into(out, part, spelling, leaf, own);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scalpel_compiler::ir::{Test, TestOp};
    use scalpel_compiler::schema::FieldType;

    const WORDS: Spelling = Spelling { and: "and", or: "or", not: "not", group_nested: false };

    fn t(name: &str) -> Cond {
        Cond::Test(Test {
            field: name.into(),
            ty: FieldType::String,
            cased: false,
            op: TestOp::Exists,
            span: Default::default(),
        })
    }

    fn show(c: &Cond) -> String {
        print(c, WORDS, &mut |t| t.field.clone())
    }

    #[test]
    fn parentheses_follow_precedence() {
        let or = Cond::Any(vec![t("a"), t("b")]);
        let and = Cond::All(vec![t("a"), t("b")]);
        assert_eq!(show(&Cond::All(vec![or.clone(), t("c")])), "(a or b) and c");
        assert_eq!(show(&Cond::Any(vec![and.clone(), t("c")])), "a and b or c");
        assert_eq!(show(&Cond::Not(Box::new(or))), "not (a or b)");
        assert_eq!(show(&Cond::Not(Box::new(and))), "not (a and b)");
        assert_eq!(show(&Cond::Not(Box::new(t("a")))), "not a");
        assert_eq!(show(&Cond::All(vec![Cond::Not(Box::new(t("a"))), t("b")])), "not a and b");
    }

    #[test]
    fn grouped_spelling_parenthesises_every_nested_compound() {
        const GROUPED: Spelling = Spelling { and: "AND", or: "OR", not: "NOT", group_nested: true };
        let show = |c: &Cond| print(c, GROUPED, &mut |t| t.field.clone());
        let and = Cond::All(vec![t("b"), t("c")]);
        assert_eq!(show(&Cond::Any(vec![t("a"), and.clone(), t("d")])), "a OR (b AND c) OR d");
        assert_eq!(show(&Cond::All(vec![t("a"), Cond::Any(vec![t("b"), t("c")])])), "a AND (b OR c)");
        assert_eq!(show(&and), "b AND c");
        assert_eq!(show(&Cond::Not(Box::new(and))), "NOT (b AND c)");
        assert_eq!(show(&Cond::Any(vec![Cond::Not(Box::new(t("a"))), t("b")])), "NOT a OR b");
    }
}
