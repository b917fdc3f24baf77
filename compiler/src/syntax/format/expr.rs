//! Conditions: on one line when they fit, else one operand per line.
//!
//! A broken `or`/`and` chain puts its first operand after what comes before it
//! (`detect `, `(`) and each further one on a line of its own, starting with the
//! operator, one level deeper than the clause:
//!
//! ```text
//! detect signature.valid == false
//!     or (heart_rate == 0 and perfusion_index >= 0.5)
//!     or heart_rate > 300
//! ```
//!
//! An operand that does not fit either is broken the same way inside parentheses
//! (a chain), one level deeper still; a list that does not fit fills lines of its
//! own in brackets. Parentheses are printed
//! around every chain inside a chain or a `not` (an `and` inside an `or` needs none,
//! but reads more easily with them); the AST keeps no parentheses, so adding them
//! changes nothing. A comment between the operands of a
//! chain breaks it, so that it can stay next to its operand.

use super::super::ast::*;
use super::{Blank, Printer, INDENT, WIDTH};
use crate::source::Span;
use unicode_width::UnicodeWidthStr;

/// Where an expression stands: at the top of a condition or a parenthesised
/// group, or as an operand of a chain or of `not`.
#[derive(Clone, Copy, PartialEq)]
enum Context {
    Top,
    Or,
    And,
    Not,
}

