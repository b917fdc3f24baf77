//! Normalisation of conditions: a canonical shape every target can rely on.

use super::Cond;

/// Flattens `All` in `All` and `Any` in `Any`, unwraps one-element junctions and
/// removes double negation. Meaning is unchanged (property-tested against `eval`).
pub fn normalize(cond: Cond) -> Cond {
    match cond {
        Cond::All(parts) => junction(parts, true),
        Cond::Any(parts) => junction(parts, false),
        Cond::Not(inner) => match normalize(*inner) {
            Cond::Not(twice) => *twice,
            other => Cond::Not(Box::new(other)),
        },
        test => test,
    }
}

fn junction(parts: Vec<Cond>, all: bool) -> Cond {
    let mut flat = Vec::with_capacity(parts.len());
    for part in parts.into_iter().map(normalize) {
        match part {
            Cond::All(inner) if all => flat.extend(inner),
            Cond::Any(inner) if !all => flat.extend(inner),
            other => flat.push(other),
        }
    }
    if flat.len() == 1 {
        return flat.pop().unwrap_or(Cond::All(Vec::new()));
    }
    if all {
        Cond::All(flat)
    } else {
        Cond::Any(flat)
    }
}
