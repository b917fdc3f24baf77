//! Fingerprints of rules: a checked step or sequence → a SHA-256 of what it *means*
//! (which events and scenarios fire it, per `eval`) and one of what it *says* (its
//! metadata: titles, severity, ATT&CK ids, descriptions), for the version lock and
//! the semantic diff.
//!
//! The meaning of a step is its source schema, its condition in [`canonical`] form
//! and its threshold (the key fields as a set, since their order never changes
//! which events group together) with the schema's event-time field that the window
//! reads. The meaning of a sequence is its window and its steps in order, each with
//! its join keys and its step's meaning. Ids are not part of either: they are the
//! rule's identity (the lock's key), so renaming is told apart from changing.
//!
//! Invariant: every IR field is either hashed or explicitly left out: the IR
//! structs are destructured without `..`, so a field added to the IR does not
//! compile here until someone decides which fingerprint it belongs to.

use super::canonical::{self, quote};
use super::{Detection, Flow, Occurrence, Program, Sequence, SequenceStep, Step, Technique, Threshold};
use sha2::{Digest, Sha256};

/// SHA-256 of `text`, as 64 lower-case hex digits.
pub fn digest(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// What a step means, as canonical text (the input of [`step_meaning`]).
pub fn step_meaning_text(program: &Program, step: &Step) -> String {
    let Step {
        id: _,
        title: _,
        techniques: _,
        no_technique: _,
        source,
        severity: _,
        description: _,
        false_positives: _,
        references: _,
        detection,
        // The tuned condition is the detection's (`ir::Tuning`): hashed there.
        tuning: _,
        span: _,
    } = step;
    let source_name = source.as_deref().unwrap_or_default();
    match detection {
        Detection::Condition { condition, threshold } => {
            let mut out = format!("(step (source {}) (cond {})", quote(source_name), canonical::text(condition));
            if let Some(threshold) = threshold {
                let time = program.schema(source_name).map(|s| s.event_time_field().name.as_str()).unwrap_or_default();
                out.push(' ');
                out.push_str(&threshold_text(threshold, time));
            }
            out.push(')');
            out
        }
        Detection::Undetectable { reason: _ } => format!("(step (source {}) (undetectable))", quote(source_name)),
    }
}

fn threshold_text(threshold: &Threshold, time_field: &str) -> String {
    let Threshold { distinct, min, window_ms, group_by } = threshold;
    let aggregate = match distinct {
        Some(field) => format!("(distinct {})", quote(field)),
        None => "(count)".to_string(),
    };
    let mut keys: Vec<String> = group_by.iter().map(|k| quote(k)).collect();
    keys.sort();
    keys.dedup();
    format!(
        "(threshold {aggregate} (min {min}) (window {window_ms}) (by{}) (time {}))",
        keys.iter().map(|k| format!(" {k}")).collect::<String>(),
        quote(time_field)
    )
}

/// What a sequence means, as canonical text (the input of [`sequence_meaning`]).
pub fn sequence_meaning_text(program: &Program, flow: &Flow, sequence: &Sequence) -> String {
    let Sequence { id: _, title: _, window_ms, steps, severity: _, span: _ } = sequence;
    let mut out = format!("(sequence (window {window_ms})");
    for member in steps {
        let SequenceStep { step, keys, occurrence } = member;
        let keys: String = keys.iter().map(|k| format!(" {}", quote(k))).collect();
        let joins = match occurrence {
            Occurrence::Event => "event",
            Occurrence::Threshold => "threshold",
        };
        let meaning = match flow.step(step) {
            Some(found) => {
                let time = found
                    .source
                    .as_deref()
                    .and_then(|s| program.schema(s))
                    .map(|s| s.event_time_field().name.as_str())
                    .unwrap_or_default();
                format!("(time {}) {}", quote(time), step_meaning_text(program, found))
            }
            None => format!("(missing {})", quote(step)),
        };
        out.push_str(&format!(" (member (keys{keys}) (joins {joins}) {meaning})"));
    }
    out.push(')');
    out
}

pub fn step_meaning(program: &Program, step: &Step) -> String {
    digest(&step_meaning_text(program, step))
}

pub fn sequence_meaning(program: &Program, flow: &Flow, sequence: &Sequence) -> String {
    digest(&sequence_meaning_text(program, flow, sequence))
}

fn exclusion_metadata_text(exclusion: &super::Exclusion) -> String {
    let super::Exclusion { name, reason, owner, expires, scope, file: _, condition: _, span: _ } = exclusion;
    format!(
        " (exclusion {} (scope {}) (reason {}) (owner {}) (expires {}))",
        quote(name),
        quote(scope),
        quote(reason),
        quote(owner),
        optional(expires.as_deref())
    )
}

/// What a step says besides its meaning, as text: its own metadata and its flow's.
pub fn step_metadata_text(flow: &Flow, step: &Step) -> String {
    let Step {
        id: _,
        title,
        techniques,
        no_technique,
        source: _,
        severity,
        description,
        false_positives,
        references,
        detection,
        tuning,
        span: _,
    } = step;
    let reason = match detection {
        Detection::Condition { condition: _, threshold: _ } => String::new(),
        Detection::Undetectable { reason } => format!(" (undetectable {})", quote(reason)),
    };
    // Who excluded what and until when is what a rule says about its tuning (its
    // conditions are meaning); an untuned step's text is as before tuning existed.
    let tuning: String = tuning.iter().flat_map(|t| &t.exclusions).map(exclusion_metadata_text).collect();
    format!(
        "(step {} (title {}) (severity {}) (description {}) (techniques{}){} (falsepositives{}) (references{}){reason}{tuning})",
        flow_metadata_text(flow),
        quote(title),
        severity.as_str(),
        optional(description.as_deref()),
        technique_ids(techniques),
        no_technique.as_deref().map(|why| format!(" (no-technique {})", quote(why))).unwrap_or_default(),
        list(false_positives),
        list(references),
    )
}

/// What a sequence says besides its meaning: its title and severity, its flow's
/// metadata and the ATT&CK ids of its steps (every target tags the rule with them).
pub fn sequence_metadata_text(flow: &Flow, sequence: &Sequence) -> String {
    let Sequence { id: _, title, window_ms: _, steps, severity, span: _ } = sequence;
    let members: String = steps
        .iter()
        .map(|member| {
            let techniques = flow.step(&member.step).map(|s| technique_ids(&s.techniques)).unwrap_or_default();
            format!(" (member (techniques{techniques}))")
        })
        .collect();
    format!(
        "(sequence {} (title {}) (severity {}){members})",
        flow_metadata_text(flow),
        quote(title),
        severity.as_str()
    )
}

pub fn step_metadata(flow: &Flow, step: &Step) -> String {
    digest(&step_metadata_text(flow, step))
}

pub fn sequence_metadata(flow: &Flow, sequence: &Sequence) -> String {
    digest(&sequence_metadata_text(flow, sequence))
}

fn flow_metadata_text(flow: &Flow) -> String {
    let Flow { id: _, title, category, origin, description, references, steps: _, sequences: _, file: _, span: _ } =
        flow;
    let origin = match origin {
        super::Origin::Realized => "realized",
        super::Origin::Theoretical => "theoretical",
    };
    format!(
        "(flow (title {}) (category {}) (origin {origin}) (description {}) (references{}))",
        quote(title),
        quote(category),
        optional(description.as_deref()),
        list(references)
    )
}

/// ATT&CK ids only: names and tactics come from the catalog, not from the author, and
/// reach the rules' text (so the emitted fingerprint still sees a catalog update).
fn technique_ids(techniques: &[Technique]) -> String {
    techniques.iter().map(|t| format!(" {}", quote(&t.id))).collect()
}

fn list(items: &[String]) -> String {
    items.iter().map(|i| format!(" {}", quote(i))).collect()
}

fn optional(text: Option<&str>) -> String {
    text.map_or_else(|| "none".to_string(), quote)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_is_sha256() {
        assert_eq!(digest(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