impl Printer<'_> {
    /// `detect <condition>` at `indent`.
    pub(super) fn detect(&mut self, indent: usize, condition: &Expr, clause: Span) {
        self.clause_condition(indent, "detect ", condition, clause);
    }

    /// `detect ...` or an exclusion's `where ...`.
    pub(super) fn clause_condition(&mut self, indent: usize, prefix: &str, condition: &Expr, clause: Span) {
        self.emit(prefix, condition, indent, indent + INDENT, Context::Top, clause.lo as usize, Blank::Keep);
    }

    /// Writes `prefix` and `expr` on a line at `indent`, and, when it does not fit,
    /// more lines at `continuation` (the indent of the operand lines of the chain it
    /// belongs to). `lo` is where the first line starts in the source.
    #[allow(clippy::too_many_arguments)]
    fn emit(
        &mut self,
        prefix: &str,
        expr: &Expr,
        indent: usize,
        continuation: usize,
        context: Context,
        lo: usize,
        blank: Blank,
    ) {
        let flat = self.flat(expr, context);
        let fits = indent + prefix.width() + flat.width() <= WIDTH;
        if fits && !self.forced(expr) {
            let (_, hi) = self.extent(expr);
            return self.line(indent, &format!("{prefix}{flat}"), lo, hi, blank);
        }
        match expr {
            Expr::Or(operands, _) | Expr::And(operands, _) if context == Context::Top => {
                let keyword = if matches!(expr, Expr::Or(..)) { "or " } else { "and " };
                let kind = if matches!(expr, Expr::Or(..)) { Context::Or } else { Context::And };
                for (i, operand) in operands.iter().enumerate() {
                    if i == 0 {
                        self.emit(prefix, operand, indent, continuation, kind, lo, blank);
                    } else {
                        let start = self.operand_start(operand);
                        self.emit(keyword, operand, continuation, continuation, kind, start, Blank::Never);
                    }
                }
            }
            Expr::Or(..) | Expr::And(..) => {
                // A broken inner chain: in parentheses, its operands one level deeper.
                // Comments after the `(` stay inside: the line's source ends where it starts.
                self.line(indent, &format!("{prefix}("), lo, lo, blank);
                let start = expr.span().lo as usize;
                let inner = continuation + INDENT;
                self.emit("", expr, inner, inner, Context::Top, start, Blank::Never);
                // The source's `)`, when it has one: a comment after it stays after it.
                let (_, end) = self.extent(expr);
                let i = self.tokens.partition_point(|t| t.0 < end);
                let hi = self.tokens.get(i).filter(|t| &self.src[t.0..t.1] == ")").map_or(end, |t| t.1);
                self.line(continuation, ")", hi, hi, Blank::Never);
            }
            Expr::Not(..) => {
                let (nots, innermost) = not_chain(expr);
                let prefix = format!("{prefix}{}", "not ".repeat(nots));
                self.emit(&prefix, innermost, indent, continuation, Context::Not, lo, blank);
            }
            Expr::Predicate(predicate) => self.broken_predicate(prefix, predicate, indent, continuation, lo, blank),
        }
    }

    /// A predicate too long for its line: its list, if it has one, one value per line.
    fn broken_predicate(
        &mut self,
        prefix: &str,
        p: &Predicate,
        indent: usize,
        continuation: usize,
        lo: usize,
        blank: Blank,
    ) {
        let values = match &p.op {
            PredOp::In { values, .. } => values,
            PredOp::InCidr { blocks, .. } if blocks.len() != 1 => blocks,
            PredOp::Text { values, list: true, .. } => values,
            _ => {
                let line = format!("{prefix}{}", self.predicate(p));
                return self.line(indent, &line, lo, p.span.hi as usize, blank);
            }
        };
        let head = format!("{prefix}{} [", self.predicate_head(p));
        let first = values.first().map_or(p.span.hi as usize, |v| v.span.lo as usize);
        self.line(indent, &head, lo, first, blank);
        // The values fill lines, each ending with a comma.
        let inner = continuation + INDENT;
        let mut row: Vec<&Literal> = Vec::new();
        let mut row_width = 0;
        for value in values {
            let width = self.text(value.span).width() + 2;
            if !row.is_empty() && inner + row_width + width > WIDTH + 1 {
                self.value_row(inner, &row);
                row.clear();
                row_width = 0;
            }
            row.push(value);
            row_width += width;
        }
        if !row.is_empty() {
            self.value_row(inner, &row);
        }
        let hi = p.span.hi as usize;
        self.line(continuation, "]", hi.saturating_sub(1), hi, Blank::Never);
    }

    /// Where an operand starts in the source: at the parentheses around it, if any
    /// (the AST's spans of a parenthesised chain start inside them).
    fn operand_start(&self, expr: &Expr) -> usize {
        let mut start = expr.span().lo as usize;
        let mut i = self.tokens.partition_point(|t| t.0 < start);
        while let Some(&(lo, hi)) = i.checked_sub(1).map(|j| &self.tokens[j]) {
            if &self.src[lo..hi] != "(" {
                break;
            }
            start = lo;
            i -= 1;
        }
        start
    }

    /// One line of a broken list: `"a", "b", "c",`.
    fn value_row(&mut self, indent: usize, row: &[&Literal]) {
        let texts: Vec<&str> = row.iter().map(|v| self.text(v.span)).collect();
        let line = format!("{},", texts.join(", "));
        let (lo, hi) = match (row.first(), row.last()) {
            (Some(first), Some(last)) => (first.span.lo as usize, last.span.hi as usize),
            _ => return,
        };
        self.line(indent, &line, lo, hi, Blank::Never);
    }

    /// Whether a comment stands between the operands of `expr` or of an operand of it.
    fn forced(&self, expr: &Expr) -> bool {
        match expr {
            Expr::Or(operands, _) | Expr::And(operands, _) => {
                let between = match (operands.first(), operands.last()) {
                    (Some(first), Some(last)) => self.comment_between(self.extent(first).1, self.operand_start(last)),
                    _ => false,
                };
                between || operands.iter().any(|o| self.forced(o))
            }
            Expr::Not(..) => self.forced(not_chain(expr).1),
            Expr::Predicate(_) => false,
        }
    }

    /// Where `expr` starts and ends in the source (parentheses around it excluded).
    fn extent(&self, expr: &Expr) -> (usize, usize) {
        let span = expr.span();
        (span.lo as usize, self.trimmed(span.hi as usize, span.lo as usize))
    }

    /// `expr` on one line, in parentheses where `context` needs them.
    fn flat(&self, expr: &Expr, context: Context) -> String {
        let (nots, innermost) = not_chain(expr);
        let mut out = "not ".repeat(nots);
        let context = if nots > 0 { Context::Not } else { context };
        match innermost {
            Expr::Or(operands, _) | Expr::And(operands, _) => {
                let is_or = matches!(innermost, Expr::Or(..));
                let kind = if is_or { Context::Or } else { Context::And };
                // An `and` inside an `or` needs none, but reads more easily with them.
                let parens = context != Context::Top;
                let parts: Vec<String> = operands.iter().map(|o| self.flat(o, kind)).collect();
                let joined = parts.join(if is_or { " or " } else { " and " });
                if parens {
                    out.push('(');
                    out.push_str(&joined);
                    out.push(')');
                } else {
                    out.push_str(&joined);
                }
            }
            Expr::Predicate(p) => out.push_str(&self.predicate(p)),
            Expr::Not(..) => {}
        }
        out
    }

    fn predicate(&self, p: &Predicate) -> String {
        let mut out = self.predicate_head(p);
        match &p.op {
            PredOp::Compare(_, value) => {
                out.push(' ');
                out.push_str(self.text(value.span));
            }
            PredOp::In { values, .. } => {
                out.push_str(" [");
                out.push_str(&self.values(values));
                out.push(']');
            }
            PredOp::InCidr { blocks, .. } if blocks.len() == 1 => {
                out.push(' ');
                out.push_str(&self.values(blocks));
            }
            PredOp::InCidr { blocks, .. } => {
                out.push_str(" [");
                out.push_str(&self.values(blocks));
                out.push(']');
            }
            PredOp::Text { values, list: true, .. } => {
                out.push_str(" [");
                out.push_str(&self.values(values));
                out.push(']');
            }
            PredOp::Text { values, .. } => {
                out.push(' ');
                out.push_str(&self.values(values));
            }
            PredOp::Matches { span, .. } => {
                out.push(' ');
                out.push_str(self.text(*span));
            }
            PredOp::Exists => {}
        }
        out
    }

    /// A predicate up to its operand: `host.role not in`, `name cased contains all`.
    fn predicate_head(&self, p: &Predicate) -> String {
        let mut out = self.text(p.field.span).to_string();
        if p.cased.is_some() {
            out.push_str(" cased");
        }
        let operator = match &p.op {
            PredOp::Compare(op, _) => op.as_str().to_string(),
            PredOp::In { negated: false, .. } => "in".to_string(),
            PredOp::In { negated: true, .. } => "not in".to_string(),
            PredOp::InCidr { negated: false, .. } => "in cidr".to_string(),
            PredOp::InCidr { negated: true, .. } => "not in cidr".to_string(),
            PredOp::Text { op, all, .. } => format!("{}{}", op.as_str(), if *all { " all" } else { "" }),
            PredOp::Matches { .. } => "matches".to_string(),
            PredOp::Exists => "exists".to_string(),
        };
        out.push(' ');
        out.push_str(&operator);
        out
    }

    fn values(&self, values: &[Literal]) -> String {
        let texts: Vec<&str> = values.iter().map(|v| self.text(v.span)).collect();
        texts.join(", ")
    }
}

/// How many `not`s lead `expr`, and what they negate (counted without recursion:
/// a chain of `not`s may be as long as the file).
fn not_chain(expr: &Expr) -> (usize, &Expr) {
    let mut nots = 0;
    let mut inner = expr;
    while let Expr::Not(next, _) = inner {
        nots += 1;
        inner = next;
    }
    (nots, inner)
}
