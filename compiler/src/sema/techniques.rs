//! ATT&CK ids of a step, checked against the catalog and resolved for the IR.

use crate::attack::{Catalog, SuggestionContext};
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::ir::{Tactic, Technique};
use crate::syntax::ast::Ident;

/// `T` + 4 digits, optionally `.` + 3 digits.
fn well_formed(id: &str) -> bool {
    let b = id.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    b.first() == Some(&b'T') && digits(1..5) && (b.len() == 5 || (b.len() == 9 && b[5] == b'.' && digits(6..9)))
}

pub fn resolve(
    id: &Ident,
    catalog: &Catalog,
    context: &SuggestionContext,
    diags: &mut Diagnostics,
) -> Option<Technique> {
    let name = id.name.as_str();
    if !well_formed(name) {
        let mut diag = Diagnostic::new(Code::MalformedTechnique, format!("`{name}` is not an ATT&CK technique id"))
            .primary(id.span, "expected `T` and four digits, optionally `.` and three more");
        let named = catalog.techniques_by_name(name);
        if name.starts_with("TA") {
            diag = diag.note("`TA` ids name tactics; a step lists the techniques it uses");
        } else if name == "none" {
            diag = diag.help("when no ATT&CK technique fits, say why: `technique none \"reason\"`");
        } else if !named.is_empty() {
            let ids: Vec<String> = named
                .iter()
                .map(|t| format!("`{}` ({})", t.id, t.domains.first().map_or("enterprise", |d| d.short())))
                .collect();
            diag = diag.help(format!("`{name}` is a technique's name; write its id: {}", ids.join(" or ")));
        } else {
            diag = suggest(diag, &catalog.similar_techniques(name, context));
        }
        diags.push(diag);
        return None;
    }
    let Some(technique) = catalog.technique(name) else {
        let diag = Diagnostic::new(Code::UnknownTechnique, format!("unknown ATT&CK technique `{name}`"))
            .primary(id.span, format!("not in ATT&CK {}", catalog.version));
        let diag = suggest(diag, &catalog.similar_techniques(name, context));
        diags.push(diag);
        return None;
    };
    if technique.revoked {
        let mut diag = Diagnostic::new(
            Code::RevokedTechnique,
            format!("ATT&CK technique `{name}` ({}) is revoked", technique.name),
        )
        .primary(id.span, "revoked by MITRE");
        diag = match catalog.replacement(name) {
            Some(new) => diag.help(format!("use `{}` ({}) instead", new.id, new.name)).fix(&new.id),
            None => diag.note("MITRE names no replacement; pick the technique that fits the step"),
        };
        diags.push(diag);
        return None;
    }
    if technique.deprecated {
        diags.push(
            Diagnostic::new(
                Code::DeprecatedTechnique,
                format!("ATT&CK technique `{name}` ({}) is deprecated", technique.name),
            )
            .primary(id.span, "deprecated by MITRE")
            .note("it still resolves, but ATT&CK no longer maintains it"),
        );
    }
    Some(lower(technique, catalog))
}

/// `help: did you mean ...?` with the candidates' names, or nothing.
fn suggest(diag: Diagnostic, candidates: &[&crate::attack::Technique]) -> Diagnostic {
    match candidates {
        [] => diag.help("find a technique by name with `scalpel attack show <words>`"),
        _ => candidates
            .iter()
            .fold(diag.help(format!("did you mean {}?", listed(candidates, "or"))), |diag, t| diag.fix(&t.id)),
    }
}

/// "`T1565.001` (Stored Data Manipulation), `T1565.002` (...) or `T1565.003` (...)"
fn listed(techniques: &[&crate::attack::Technique], last: &str) -> String {
    let items: Vec<String> = techniques.iter().map(|t| format!("`{}` ({})", t.id, t.name)).collect();
    match items.split_last() {
        Some((tail, head)) if !head.is_empty() => format!("{} {last} {tail}", head.join(", ")),
        _ => items.concat(),
    }
}

fn lower(t: &crate::attack::Technique, catalog: &Catalog) -> Technique {
    let parent = t.parent.as_ref().and_then(|p| catalog.technique(p)).map(|p| (p.id.clone(), p.name.clone()));
    let tactics = t
        .tactics
        .iter()
        .filter_map(|id| catalog.tactic(id))
        .map(|tac| Tactic {
            id: tac.id.clone(),
            name: tac.name.clone(),
            shortname: tac.shortname.clone(),
            url: tac.url.clone(),
        })
        .collect();
    Technique {
        id: t.id.clone(),
        name: t.name.clone(),
        url: t.url.clone(),
        domain: t.domains.first().map_or("enterprise", |d| d.short()).to_string(),
        parent,
        tactics,
    }
}

#[cfg(test)]
mod tests {
    use super::well_formed;

    #[test]
    fn technique_id_shape() {
        for ok in ["T1565", "T1565.003", "T0814"] {
            assert!(well_formed(ok), "{ok}");
        }
        for bad in ["T109", "T1499.00", "TXXXX", "TA0008", "t1565", "T15650", "T1565."] {
            assert!(!well_formed(bad), "{bad}");
        }
    }
}
