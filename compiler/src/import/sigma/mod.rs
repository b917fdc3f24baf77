//! Import, outside the compile pipeline: Sigma rule files → a detection tree
//! (`scalpel import sigma PATH... --out DIR`) and a fidelity report.
//!
//! Stages: [`rule`] reads each YAML document into a rule model (with spans into the
//! file, for diagnostics); [`types`] gives every field of every logsource one type
//! from how all rules use it; [`condition`] and [`value`] translate a rule's
//! detection into a Scalpel condition; [`schema`] writes one schema per logsource and
//! [`write`] one flow per source folder, each rule a step. [`report`] renders the
//! verdicts.
//!
//! Invariant: a rule is *exact* when every construct has the same meaning in the
//! `.det` as in Sigma, *approximated* when it imports with warnings that say where the
//! meaning differs (W0901, W0902), and *refused* (E09xx) otherwise: a rule is never
//! written with a meaning the report does not state. Refused rules appear in their
//! flow as a comment naming the reason, so that nothing disappears silently.

mod check;
mod condition;
pub mod report;
mod rule;
mod schema;
mod types;
mod value;
mod write;

use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, SourceMap, Span};
use rule::{Document, Rule, SearchBody};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use types::{FieldType, Usage};
use value::{Expr, Issue};

/// Largest Sigma file read (SigmaHQ's largest rule is under 64 KiB).
pub const MAX_INPUT_BYTES: u64 = 4 * crate::input::MIB;

/// One Sigma file to import.
pub struct SigmaFile {
    pub path: PathBuf,
    /// The flow its rules go into: the folder it came from, relative to the
    /// argument it was found under (`windows/process_creation`).
    pub group: String,
    pub text: String,
}

/// The verdict on one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Exact,
    Approximated,
    Refused,
}

/// One diagnostic of a rule, flattened for the report.
#[derive(Debug, Clone, Serialize)]
pub struct Note {
    pub code: &'static str,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// What happened to one Sigma document.
#[derive(Debug, Clone, Serialize)]
pub struct RuleReport {
    pub file: String,
    /// 1-based line of the document's first line.
    pub line: usize,
    pub id: Option<String>,
    pub title: String,
    pub verdict: Verdict,
    /// `flow/step` of the imported rule (also for refused ones: where it would be).
    pub flow: String,
    pub step: String,
    pub notes: Vec<Note>,
}

/// The result of an import.
pub struct SigmaImport {
    /// Relative `/` paths and their text: `flows/*.det`, `schemas/*.det`,
    /// `scalpel.toml`, `sigma-import.md`, `sigma-import.json`.
    pub files: Vec<(String, String)>,
    pub rules: Vec<RuleReport>,
    pub diags: Vec<Diagnostic>,
    pub sources: SourceMap,
}

/// A rule ready to write.
struct Imported<'a> {
    rule: &'a Rule,
    schema: String,
    detect: Option<Expr>,
    issues: Vec<(Issue, Span)>,
    techniques: Vec<String>,
}

