//! Parse tree → AST. Keywords and punctuation are dropped; literals decoded.
//!
//! The grammar guarantees the shape of every pair, so the `expect_*` helpers only
//! fail on a grammar/builder mismatch, which tests catch; they never panic on
//! user input: a missing child yields an empty value.

use super::ast::*;
use super::{Rule, MAX_NESTING};
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::source::{FileId, Span};
use pest::iterators::Pair;

type P<'a> = Pair<'a, Rule>;

struct Builder<'d> {
    file: FileId,
    /// Where the parsed text starts in the file: error recovery parses items alone.
    offset: usize,
    diags: &'d mut Diagnostics,
}

/// The AST of a parsed `file` rule whose text starts at byte `offset` of the file.
pub fn file(file: FileId, offset: usize, root: P, diags: &mut Diagnostics) -> File {
    let mut b = Builder { file, offset, diags };
    let mut out = File::default();
    for item in children(root) {
        match item.as_rule() {
            Rule::schema => out.schemas.push(b.schema(item)),
            Rule::flow => out.flows.push(b.flow(item)),
            Rule::exclusion => out.exclusions.push(b.exclusion(item)),
            _ => {}
        }
    }
    out
}

/// Children that carry meaning: keywords and punctuation are left out.
fn children<'a>(pair: P<'a>) -> impl Iterator<Item = P<'a>> {
    pair.into_inner().filter(|p| !is_token(p.as_rule()))
}

fn is_token(rule: Rule) -> bool {
    use Rule::*;
    matches!(
        rule,
        lbrace
            | rbrace
            | lparen
            | rparen
            | lbracket
            | rbracket
            | arrow
            | dots
            | EOI
            | kw_schema
            | kw_flow
            | kw_step
            | kw_sequence
            | kw_category
            | kw_origin
            | kw_description
            | kw_reference
            | kw_technique
            | kw_none
            | kw_source
            | kw_severity
            | kw_falsepos
            | kw_detect
            | kw_undetect
            | kw_threshold
            | kw_count
            | kw_distinct
            | kw_within
            | kw_by
            | kw_unit
            | kw_range
            | kw_typical
            | kw_order
            | kw_event_time
            | kw_enum
            | kw_and
            | kw_or
            | kw_not
            | kw_in
            | kw_cidr
            | kw_contains
            | kw_startswith
            | kw_endswith
            | kw_all
            | kw_matches
            | kw_exists
            | kw_cased
            | kw_true
            | kw_false
            | kw_exclude
            | kw_on
            | kw_reason
            | kw_owner
            | kw_expires
            | kw_where
    )
}

