//! A schema's statements about its values beyond types and ranges: `typical lo..hi`
//! spans of fields and `order a < b <= c` relations between them. Both describe real
//! telemetry for the event generator (plausible filler); neither changes what a
//! detection matches.

use crate::diag::{suggest, Code, Diagnostic, Diagnostics};
use crate::schema::{Field, FieldType, Order};
use crate::syntax::ast;

/// The `typical` span of a field of type `ty` with declared `range`, or `None`
/// (reported) when it is not numeric, empty, or not inside the range.
pub fn lower_typical(
    typical: &ast::RangeDecl,
    ty: &FieldType,
    range: Option<(f64, f64)>,
    diags: &mut Diagnostics,
) -> Option<(f64, f64)> {
    let (lo, hi) = (typical.lo.as_f64(), typical.hi.as_f64());
    let problem = if !ty.is_numeric() {
        Some((
            format!("`typical` does not apply to `{}` fields", ty.name()),
            "only `int` and `float` fields have typical spans".to_string(),
        ))
    } else if lo > hi {
        Some((format!("typical span {lo}..{hi} is empty"), "the lower bound is above the upper bound".to_string()))
    } else if *ty == FieldType::Int && lo.ceil() > hi.floor() {
        Some((
            format!("typical span {lo}..{hi} holds no integer"),
            "an `int` field needs an integer in its span".to_string(),
        ))
    } else {
        range.filter(|(rlo, rhi)| lo < *rlo || hi > *rhi).map(|(rlo, rhi)| {
            (
                format!("typical span {lo}..{hi} is not inside the range {rlo}..{rhi}"),
                "reaches outside the declared range".to_string(),
            )
        })
    };
    match problem {
        Some((message, label)) => {
            diags.push(Diagnostic::new(Code::InvalidTypical, message).primary(typical.span, label));
            None
        }
        None => Some((lo, hi)),
    }
}

/// The `order` declarations of a schema whose fields are `fields`; a declaration
/// with a problem is reported and left out. `broken` tells fields whose own
/// declaration is already reported (nothing more is said about them).
pub fn lower_orders(
    decl: &ast::Schema,
    fields: &[Field],
    broken: &dyn Fn(&str) -> bool,
    diags: &mut Diagnostics,
) -> Vec<Order> {
    decl.orders.iter().filter_map(|order| lower_order(decl, order, fields, broken, diags)).collect()
}

fn lower_order(
    decl: &ast::Schema,
    order: &ast::OrderDecl,
    fields: &[Field],
    broken: &dyn Fn(&str) -> bool,
    diags: &mut Diagnostics,
) -> Option<Order> {
    let mut chain: Vec<&Field> = Vec::with_capacity(order.fields.len());
    let mut ok = true;
    for (i, name) in order.fields.iter().enumerate() {
        if let Some(first) = order.fields[..i].iter().find(|f| f.name == name.name) {
            diags.push(
                Diagnostic::new(Code::InvalidOrder, format!("`{}` is listed twice in one `order`", name.name))
                    .primary(name.span, "listed again here")
                    .secondary(first.span, "first listed here"),
            );
            ok = false;
            continue;
        }
        let Some(field) = fields.iter().find(|f| f.name == name.name) else {
            if !broken(&name.name) {
                let suggestion = suggest::closest(&name.name, fields.iter().map(|f| f.name.as_str()));
                diags.push(
                    Diagnostic::new(
                        Code::UnknownField,
                        format!("no field `{}` in schema `{}`", name.name, decl.name.name),
                    )
                    .primary(name.span, format!("not a field of `{}`", decl.name.name))
                    .did_you_mean(suggestion),
                );
            }
            ok = false;
            continue;
        };
        if !field.ty.is_numeric() {
            diags.push(
                Diagnostic::new(
                    Code::InvalidOrder,
                    format!("`order` relates numbers: `{}` is a `{}` field", field.name, field.ty.name()),
                )
                .primary(name.span, "not an `int` or `float` field")
                .secondary(field.span, "declared here"),
            );
            ok = false;
            continue;
        }
        chain.push(field);
    }
    if !ok {
        return None;
    }
    if let Some(at) = first_without_room(&chain, &order.strict) {
        let (before, field) = (chain[at - 1], chain[at]);
        diags.push(
            Diagnostic::new(
                Code::InvalidOrder,
                format!(
                    "the declared ranges leave no value of `{}` {} `{}`'s",
                    field.name,
                    if order.strict[at - 1] { "above" } else { "at or above" },
                    before.name
                ),
            )
            .primary(order.fields[at].span, "cannot hold with the declared ranges")
            .secondary(before.span, "its range declared here")
            .secondary(field.span, "and this one's here")
            .help("widen the ranges, or correct the order"),
        );
        return None;
    }
    Some(Order { fields: chain.iter().map(|f| f.name.clone()).collect(), strict: order.strict.clone() })
}

/// The first position of `chain` whose range leaves no value in order after the
/// smallest values the ranges allow before it: a proof that no event keeps the
/// order. (The infimum of a strict float chain is treated as reached, so this only
/// reports what really cannot hold.)
fn first_without_room(chain: &[&Field], strict: &[bool]) -> Option<usize> {
    let bounds = |f: &Field| f.range.unwrap_or((f64::NEG_INFINITY, f64::INFINITY));
    let mut least = bounds(chain.first()?).0;
    for (i, field) in chain.iter().enumerate().skip(1) {
        let (lo, hi) = bounds(field);
        let ints = chain[i - 1].ty == FieldType::Int && field.ty == FieldType::Int;
        let strict = strict.get(i - 1).copied().unwrap_or(true);
        let no_room = match (strict, ints) {
            (true, true) => least + 1.0 > hi,
            (true, false) => least >= hi,
            (false, _) => least > hi,
        };
        if no_room {
            return Some(i);
        }
        least = lo.max(if strict && ints { least + 1.0 } else { least });
    }
    None
}