/// Imports `files` (in the order given; the CLI sorts them).
pub fn import(files: Vec<SigmaFile>) -> SigmaImport {
    let mut sources = SourceMap::new();
    let mut rules: Vec<(String, Rule)> = Vec::new();
    let mut early: Vec<(String, FileId, Option<usize>, String, Issue, Span)> = Vec::new();
    for file in files {
        let text = file.text.strip_prefix('\u{FEFF}').unwrap_or(&file.text).to_string();
        let id = sources.add(file.path, text);
        let text = sources.get(id).text.clone();
        for (start, end) in rule::documents(&text) {
            match rule::read(id, &text, start, end) {
                Document::Rule(rule) => rules.push((file.group.clone(), *rule)),
                Document::Empty => {}
                Document::Other { kind, title, span } => {
                    let issue = Issue {
                        code: Code::SigmaCorrelation,
                        message: format!("a {kind} rule; only detection rules are imported"),
                    };
                    early.push((file.group.clone(), id, Some(start), title, issue, span));
                }
                Document::Invalid { message, span } => {
                    let issue = Issue { code: Code::SigmaUnreadable, message };
                    early.push((file.group.clone(), id, Some(start), String::new(), issue, span));
                }
            }
        }
    }
    let field_types = infer_types(&rules);
    let catalog = crate::attack::Catalog::embedded();
    let mut imported: Vec<(String, Imported)> = Vec::new();
    for (group, rule) in &rules {
        let schema = schema::name(&rule.logsource);
        let mut issues = Vec::new();
        let detect = translate(rule, &schema, &field_types, &mut issues);
        let techniques = techniques(rule, catalog, &mut issues);
        imported.push((group.clone(), Imported { rule, schema, detect, issues, techniques }));
    }
    let mut diags = Vec::new();
    let mut reports = Vec::new();
    let mut flows: BTreeMap<String, Vec<write::Step>> = BTreeMap::new();
    for (group, file, start, title, issue, span) in early {
        let (line, _) = sources.get(file).line_col(start.unwrap_or(0));
        let diag = Diagnostic::new(issue.code, issue.message.clone()).primary(span, "not imported");
        reports.push(RuleReport {
            file: crate::source::display_path(sources.path(file)),
            line,
            id: None,
            title,
            verdict: Verdict::Refused,
            flow: group,
            step: String::new(),
            notes: vec![note(&diag, &sources)],
        });
        diags.push(diag);
    }
    let mut taken: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (group, imp) in imported {
        let step_id = write::step_id(imp.rule, &sources, taken.entry(group.clone()).or_default());
        let mut rule_diags: Vec<Diagnostic> = imp
            .issues
            .iter()
            .map(|(issue, span)| {
                let label = if issue.code.severity() == crate::diag::Severity::Error { "not imported" } else { "here" };
                let mut d = Diagnostic::new(issue.code, issue.message.clone()).primary(*span, label);
                if issue.code == Code::SigmaUnknownField {
                    d = d.did_you_mean(suggestion(imp.rule, &issue.message).as_deref());
                }
                d
            })
            .collect();
        let refused = rule_diags.iter().any(Diagnostic::is_error);
        let approximated = rule_diags.iter().any(|d| matches!(d.code, Code::SigmaExistsNull | Code::SigmaRegexClass));
        let verdict = if refused {
            Verdict::Refused
        } else if approximated {
            Verdict::Approximated
        } else {
            Verdict::Exact
        };
        let file_path = crate::source::display_path(sources.path(imp.rule.file));
        let (line, _) = sources.get(imp.rule.file).line_col(imp.rule.start);
        reports.push(RuleReport {
            file: file_path.clone(),
            line,
            id: imp.rule.meta.id.clone(),
            title: imp.rule.meta.title.clone(),
            verdict,
            flow: group.clone(),
            step: step_id.clone(),
            notes: rule_diags.iter().map(|d| note(d, &sources)).collect(),
        });
        let refusal =
            rule_diags.iter().filter(|d| d.is_error()).map(|d| format!("{} {}", d.code, d.message)).collect::<Vec<_>>();
        flows.entry(group).or_default().push(write::Step {
            id: step_id,
            rule: imp.rule,
            file: file_path,
            schema: imp.schema,
            detect: if refused { None } else { imp.detect },
            techniques: imp.techniques,
            verdict,
            refusal,
        });
        diags.append(&mut rule_diags);
    }
    // The checker has the last word: a step it rejects (a condition that can never
    // hold, a regex it refuses) is refused with the checker's code, and the tree is
    // written again without it. Removing a step cannot break another, so two rounds
    // suffice; the bound is a guard.
    let mut out = Vec::new();
    for _ in 0..3 {
        out = tree_files(&rules, &field_types, &flows);
        let groups = flows.keys().map(|g| (format!("flows/{}.det", write::file_name(g)), g.clone())).collect();
        let rejected = check::rejected(&out, &groups);
        if rejected.is_empty() {
            break;
        }
        for ((group, step_id), found) in rejected {
            let Some(step) = flows.get_mut(&group).and_then(|steps| steps.iter_mut().find(|s| s.id == step_id)) else {
                // Not a step's: an importer bug, reported rather than hidden.
                for (code, message) in found {
                    diags.push(Diagnostic::new(
                        code,
                        format!("the imported tree fails Scalpel's check in `{group}`: {message}"),
                    ));
                }
                continue;
            };
            let span = step
                .rule
                .condition
                .as_ref()
                .map_or(Span::new(step.rule.file, step.rule.start, step.rule.start), |c| c.1);
            let report = reports.iter_mut().find(|r| r.flow == group && r.step == step_id);
            let mut notes = Vec::new();
            for (code, message) in found {
                let diag = Diagnostic::new(code, format!("the imported rule fails Scalpel's check: {message}"))
                    .primary(span, "in this detection");
                step.refusal.push(format!("{} {}", diag.code, diag.message));
                notes.push(note(&diag, &sources));
                diags.push(diag);
            }
            step.detect = None;
            step.verdict = Verdict::Refused;
            if let Some(report) = report {
                report.verdict = Verdict::Refused;
                report.notes.extend(notes);
            }
        }
    }
    reports.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    out.push(("sigma-import.md".to_string(), report::markdown(&reports)));
    out.push(("sigma-import.json".to_string(), report::json(&reports)));
    SigmaImport { files: out, rules: reports, diags, sources }
}

