//! `scalpel fmt`: one canonical layout of a `.det` file.
//!
//! Printed from the AST, with every token's text taken from the source (so strings,
//! numbers and durations keep their spelling and the AST cannot change) and every
//! comment put back. Comments are placed by source position: each output line has
//! the source range of its tokens, the comments before the end of that range are
//! written on their own lines before it, and the comments after it on the same
//! source line, with no token between, stay at its end. A comment inside a line's
//! range therefore moves above the line; the second run finds it there, which keeps
//! the layout idempotent.
//!
//! Layout: four spaces per level, at most one blank line, a blank line between
//! declarations and between steps; schema columns aligned; conditions, lists and
//! sequences kept on one line when they fit in [`WIDTH`] columns, else broken one
//! operand per line ([`expr`]).

mod expr;
mod lex;

use super::ast::*;
use crate::diag::Diagnostics;
use crate::source::{FileId, Span};
use lex::Range;
use unicode_width::UnicodeWidthStr;

/// The line width conditions, lists and sequences are wrapped at.
pub const WIDTH: usize = 100;
const INDENT: usize = 4;
/// Schema columns are as wide as their widest entry up to these; longer entries are
/// followed by one space so that one long name does not push every line right.
const NAME_COLUMN_MAX: usize = 24;
const TYPE_COLUMN_MAX: usize = 24;

/// `text` in the canonical layout, or the syntax errors that keep it from being formatted.
pub fn format(file: FileId, text: &str) -> Result<String, Diagnostics> {
    let (ast, diags) = super::parse(file, text);
    if diags.has_errors() {
        return Err(diags);
    }
    let Some(lexed) = lex::lex(text) else { return Err(diags) };
    let mut printer = Printer::new(text, lexed);
    printer.file(&ast);
    Ok(printer.finish())
}

/// Whether a line may be preceded by a blank line.
#[derive(Clone, Copy, PartialEq)]
enum Blank {
    /// Where the source has one.
    Keep,
    /// Always (except at the start of a block).
    Force,
    /// Never (inside a condition or a list).
    Never,
}

struct Printer<'a> {
    src: &'a str,
    tokens: Vec<Range>,
    comments: Vec<Range>,
    /// The first comment not yet written.
    next: usize,
    out: String,
    /// The source end of what was written last, to see blank lines after it.
    last: usize,
    /// The last line written opens a block: no blank line may follow.
    block_start: bool,
}

impl<'a> Printer<'a> {
    fn new(src: &'a str, lexed: lex::Lexed) -> Printer<'a> {
        Printer {
            src,
            tokens: lexed.tokens,
            comments: lexed.comments,
            next: 0,
            out: String::with_capacity(src.len() + src.len() / 8),
            last: 0,
            block_start: true,
        }
    }

    fn finish(mut self) -> String {
        self.comments_before(self.src.len() + 1, 0, Blank::Keep);
        self.out
    }

    fn text(&self, span: Span) -> &'a str {
        &self.src[span.lo as usize..span.hi as usize]
    }

    /// The end of the first token at or after `pos` (the `{` after a header).
    fn token_end_after(&self, pos: usize) -> usize {
        let i = self.tokens.partition_point(|t| t.0 < pos);
        self.tokens.get(i).map_or(pos, |t| t.1)
    }

    /// The end of the last token that ends by `pos`, and not before `floor`: pest's
    /// spans of rules ending in an optional part also cover the blanks and comments
    /// after them.
    fn trimmed(&self, pos: usize, floor: usize) -> usize {
        let i = self.tokens.partition_point(|t| t.1 <= pos);
        i.checked_sub(1).map_or(floor, |i| self.tokens[i].1.max(floor))
    }

    /// The texts of the tokens inside `span`.
    fn tokens_in(&self, span: Span) -> impl Iterator<Item = &'a str> + '_ {
        let (lo, hi) = (span.lo as usize, span.hi as usize);
        let first = self.tokens.partition_point(|t| t.0 < lo);
        self.tokens[first..].iter().take_while(move |t| t.1 <= hi).map(|t| &self.src[t.0..t.1])
    }