impl Builder<'_> {
    fn span(&self, pair: &P) -> Span {
        let s = pair.as_span();
        Span::new(self.file, self.offset + s.start(), self.offset + s.end())
    }

    fn ident(&self, pair: P) -> Ident {
        Ident { name: pair.as_str().to_string(), span: self.span(&pair) }
    }

    fn schema(&mut self, pair: P) -> Schema {
        let span = self.span(&pair);
        let mut name = None;
        let mut description = None;
        let mut fields = Vec::new();
        let mut orders = Vec::new();
        for child in children(pair) {
            match child.as_rule() {
                Rule::ident => name = Some(self.ident(child)),
                Rule::string => description = Some(self.text(child)),
                Rule::field => fields.push(self.field(child)),
                Rule::order_decl => orders.push(self.order(child)),
                _ => {}
            }
        }
        Schema { name: name.unwrap_or_else(|| missing(span)), description, fields, orders, span }
    }

    fn order(&mut self, pair: P) -> OrderDecl {
        let span = self.span(&pair);
        let mut fields = Vec::new();
        let mut strict = Vec::new();
        for child in children(pair) {
            match child.as_rule() {
                Rule::field_name => fields.push(self.ident(child)),
                Rule::order_op => strict.push(child.as_str() == "<"),
                _ => {}
            }
        }
        OrderDecl { fields, strict, span }
    }

    fn field(&mut self, pair: P) -> Field {
        let span = self.span(&pair);
        let mut field = Field {
            name: missing(span),
            ty: TypeExpr::Named(missing(span)),
            unit: None,
            range: None,
            typical: None,
            event_time: None,
            description: None,
            span,
        };
        for child in children(pair) {
            match child.as_rule() {
                Rule::field_name => field.name = self.ident(child),
                Rule::field_type => field.ty = self.field_type(child),
                Rule::unit_attr => field.unit = children(child).next().map(|s| self.text(s)),
                Rule::range_attr => field.range = Some(self.range(child)),
                Rule::typical_attr => field.typical = Some(self.range(child)),
                Rule::event_time_attr => field.event_time = Some(self.span(&child)),
                Rule::string => field.description = Some(self.text(child)),
                _ => {}
            }
        }
        field
    }

    fn field_type(&mut self, pair: P) -> TypeExpr {
        let span = self.span(&pair);
        match children(pair).next() {
            Some(inner) if inner.as_rule() == Rule::enum_type => {
                let values = children(inner)
                    .filter_map(|v| children(v).next())
                    .map(|v| match v.as_rule() {
                        Rule::string => {
                            let t = self.text(v);
                            Ident { name: t.value, span: t.span }
                        }
                        _ => self.ident(v),
                    })
                    .collect();
                TypeExpr::Enum { values, span }
            }
            Some(inner) => TypeExpr::Named(self.ident(inner)),
            None => TypeExpr::Named(missing(span)),
        }
    }

    fn range(&mut self, pair: P) -> RangeDecl {
        let span = self.span(&pair);
        let mut bounds = children(pair).map(|n| self.number(n));
        let lo = bounds.next().unwrap_or(Number::Int(0));
        let hi = bounds.next().unwrap_or(Number::Int(0));
        RangeDecl { lo, hi, span }
    }

    fn flow(&mut self, pair: P) -> Flow {
        let span = self.span(&pair);
        let mut texts = Vec::new();
        let mut items = Vec::new();
        for child in children(pair) {
            let item = match child.as_rule() {
                Rule::string => {
                    texts.push(self.text(child));
                    continue;
                }
                Rule::category => FlowItem::Category(self.first_text(child)),
                Rule::origin => FlowItem::Origin(self.first_ident(child)),
                Rule::description => FlowItem::Description(self.first_text(child)),
                Rule::reference => FlowItem::Reference(self.first_text(child)),
                Rule::step => FlowItem::Step(self.step(child)),
                Rule::sequence => FlowItem::Sequence(self.sequence(child)),
                _ => continue,
            };
            items.push(item);
        }
        let mut texts = texts.into_iter();
        let id = texts.next().unwrap_or_else(|| missing_text(span));
        let title = texts.next().unwrap_or_else(|| missing_text(span));
        Flow { id, title, items, span }
    }

    fn exclusion(&mut self, pair: P) -> Exclusion {
        let span = self.span(&pair);
        let mut name = missing_text(span);
        let mut scope = Scope::Rule { flow: missing_text(span), step: None, span };
        let mut items = Vec::new();
        for child in children(pair) {
            let child_span = self.span(&child);
            let item = match child.as_rule() {
                Rule::string => {
                    name = self.text(child);
                    continue;
                }
                Rule::scope => {
                    scope = self.scope(child);
                    continue;
                }
                Rule::reason => ExclusionItem::Reason(self.first_text(child), child_span),
                Rule::owner => ExclusionItem::Owner(self.first_text(child), child_span),
                Rule::expires => match children(child).next() {
                    Some(day) => ExclusionItem::Expires(
                        Text { value: day.as_str().to_string(), span: self.span(&day) },
                        child_span,
                    ),
                    None => continue,
                },
                Rule::exclude_where => match children(child).next() {
                    Some(e) => ExclusionItem::Where(self.condition(e), child_span),
                    None => continue,
                },
                _ => continue,
            };
            items.push(item);
        }
        Exclusion { name, scope, items, span }
    }

    fn scope(&mut self, pair: P) -> Scope {
        let span = self.span(&pair);
        let Some(inner) = children(pair).next() else {
            return Scope::Rule { flow: missing_text(span), step: None, span };
        };
        match inner.as_rule() {
            Rule::schema_scope => {
                let name = children(inner).next().map_or_else(|| missing(span), |n| self.ident(n));
                Scope::Schema(name, span)
            }
            _ => {
                let mut parts = children(inner);
                let flow = match parts.next() {
                    Some(p) if p.as_rule() == Rule::string => self.text(p),
                    Some(p) => {
                        let id = self.ident(p);
                        Text { value: id.name, span: id.span }
                    }
                    None => missing_text(span),
                };
                let step = parts.next().map(|p| self.ident(p));
                Scope::Rule { flow, step, span }
            }
        }
    }

    fn step(&mut self, pair: P) -> Step {
        let span = self.span(&pair);
        let mut id = missing(span);
        let mut title = missing_text(span);
        let mut items = Vec::new();
        for child in children(pair) {
            let child_span = self.span(&child);
            let item = match child.as_rule() {
                Rule::ident => {
                    id = self.ident(child);
                    continue;
                }
                Rule::string => {
                    title = self.text(child);
                    continue;
                }
                Rule::technique => match children(child.clone()).next() {
                    Some(none) if none.as_rule() == Rule::no_technique => {
                        StepItem::NoTechnique(self.first_text(none), child_span)
                    }
                    _ => StepItem::Technique(children(child).map(|t| self.ident(t)).collect()),
                },
                Rule::source => StepItem::Source(self.first_ident(child)),
                Rule::severity => StepItem::Severity(self.first_ident(child)),
                Rule::description => StepItem::Description(self.first_text(child)),
                Rule::falsepositive => StepItem::FalsePositive(self.first_text(child)),
                Rule::reference => StepItem::Reference(self.first_text(child)),
                Rule::detect => match children(child).next() {
                    Some(e) => StepItem::Detect(self.condition(e), child_span),
                    None => continue,
                },
                Rule::undetectable => StepItem::Undetectable(self.first_text(child), child_span),
                Rule::threshold => StepItem::Threshold(self.threshold(child)),
                _ => continue,
            };
            items.push(item);
        }
        Step { id, title, items, span }
    }

    fn threshold(&mut self, pair: P) -> Threshold {
        let span = self.span(&pair);
        let mut t = Threshold {
            distinct: None,
            op: CmpOp::Gt,
            value: Number::Int(0),
            value_span: span,
            window: Duration { millis: 0, span },
            by: Vec::new(),
            span,
        };
        for child in children(pair) {
            match child.as_rule() {
                Rule::aggregate => {
                    if let Some(agg) = children(child).next() {
                        t.distinct = children(agg).next().map(|f| self.ident(f));
                    }
                }
                Rule::cmp_op => t.op = cmp_op(child.as_str()),
                Rule::number => {
                    t.value_span = self.span(&child);
                    t.value = self.number(child);
                }
                Rule::duration => t.window = self.duration(child),
                Rule::group_by => t.by = self.group_by(child),
                _ => {}
            }
        }
        t
    }

    fn sequence(&mut self, pair: P) -> Sequence {
        let span = self.span(&pair);
        let mut seq = Sequence {
            id: missing(span),
            title: missing_text(span),
            window: Duration { millis: 0, span },
            by: Vec::new(),
            steps: Vec::new(),
            span,
        };
        for child in children(pair) {
            match child.as_rule() {
                Rule::ident => seq.id = self.ident(child),
                Rule::string => seq.title = self.text(child),
                Rule::duration => seq.window = self.duration(child),
                Rule::group_by => seq.by = self.group_by(child),
                Rule::seq_step => seq.steps.push(self.seq_step(child, span)),
                _ => {}
            }
        }
        seq
    }

    fn seq_step(&self, pair: P, sequence: Span) -> SequenceStep {
        let mut member = SequenceStep { occurrence: None, step: missing(sequence), by: Vec::new() };
        for part in children(pair) {
            match part.as_rule() {
                Rule::seq_occurrence => {
                    // The keyword's own span: the rule also holds the blanks after it.
                    // (Keywords are tokens, which `children` leaves out.)
                    if let Some(keyword) = part.into_inner().next() {
                        let occurrence =
                            if keyword.as_rule() == Rule::kw_each { Occurrence::Each } else { Occurrence::Threshold };
                        member.occurrence = Some((occurrence, self.span(&keyword)));
                    }
                }
                Rule::ident => member.step = self.ident(part),
                Rule::group_by => member.by = self.group_by(part),
                _ => {}
            }
        }
        member
    }

    fn group_by(&self, pair: P) -> Vec<Ident> {
        children(pair).map(|f| self.ident(f)).collect()
    }

    fn first_text(&mut self, pair: P) -> Text {
        let span = self.span(&pair);
        children(pair).next().map(|s| self.text(s)).unwrap_or_else(|| missing_text(span))
    }

    fn first_ident(&self, pair: P) -> Ident {
        let span = self.span(&pair);
        children(pair).next().map(|s| self.ident(s)).unwrap_or_else(|| missing(span))
    }

    // ------------------------------------------------------------ expressions

    /// The condition of a `detect`, refused (an empty condition and one E0006) when
    /// it nests deeper than [`MAX_NESTING`]: `sema`, `ir` and the targets recurse
    /// over conditions, so the bound is set here, before any of them sees one.
    fn condition(&mut self, pair: P) -> Expr {
        let mut too_deep = None;
        let expr = self.expr(pair, 0, &mut too_deep);
        match too_deep {
            Some(span) => {
                self.diags.push(
                    Diagnostic::new(Code::TooDeep, format!("the condition nests deeper than {MAX_NESTING} levels"))
                        .primary(span, "this operator is too deep")
                        .note("every `not`, and every `and`/`or` inside another operator, is one level")
                        .help("split the condition into simpler parts"),
                );
                empty_and(expr.span())
            }
            None => expr,
        }
    }

    /// `depth` is the number of operators (`and`, `or`, `not`) around `pair`; the
    /// first operator past the bound is recorded in `too_deep` and nothing under it
    /// is built, so that no deep tree exists even to be dropped.
    fn expr(&mut self, pair: P, depth: usize, too_deep: &mut Option<Span>) -> Expr {
        let span = self.span(&pair);
        if too_deep.is_some() {
            return empty_and(span);
        }
        match pair.as_rule() {
            Rule::expr | Rule::group => match children(pair).next() {
                Some(inner) => self.expr(inner, depth, too_deep),
                None => empty_and(span),
            },
            Rule::or_expr => self.junction(pair, span, depth, too_deep, Expr::Or),
            Rule::and_expr => self.junction(pair, span, depth, too_deep, Expr::And),
            Rule::unary => {
                let parts: Vec<P> = children(pair).collect();
                let (nots, rest) = parts.split_at(parts.len().saturating_sub(1));
                if depth + nots.len() > MAX_NESTING {
                    let first_too_deep = &nots[MAX_NESTING.saturating_sub(depth)];
                    *too_deep = Some(self.span(first_too_deep));
                    return empty_and(span);
                }
                let mut expr = match rest.first() {
                    Some(p) => self.expr(p.clone(), depth + nots.len(), too_deep),
                    None => empty_and(span),
                };
                // Innermost `not` first, so each wraps what follows it.
                for not in nots.iter().rev() {
                    let not_span = self.span(not).to(expr.span());
                    expr = Expr::Not(Box::new(expr), not_span);
                }
                expr
            }
            Rule::predicate => Expr::Predicate(self.predicate(pair)),
            _ => empty_and(span),
        }
    }

    /// An `and`/`or` of two or more parts is one operator level; a single part is
    /// just that part.
    fn junction(
        &mut self,
        pair: P,
        span: Span,
        depth: usize,
        too_deep: &mut Option<Span>,
        make: fn(Vec<Expr>, Span) -> Expr,
    ) -> Expr {
        let keyword = pair.clone().into_inner().find(|p| matches!(p.as_rule(), Rule::kw_and | Rule::kw_or));
        let mut parts: Vec<P> = children(pair).collect();
        if parts.len() == 1 {
            return self.expr(parts.remove(0), depth, too_deep);
        }
        if depth >= MAX_NESTING {
            *too_deep = Some(keyword.map_or(span, |k| self.span(&k)));
            return empty_and(span);
        }
        let parts: Vec<Expr> = parts.into_iter().map(|p| self.expr(p, depth + 1, too_deep)).collect();
        make(parts, span)
    }

    fn predicate(&mut self, pair: P) -> Predicate {
        let span = self.span(&pair);
        let mut field = missing(span);
        let mut cased = None;
        let mut op = PredOp::Exists;
        let mut op_span = span;
        for child in children(pair) {
            match child.as_rule() {
                Rule::field_name => field = self.ident(child),
                Rule::cased => cased = Some(self.span(&child)),
                _ => {
                    op_span = self.op_span(&child);
                    op = self.pred_op(child);
                }
            }
        }
        Predicate { field, cased, op, op_span, span }
    }

    /// The operator's own words, without its operands.
    fn op_span(&self, pair: &P) -> Span {
        let start = pair.as_span().start();
        let end = pair
            .clone()
            .into_inner()
            .filter(|p| is_token(p.as_rule()) || matches!(p.as_rule(), Rule::cmp_op | Rule::text_op | Rule::all))
            .map(|p| p.as_span().end())
            .max()
            .unwrap_or(pair.as_span().end());
        Span::new(self.file, self.offset + start, self.offset + end)
    }

    fn pred_op(&mut self, pair: P) -> PredOp {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let parts: Vec<P> = children(pair).collect();
        match rule {
            Rule::compare => {
                let op = parts.first().map_or(CmpOp::Eq, |p| cmp_op(p.as_str()));
                let value = parts.get(1).map(|p| self.value(p.clone())).unwrap_or_else(|| missing_literal(span));
                PredOp::Compare(op, value)
            }
            Rule::in_list | Rule::not_in_list => PredOp::In {
                negated: rule == Rule::not_in_list,
                values: parts.into_iter().flat_map(|p| self.values(p)).collect(),
                span,
            },
            Rule::in_cidr | Rule::not_in_cidr => PredOp::InCidr {
                negated: rule == Rule::not_in_cidr,
                blocks: parts.into_iter().flat_map(|p| self.values(p)).collect(),
                span,
            },
            Rule::text_match => {
                let mut op = TextOp::Contains;
                let mut all = false;
                let mut values = Vec::new();
                let mut list = false;
                for p in parts {
                    match p.as_rule() {
                        Rule::text_op => op = text_op(p.as_str()),
                        Rule::all => all = true,
                        Rule::list => {
                            list = true;
                            values = self.values(p);
                        }
                        _ => values = self.values(p),
                    }
                }
                PredOp::Text { op, all, values, list }
            }
            Rule::regex_match => {
                let regex = parts.into_iter().next();
                let regex_span = regex.as_ref().map_or(span, |r| self.span(r));
                let mut pattern = String::new();
                let mut flags = String::new();
                for piece in regex.into_iter().flat_map(|r| r.into_inner()) {
                    match piece.as_rule() {
                        Rule::regex_body => pattern = piece.as_str().replace("\\/", "/"),
                        Rule::regex_flags => flags = piece.as_str().to_string(),
                        _ => {}
                    }
                }
                PredOp::Matches { pattern, flags, span: regex_span }
            }
            _ => PredOp::Exists,
        }
    }

    /// A single value or every value of a list.
    fn values(&mut self, pair: P) -> Vec<Literal> {
        match pair.as_rule() {
            Rule::list => children(pair).map(|v| self.value(v)).collect(),
            _ => vec![self.value(pair)],
        }
    }

    fn value(&mut self, pair: P) -> Literal {
        let pair = if pair.as_rule() == Rule::value {
            match children(pair.clone()).next() {
                Some(inner) => inner,
                None => pair,
            }
        } else {
            pair
        };
        let span = self.span(&pair);
        let value = match pair.as_rule() {
            Rule::string => LiteralValue::Str(self.text(pair).value),
            Rule::ipv4 => LiteralValue::Ipv4(pair.as_str().to_string()),
            Rule::number => match self.number(pair) {
                Number::Int(i) => LiteralValue::Int(i),
                Number::Float(f) => LiteralValue::Float(f),
            },
            Rule::boolean => LiteralValue::Bool(pair.as_str() == "true"),
            _ => LiteralValue::Word(pair.as_str().to_string()),
        };
        Literal { value, span }
    }

    // ------------------------------------------------------------ literals

    fn text(&mut self, pair: P) -> Text {
        let span = self.span(&pair);
        let body = pair.into_inner().next();
        let (raw, offset) =
            body.as_ref().map_or(("", span.lo as usize + 1), |b| (b.as_str(), self.offset + b.as_span().start()));
        let value = unescape(raw).unwrap_or_else(|(at, len, why)| {
            self.diags.push(
                Diagnostic::new(Code::InvalidEscape, format!("invalid escape `{}` in string", &raw[at..at + len]))
                    .primary(Span::new(self.file, offset + at, offset + at + len), why)
                    .help("escapes are `\\\"`, `\\\\`, `\\n`, `\\r`, `\\t`, `\\0` and `\\u{XXXX}`"),
            );
            raw.to_string()
        });
        Text { value, span }
    }

    fn number(&mut self, pair: P) -> Number {
        let text = pair.as_str();
        let span = self.span(&pair);
        let is_float = text.contains(['.', 'e', 'E']);
        let parsed = if is_float {
            // A literal with a non-zero digit that parses to 0.0 has underflowed
            // (`1e-400`): refused like an overflow, never silently made zero.
            let mantissa = text.split(['e', 'E']).next().unwrap_or(text);
            let nonzero = mantissa.bytes().any(|b| matches!(b, b'1'..=b'9'));
            text.parse::<f64>().ok().filter(|f| f.is_finite() && (*f != 0.0 || !nonzero)).map(Number::Float)
        } else {
            text.parse::<i64>().ok().map(Number::Int)
        };
        parsed.unwrap_or_else(|| {
            let why = if !is_float {
                "does not fit in a 64-bit integer"
            } else if text.parse::<f64>().is_ok_and(|f| f == 0.0) {
                "too small for a float: it would be 0.0"
            } else {
                "not a finite float"
            };
            self.diags.push(
                Diagnostic::new(Code::InvalidNumber, format!("number `{text}` is out of range")).primary(span, why),
            );
            Number::Int(0)
        })
    }

    fn duration(&mut self, pair: P) -> Duration {
        let text = pair.as_str();
        let span = self.span(&pair);
        let digits_end = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
        let unit_millis: u64 = match &text[digits_end..] {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            _ => 86_400_000,
        };
        let millis = text[..digits_end].parse::<u64>().ok().and_then(|n| n.checked_mul(unit_millis));
        let millis = millis.unwrap_or_else(|| {
            self.diags.push(
                Diagnostic::new(Code::InvalidNumber, format!("duration `{text}` is out of range"))
                    .primary(span, "too long"),
            );
            0
        });
        Duration { millis, span }
    }
}