fn note(diag: &Diagnostic, sources: &SourceMap) -> Note {
    let (line, column) = diag.primary_span().map_or((0, 0), |s| sources.get(s.file).line_col(s.lo as usize));
    Note { code: diag.code.as_str(), line, column, message: diag.message.clone() }
}

/// `(schema, field)` → type, over every rule.
type FieldTypes = BTreeMap<(String, String), FieldType>;

fn infer_types(rules: &[(String, Rule)]) -> FieldTypes {
    let mut uses: BTreeMap<(String, String), Vec<Usage>> = BTreeMap::new();
    for (_, rule) in rules {
        let schema = schema::name(&rule.logsource);
        for search in &rule.searches {
            if let SearchBody::Fields(alternatives) = &search.body {
                for test in alternatives.iter().flatten() {
                    uses.entry((schema.clone(), test.field.clone())).or_default().push(types::usage(test));
                }
            }
        }
    }
    uses.into_iter()
        .map(|(key, uses)| {
            let ty = types::infer(&uses);
            (key, ty)
        })
        .collect()
}

/// Field names Scalpel can declare: identifiers joined by dots.
fn valid_field(name: &str) -> bool {
    name.split('.').all(|part| {
        let mut chars = part.chars();
        chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    }) && !["and", "or", "not"].contains(&name)
}

/// The rule's detection as one condition; refusals and approximations go to `issues`.
fn translate(rule: &Rule, schema: &str, types: &FieldTypes, issues: &mut Vec<(Issue, Span)>) -> Option<Expr> {
    let doc_span = Span::new(rule.file, rule.start, rule.start);
    for (key, span) in &rule.detection_extra {
        let issue = Issue {
            code: Code::SigmaCondition,
            message: format!("`{key}` belongs to a Sigma 1.x aggregation; write a correlation rule"),
        };
        issues.push((issue, *span));
    }
    let Some((text, cond_span)) = &rule.condition else {
        issues
            .push((Issue { code: Code::SigmaCondition, message: "the detection has no `condition`".into() }, doc_span));
        return None;
    };
    let names: Vec<&str> = rule.searches.iter().map(|s| s.name.as_str()).collect();
    let cond = match condition::parse(text, &names) {
        Ok(cond) => cond,
        Err(message) => {
            issues.push((Issue { code: Code::SigmaCondition, message }, *cond_span));
            return None;
        }
    };
    let taxonomy = schema::taxonomy_fields(&rule.logsource);
    if taxonomy.is_none() {
        let message = format!("logsource `{schema}` is not in the Sigma taxonomy; its fields are not checked");
        issues.push((Issue { code: Code::SigmaUnknownLogsource, message }, doc_span));
    }
    let mut searches: BTreeMap<&str, Option<Expr>> = BTreeMap::new();
    for search in &rule.searches {
        if !condition_uses(&cond, &search.name) {
            continue;
        }
        let expr = search_expr(search, schema, types, taxonomy.as_deref(), issues);
        searches.insert(search.name.as_str(), expr);
    }
    substitute(&cond, &searches)
}