    /// Whether a comment starts in `lo..hi`.
    fn comment_between(&self, lo: usize, hi: usize) -> bool {
        let i = self.comments.partition_point(|c| c.0 < lo);
        self.comments.get(i).is_some_and(|c| c.0 < hi)
    }

    /// Whether the source has a blank line between `last` and `pos`.
    fn blank_in_source(&self, pos: usize) -> bool {
        let gap = self.src.get(self.last..pos).unwrap_or("");
        let mut lines = gap.split('\n');
        lines.next();
        let mut inner: Vec<&str> = lines.collect();
        inner.pop(); // the text before `pos` on its own line
        inner.iter().any(|l| l.trim().is_empty())
    }

    fn blank_line(&mut self, blank: Blank, pos: usize) {
        let wanted = match blank {
            Blank::Force => true,
            Blank::Keep => self.blank_in_source(pos),
            Blank::Never => false,
        };
        if wanted && !self.block_start && !self.out.is_empty() {
            self.out.push('\n');
        }
    }

    /// Writes the comments that start before `pos` on lines of their own.
    fn comments_before(&mut self, pos: usize, indent: usize, blank: Blank) {
        let mut blank = blank;
        while let Some(&(lo, hi)) = self.comments.get(self.next) {
            if lo >= pos {
                break;
            }
            self.blank_line(blank, lo);
            if blank == Blank::Force {
                blank = Blank::Keep;
            }
            push_indent(&mut self.out, indent);
            self.out.push_str(comment_text(&self.src[lo..hi]));
            self.out.push('\n');
            self.next += 1;
            self.last = self.last.max(hi);
            self.block_start = false;
        }
    }

    /// Writes one line of code whose tokens come from `lo..hi` of the source: the
    /// comments before `hi` above it, those after it on the same source line at its end.
    fn line(&mut self, indent: usize, code: &str, lo: usize, hi: usize, blank: Blank) {
        let hi = self.trimmed(hi, lo);
        let had_comments = self.comments.get(self.next).is_some_and(|c| c.0 < hi);
        self.comments_before(hi, indent, blank);
        let blank = match blank {
            Blank::Force if had_comments => Blank::Keep,
            other => other,
        };
        self.blank_line(blank, lo);
        push_indent(&mut self.out, indent);
        self.out.push_str(code);
        let mut end = hi;
        while let Some(&(clo, chi)) = self.comments.get(self.next) {
            let between = self.src.get(end..clo).unwrap_or("\n");
            // Closing parentheses may stand between: the output has them where the source
            // may not, and the other way round.
            let next_token = self.tokens.partition_point(|t| t.0 < end);
            let token_between =
                self.tokens[next_token..].iter().take_while(|t| t.0 < clo).any(|t| &self.src[t.0..t.1] != ")");
            if between.contains('\n') || token_between {
                break;
            }
            self.out.push(' ');
            self.out.push_str(comment_text(&self.src[clo..chi]));
            self.next += 1;
            end = chi;
        }
        self.out.push('\n');
        self.last = self.last.max(end);
        self.block_start = code.ends_with(['{', '[', '(']);
    }

    /// The `}` closing a block opened at `indent` and ending at `span`.
    fn close(&mut self, indent: usize, span: Span) {
        let hi = span.hi as usize;
        self.comments_before(hi.saturating_sub(1), indent + INDENT, Blank::Keep);
        self.line(indent, "}", hi.saturating_sub(1), hi, Blank::Never);
    }

    // ------------------------------------------------------------ declarations