/// Decodes string escapes; on error gives (byte offset, length, reason).
pub(crate) fn unescape(raw: &str) -> Result<String, (usize, usize, &'static str)> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some((_, e)) = chars.next() else {
            return Err((i, 1, "a backslash must be followed by an escape"));
        };
        match e {
            '"' => out.push('"'),
            '\\' => out.push('\\'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            '0' => out.push('\0'),
            'u' => {
                let rest = &raw[i + 2..];
                let close = rest.find('}').filter(|_| rest.starts_with('{'));
                let Some(close) = close else {
                    return Err((i, 2, "write unicode escapes as `\\u{XXXX}`"));
                };
                let len = 2 + close + 1;
                let code = u32::from_str_radix(&rest[1..close], 16).ok().and_then(char::from_u32);
                let Some(ch) = code.filter(|_| (1..=6).contains(&(close - 1))) else {
                    return Err((i, len, "not a unicode scalar value"));
                };
                out.push(ch);
                while chars.peek().is_some_and(|(j, _)| *j < i + len) {
                    chars.next();
                }
            }
            other => return Err((i, 1 + other.len_utf8(), "unknown escape")),
        }
    }
    Ok(out)
}

fn cmp_op(text: &str) -> CmpOp {
    match text {
        "!=" => CmpOp::Ne,
        "<" => CmpOp::Lt,
        "<=" => CmpOp::Le,
        ">" => CmpOp::Gt,
        ">=" => CmpOp::Ge,
        _ => CmpOp::Eq,
    }
}

fn text_op(text: &str) -> TextOp {
    match text {
        "startswith" => TextOp::StartsWith,
        "endswith" => TextOp::EndsWith,
        _ => TextOp::Contains,
    }
}

fn missing(span: Span) -> Ident {
    Ident { name: String::new(), span }
}

fn missing_text(span: Span) -> Text {
    Text { value: String::new(), span }
}

fn missing_literal(span: Span) -> Literal {
    Literal { value: LiteralValue::Word(String::new()), span }
}

fn empty_and(span: Span) -> Expr {
    Expr::And(Vec::new(), span)
}