fn condition_uses(cond: &condition::Cond, name: &str) -> bool {
    match cond {
        condition::Cond::Search(n) => n == name,
        condition::Cond::And(items) | condition::Cond::Or(items) => items.iter().any(|c| condition_uses(c, name)),
        condition::Cond::Not(inner) => condition_uses(inner, name),
    }
}

fn substitute(cond: &condition::Cond, searches: &BTreeMap<&str, Option<Expr>>) -> Option<Expr> {
    Some(match cond {
        condition::Cond::Search(name) => searches.get(name.as_str())?.clone()?,
        condition::Cond::And(items) => Expr::And(items.iter().map(|c| substitute(c, searches)).collect::<Option<_>>()?),
        condition::Cond::Or(items) => Expr::Or(items.iter().map(|c| substitute(c, searches)).collect::<Option<_>>()?),
        condition::Cond::Not(inner) => Expr::Not(Box::new(substitute(inner, searches)?)),
    })
}

fn search_expr(
    search: &rule::Search,
    schema: &str,
    types: &FieldTypes,
    taxonomy: Option<&[String]>,
    issues: &mut Vec<(Issue, Span)>,
) -> Option<Expr> {
    let alternatives = match &search.body {
        SearchBody::Keywords => {
            let message = format!("`{}` is a keyword search (any field of the event)", search.name);
            issues.push((Issue { code: Code::SigmaKeywords, message }, search.span));
            return None;
        }
        SearchBody::Invalid(what) => {
            let message = format!("`{}` is {what}", search.name);
            issues.push((Issue { code: Code::SigmaValue, message }, search.span));
            return None;
        }
        SearchBody::Fields(alternatives) => alternatives,
    };
    let mut ors = Vec::new();
    let mut failed = false;
    for tests in alternatives {
        let mut ands = Vec::new();
        if tests.is_empty() {
            let message = format!("`{}` holds an empty mapping", search.name);
            issues.push((Issue { code: Code::SigmaValue, message }, search.span));
            failed = true;
        }
        for test in tests {
            if test.field.is_empty() {
                let message = format!("`{}` tests the empty field name: a keyword search", search.name);
                issues.push((Issue { code: Code::SigmaKeywords, message }, test.span));
                failed = true;
                continue;
            }
            if !valid_field(&test.field) {
                let message = format!("field `{}` is not a Scalpel field name", test.field);
                issues.push((Issue { code: Code::SigmaFieldName, message }, test.span));
                failed = true;
                continue;
            }
            if let Some(listed) = taxonomy {
                if !listed.is_empty() && !listed.iter().any(|f| f == &test.field) {
                    let message = format!("`{}` is not a field of this logsource in the Sigma taxonomy", test.field);
                    issues.push((Issue { code: Code::SigmaUnknownField, message }, test.span));
                }
            }
            let ty = types.get(&(schema.to_string(), test.field.clone())).copied().unwrap_or(FieldType::String);
            if test.modifiers.iter().any(|m| m == "cidr") && ty != FieldType::Ip {
                let message = format!("`cidr` on `{}`, which other rules compare as text", test.field);
                issues.push((Issue { code: Code::SigmaValue, message }, test.span));
                failed = true;
                continue;
            }
            let mut warnings = Vec::new();
            match value::field_test(test, ty, &mut warnings) {
                Ok(expr) => ands.push(expr),
                Err(issue) => {
                    issues.push((issue, test.span));
                    failed = true;
                }
            }
            issues.extend(warnings.into_iter().map(|w| (w, test.span)));
        }
        ors.push(if ands.len() == 1 { ands.remove(0) } else { Expr::And(ands) });
    }
    if failed {
        return None;
    }
    Some(if ors.len() == 1 { ors.remove(0) } else { Expr::Or(ors) })
}