    fn file(&mut self, file: &File) {
        enum Top<'f> {
            Schema(&'f Schema),
            Flow(&'f Flow),
            Exclusion(&'f Exclusion),
        }
        let mut items: Vec<(u32, Top)> = file.schemas.iter().map(|s| (s.span.lo, Top::Schema(s))).collect();
        items.extend(file.flows.iter().map(|f| (f.span.lo, Top::Flow(f))));
        items.extend(file.exclusions.iter().map(|e| (e.span.lo, Top::Exclusion(e))));
        items.sort_by_key(|(lo, _)| *lo);
        for (_, item) in items {
            match item {
                Top::Schema(schema) => self.schema(schema),
                Top::Flow(flow) => self.flow(flow),
                Top::Exclusion(exclusion) => self.exclusion(exclusion),
            }
        }
    }

    fn exclusion(&mut self, exclusion: &Exclusion) {
        let header = format!("exclude {} on {} {{", self.text(exclusion.name.span), self.text(exclusion.scope.span()));
        let hi = self.token_end_after(exclusion.scope.span().hi as usize);
        self.line(0, &header, exclusion.span.lo as usize, hi, Blank::Force);
        for item in &exclusion.items {
            match item {
                ExclusionItem::Reason(t, _) => self.clause(INDENT, "reason", t, Blank::Keep),
                ExclusionItem::Owner(t, _) => self.clause(INDENT, "owner", t, Blank::Keep),
                ExclusionItem::Expires(t, _) => self.clause(INDENT, "expires", t, Blank::Keep),
                ExclusionItem::Where(condition, span) => self.clause_condition(INDENT, "where ", condition, *span),
            }
        }
        self.close(0, exclusion.span);
    }

    fn schema(&mut self, schema: &Schema) {
        let mut header = format!("schema {}", self.text(schema.name.span));
        let mut end = schema.name.span.hi;
        if let Some(description) = &schema.description {
            header.push(' ');
            header.push_str(self.text(description.span));
            end = description.span.hi;
        }
        header.push_str(" {");
        let hi = self.token_end_after(end as usize);
        self.line(0, &header, schema.span.lo as usize, hi, Blank::Force);
        let columns: Vec<(String, String)> =
            schema.fields.iter().map(|f| (self.text(f.name.span).to_string(), self.field_type(f))).collect();
        let name_width = column_width(columns.iter().map(|c| c.0.as_str()), NAME_COLUMN_MAX);
        let type_width = column_width(columns.iter().map(|c| c.1.as_str()), TYPE_COLUMN_MAX);
        // Fields and `order` declarations stay in the order written.
        let mut orders = schema.orders.iter().peekable();
        for (field, (name, ty)) in schema.fields.iter().zip(columns) {
            while let Some(order) = orders.next_if(|o| o.span.lo < field.span.lo) {
                self.order(order);
            }
            self.field(field, &name, &ty, name_width, type_width);
        }
        orders.for_each(|order| self.order(order));
        self.close(0, schema.span);
    }

    /// `order a < b <= c`, on a line of its own.
    fn order(&mut self, order: &OrderDecl) {
        let mut line = String::from("order");
        for (i, field) in order.fields.iter().enumerate() {
            if i > 0 {
                line.push_str(if order.strict[i - 1] { " <" } else { " <=" });
            }
            line.push(' ');
            line.push_str(self.text(field.span));
        }
        self.line(INDENT, &line, order.span.lo as usize, order.span.hi as usize, Blank::Keep);
    }

    /// A field's type and attributes: `int unit "bpm" range 0..350 event_time`.
    fn field_type(&self, field: &Field) -> String {
        let mut out = match &field.ty {
            TypeExpr::Named(name) => self.text(name.span).to_string(),
            TypeExpr::Enum { values, .. } => {
                let values: Vec<&str> = values.iter().map(|v| self.text(v.span)).collect();
                format!("enum({})", values.join(", "))
            }
        };
        if let Some(unit) = &field.unit {
            out.push_str(" unit ");
            out.push_str(self.text(unit.span));
        }
        if let Some(range) = &field.range {
            // `range`, the low bound, `..`, the high bound.
            let bounds: Vec<&str> = self.tokens_in(range.span).skip(1).collect();
            out.push_str(" range ");
            out.push_str(&bounds.concat());
        }
        if let Some(typical) = &field.typical {
            let bounds: Vec<&str> = self.tokens_in(typical.span).skip(1).collect();
            out.push_str(" typical ");
            out.push_str(&bounds.concat());
        }
        if field.event_time.is_some() {
            out.push_str(" event_time");
        }
        out
    }

    fn field(&mut self, field: &Field, name: &str, ty: &str, name_width: usize, type_width: usize) {
        let indent = INDENT;
        let lo = field.span.lo as usize;
        let type_column = name_width + 1;
        let description_column = type_column + type_width + 1;
        let mut line = name.to_string();
        pad_to(&mut line, type_column);
        line.push_str(ty);
        let Some(description) = &field.description else {
            return self.line(indent, &line, lo, field.span.hi as usize, Blank::Keep);
        };
        let text = self.text(description.span);
        // A type wider than its column (a long enum) would push the description past
        // the line's end: it goes below, in its column.
        if ty.width() > type_width && indent + line.width() + 1 + text.width() > WIDTH {
            let head_end = [
                Some(field.ty.span()),
                field.unit.as_ref().map(|u| u.span),
                field.range.as_ref().map(|r| r.span),
                field.typical.as_ref().map(|r| r.span),
                field.event_time,
            ]
            .into_iter()
            .flatten()
            .map(|s| s.hi as usize)
            .max()
            .unwrap_or(lo);
            self.line(indent, &line, lo, head_end, Blank::Keep);
            let (lo, hi) = (description.span.lo as usize, description.span.hi as usize);
            return self.line(indent + description_column, text, lo, hi, Blank::Never);
        }
        pad_to(&mut line, description_column);
        line.push_str(text);
        self.line(indent, &line, lo, field.span.hi as usize, Blank::Keep);
    }

    fn flow(&mut self, flow: &Flow) {
        let header = format!("flow {} {} {{", self.text(flow.id.span), self.text(flow.title.span));
        let hi = self.token_end_after(flow.title.span.hi as usize);
        self.line(0, &header, flow.span.lo as usize, hi, Blank::Force);
        let indent = INDENT;
        let mut after_block = false;
        for (i, item) in flow.items.iter().enumerate() {
            let is_block = matches!(item, FlowItem::Step(_) | FlowItem::Sequence(_));
            let blank = if i > 0 && (is_block || after_block) { Blank::Force } else { Blank::Keep };
            after_block = is_block;
            match item {
                FlowItem::Category(t) => self.clause(indent, "category", t, blank),
                FlowItem::Origin(id) => self.word_clause(indent, "origin", id, blank),
                FlowItem::Description(t) => self.clause(indent, "description", t, blank),
                FlowItem::Reference(t) => self.clause(indent, "reference", t, blank),
                FlowItem::Step(step) => self.step(indent, step, blank),
                FlowItem::Sequence(sequence) => self.sequence(indent, sequence, blank),
            }
        }
        self.close(0, flow.span);
    }

    /// `keyword "text"`.
    fn clause(&mut self, indent: usize, keyword: &str, text: &Text, blank: Blank) {
        let line = format!("{keyword} {}", self.text(text.span));
        self.line(indent, &line, text.span.lo as usize, text.span.hi as usize, blank);
    }

    /// `keyword word`.
    fn word_clause(&mut self, indent: usize, keyword: &str, word: &Ident, blank: Blank) {
        let line = format!("{keyword} {}", self.text(word.span));
        self.line(indent, &line, word.span.lo as usize, word.span.hi as usize, blank);
    }

    fn step(&mut self, indent: usize, step: &Step, blank: Blank) {
        let header = format!("step {} {} {{", self.text(step.id.span), self.text(step.title.span));
        let hi = self.token_end_after(step.title.span.hi as usize);
        self.line(indent, &header, step.span.lo as usize, hi, blank);
        let inner = indent + INDENT;
        for item in &step.items {
            let keep = Blank::Keep;
            match item {
                StepItem::Technique(ids) => {
                    let names: Vec<&str> = ids.iter().map(|id| self.text(id.span)).collect();
                    let (lo, hi) = match (ids.first(), ids.last()) {
                        (Some(first), Some(last)) => (first.span.lo as usize, last.span.hi as usize),
                        _ => (step.span.lo as usize, step.span.lo as usize),
                    };
                    self.line(inner, &format!("technique {}", names.join(", ")), lo, hi, keep);
                }
                StepItem::NoTechnique(reason, span) => {
                    let line = format!("technique none {}", self.text(reason.span));
                    self.line(inner, &line, span.lo as usize, span.hi as usize, keep);
                }
                StepItem::Source(id) => self.word_clause(inner, "source", id, keep),
                StepItem::Severity(id) => self.word_clause(inner, "severity", id, keep),
                StepItem::Description(t) => self.clause(inner, "description", t, keep),
                StepItem::FalsePositive(t) => self.clause(inner, "falsepositive", t, keep),
                StepItem::Reference(t) => self.clause(inner, "reference", t, keep),
                StepItem::Detect(condition, span) => self.detect(inner, condition, *span),
                StepItem::Undetectable(reason, span) => {
                    let line = format!("undetectable {}", self.text(reason.span));
                    self.line(inner, &line, span.lo as usize, span.hi as usize, keep);
                }
                StepItem::Threshold(threshold) => {
                    let line = self.threshold(threshold);
                    self.line(inner, &line, threshold.span.lo as usize, threshold.span.hi as usize, keep);
                }
            }
        }
        self.close(indent, step.span);
    }

    fn threshold(&self, t: &Threshold) -> String {
        let aggregate = match &t.distinct {
            Some(field) => format!("distinct {}", self.text(field.span)),
            None => "count".to_string(),
        };
        let mut line = format!(
            "threshold {aggregate} {} {} within {}",
            t.op.as_str(),
            self.text(t.value_span),
            self.text(t.window.span)
        );
        line.push_str(&self.group_by(&t.by));
        line
    }

    /// ` by a, b`, or nothing.
    fn group_by(&self, by: &[Ident]) -> String {
        if by.is_empty() {
            return String::new();
        }
        let keys: Vec<&str> = by.iter().map(|k| self.text(k.span)).collect();
        format!(" by {}", keys.join(", "))
    }

    fn sequence(&mut self, indent: usize, sequence: &Sequence, blank: Blank) {
        let header = format!(
            "sequence {} {} within {}{} {{",
            self.text(sequence.id.span),
            self.text(sequence.title.span),
            self.text(sequence.window.span),
            self.group_by(&sequence.by)
        );
        let header_end = sequence.by.last().map_or(sequence.window.span.hi, |k| k.span.hi);
        let hi = self.token_end_after(header_end as usize);
        self.line(indent, &header, sequence.span.lo as usize, hi, blank);
        let inner = indent + INDENT;
        let members: Vec<(String, usize, usize)> = sequence.steps.iter().map(|m| self.member(m)).collect();
        let flat: Vec<&str> = members.iter().map(|m| m.0.as_str()).collect();
        let flat = flat.join(" -> ");
        let (first_end, last_start) = match (members.first(), members.last()) {
            (Some(first), Some(last)) => (first.2, last.1),
            _ => (0, 0),
        };
        let forced = self.comment_between(first_end, last_start);
        if !forced && inner + flat.width() <= WIDTH {
            let lo = members.first().map_or(hi, |m| m.1);
            let end = members.last().map_or(hi, |m| m.2);
            self.line(inner, &flat, lo, end, Blank::Never);
        } else {
            for (i, (text, lo, hi)) in members.iter().enumerate() {
                let line = if i == 0 { text.clone() } else { format!("-> {text}") };
                self.line(inner, &line, *lo, *hi, Blank::Never);
            }
        }
        self.close(indent, sequence.span);
    }

    /// A sequence member's text and source range: `threshold spray by source.ip`.
    fn member(&self, member: &SequenceStep) -> (String, usize, usize) {
        let mut text = String::new();
        let mut lo = member.step.span.lo;
        if let Some((occurrence, span)) = member.occurrence {
            text.push_str(occurrence.keyword());
            text.push(' ');
            lo = span.lo;
        }
        text.push_str(self.text(member.step.span));
        text.push_str(&self.group_by(&member.by));
        let hi = member.by.last().map_or(member.step.span.hi, |k| k.span.hi);
        (text, lo as usize, hi as usize)
    }
}

fn push_indent(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// A comment as written, without the blanks a line comment may end with.
fn comment_text(comment: &str) -> &str {
    if comment.starts_with("//") {
        comment.trim_end()
    } else {
        comment
    }
}

/// The width of a column: its widest entry no wider than `max`.
fn column_width<'s>(entries: impl Iterator<Item = &'s str>, max: usize) -> usize {
    entries.map(UnicodeWidthStr::width).filter(|w| *w <= max).max().unwrap_or(0)
}

/// Blanks after `line` up to `column`, at least one.
fn pad_to(line: &mut String, column: usize) {
    let pad = column.saturating_sub(line.width()).max(1);
    line.extend(std::iter::repeat_n(' ', pad));
}

#[cfg(test)]
mod tests;