/// The closest taxonomy field to the unknown one named in `message`.
fn suggestion(rule: &Rule, message: &str) -> Option<String> {
    let field = message.split('`').nth(1)?;
    let listed = schema::taxonomy_fields(&rule.logsource)?;
    crate::diag::suggest::closest(field, listed.iter().map(String::as_str)).map(str::to_string)
}

/// ATT&CK technique ids from `attack.tNNNN[.NNN]` tags, checked against the catalog.
fn techniques(rule: &Rule, catalog: &crate::attack::Catalog, issues: &mut Vec<(Issue, Span)>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let span = Span::new(rule.file, rule.start, rule.start);
    for tag in &rule.meta.tags {
        let Some(rest) = tag.strip_prefix("attack.") else { continue };
        let id = rest.to_ascii_uppercase();
        let looks_like =
            id.starts_with('T') && id[1..].split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
        if !looks_like {
            continue;
        }
        let chosen = match catalog.technique(&id) {
            Some(t) if t.is_active() => Some(t.id.clone()),
            Some(_) => match catalog.replacement(&id).filter(|t| t.is_active()) {
                Some(t) => {
                    let message = format!("`{tag}` is revoked or deprecated; imported as {}", t.id);
                    issues.push((Issue { code: Code::SigmaTechnique, message }, span));
                    Some(t.id.clone())
                }
                None => {
                    let message = format!("`{tag}` is revoked or deprecated without a replacement; dropped");
                    issues.push((Issue { code: Code::SigmaTechnique, message }, span));
                    None
                }
            },
            None => {
                let message = format!("`{tag}` names no technique of the catalog; dropped");
                issues.push((Issue { code: Code::SigmaTechnique, message }, span));
                None
            }
        };
        if let Some(id) = chosen {
            if !out.contains(&id) {
                out.push(id);
            }
        }
    }
    out
}

/// The tree's files: `scalpel.toml`, one schema per logsource, one flow per group.
fn tree_files(
    rules: &[(String, Rule)],
    types: &FieldTypes,
    flows: &BTreeMap<String, Vec<write::Step>>,
) -> Vec<(String, String)> {
    let mut out = vec![("scalpel.toml".to_string(), write::config())];
    for schema in schemas(rules, types, flows) {
        out.push((format!("schemas/{}.det", schema.name), schema::write(&schema)));
    }
    for (group, steps) in flows.iter().filter(|(_, steps)| steps.iter().any(|s| s.detect.is_some())) {
        out.push((format!("flows/{}.det", write::file_name(group)), write::flow(group, steps)));
    }
    out
}

/// One schema per logsource of a written rule: taxonomy fields and used fields.
fn schemas(
    rules: &[(String, Rule)],
    types: &FieldTypes,
    flows: &BTreeMap<String, Vec<write::Step>>,
) -> Vec<schema::SchemaOut> {
    let mut out: BTreeMap<String, schema::SchemaOut> = BTreeMap::new();
    let written: std::collections::BTreeSet<&str> =
        flows.values().flatten().filter(|s| s.detect.is_some()).map(|s| s.schema.as_str()).collect();
    for (_, rule) in rules {
        let name = schema::name(&rule.logsource);
        if !written.contains(name.as_str()) {
            continue;
        }
        let entry = out.entry(name.clone()).or_insert_with(|| {
            let mut fields = BTreeMap::new();
            for field in schema::taxonomy_fields(&rule.logsource).unwrap_or_default() {
                if valid_field(&field) && field != schema::EVENT_TIME {
                    let ty = types.get(&(name.clone(), field.clone())).copied().unwrap_or(FieldType::String);
                    fields.insert(field, (ty, true));
                }
            }
            schema::SchemaOut { name: name.clone(), logsource: rule.logsource.clone(), fields }
        });
        for search in &rule.searches {
            if let SearchBody::Fields(alternatives) = &search.body {
                for test in alternatives.iter().flatten().filter(|t| valid_field(&t.field)) {
                    let ty = types.get(&(name.clone(), test.field.clone())).copied().unwrap_or(FieldType::String);
                    entry.fields.entry(test.field.clone()).or_insert((ty, false));
                }
            }
        }
    }
    out.into_values().collect()
}
