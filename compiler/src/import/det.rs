//! Writer: [`FlowGraph`] → `.det` text (see the parent module for the choices).
//!
//! Steps follow a topological order of the whole graph (assets, conditions and
//! operators included, so that `a → asset → b` puts `a` first); among blocks that
//! are ready together the reader's order (top to bottom as drawn) wins, so the
//! output follows the picture. A cycle, which a flow should not have, is broken at
//! its first block in that order, with a warning.

use super::{one_line, FlowGraph, Node, Operator};
pub(super) use crate::syntax::literal::quote;
use crate::visible::visible_lines;
use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashSet};
use std::fmt::Write;

/// Longest step id produced; longer names are cut at a word boundary.
const MAX_ID_LEN: usize = 32;

const PLACEHOLDER: &str = "TODO: write the detection for this step";

pub(super) fn write(graph: &FlowGraph, file_name: &str, warnings: &mut Vec<String>) -> String {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let stem = base.rsplit_once('.').map_or(base, |(stem, _)| stem);
    let title = flow_title(graph, stem, warnings);
    let id = flow_id(stem, &title);
    let view = View::new(graph, warnings);
    let order = view.topological(warnings);
    let steps = plan_steps(graph, &order, warnings);
    if order.iter().all(|&n| steps[n].is_none()) {
        warnings.push("the flow has no actions, so the skeleton has no steps".to_string());
    }
    let writer = Writer { graph, view: &view, steps: &steps };

    let mut out = String::new();
    let _ = writeln!(out, "// Imported by `scalpel import attack-flow` from {}", one_line(base));
    let _ = writeln!(out, "// ({}).", one_line(&graph.format));
    out.push_str(
        "// A skeleton, not a detection: every step is `undetectable` with a TODO reason until\n\
         // someone writes its detection (search for TODO); actions without a usable ATT&CK\n\
         // technique are commented out.\n",
    );
    if let Some(author) = &graph.author {
        let _ = writeln!(out, "// Author: {}", one_line(author));
    }
    if let Some(created) = &graph.created {
        let _ = writeln!(out, "// Created: {}", one_line(created));
    }
    if !warnings.is_empty() {
        out.push_str("// Import warnings:\n");
        for warning in warnings.iter() {
            let _ = writeln!(out, "// - {}", one_line(warning));
        }
    }
    let _ = writeln!(out, "\nflow {} {} {{", quote(&id), quote(&title));
    out.push_str("    category \"TODO\"\n    origin theoretical\n");
    let description =
        graph.description.as_deref().unwrap_or("TODO: describe this flow (the source gives no description)");
    let _ = writeln!(out, "    description {}", quote(description));
    for reference in &graph.references {
        match &reference.url {
            Some(url) => {
                let _ = writeln!(out, "    reference {}", quote(url));
            }
            None => {
                let words: Vec<&str> =
                    [&reference.source, &reference.description].into_iter().flatten().map(String::as_str).collect();
                let _ = writeln!(out, "    // reference without a URL: {}", one_line(&words.join(": ")));
            }
        }
    }
    for &node in &order {
        if let Some(step) = &steps[node] {
            out.push('\n');
            writer.step(node, step, &mut out);
        }
    }
    let path = view.main_path(&order, &steps);
    out.push('\n');
    if path.len() >= 2 {
        out.push_str("    // The main path as a sequence: once its steps have detections, choose a window\n");
        out.push_str("    // and join keys, then uncomment.\n");
        let _ = writeln!(
            out,
            "    // sequence main_path {} within TODO by TODO {{ {} }}",
            quote(&format!("{title}: main path")),
            path.join(" -> ")
        );
    } else {
        out.push_str("    // No sequence: the longest path has fewer than two steps with a technique.\n");
    }
    out.push_str("}\n");
    // String literals are escaped already; this makes comments safe to show.
    visible_lines(&out).into_owned()
}

/// The flow's title, or the file name's when the source has none.
fn flow_title(graph: &FlowGraph, stem: &str, warnings: &mut Vec<String>) -> String {
    let name = graph.name.as_deref().map(one_line).unwrap_or_default();
    if !name.is_empty() && !name.eq_ignore_ascii_case("Untitled Document") {
        return name;
    }
    let from_file = one_line(&stem.replace('_', " "));
    let from_file = if from_file.is_empty() { "Imported attack flow".to_string() } else { from_file };
    let what = if name.is_empty() { "has no title".to_string() } else { format!("is titled \"{name}\"") };
    warnings.push(format!("the flow {what}; titled it \"{from_file}\" after the file name"));
    from_file
}

/// The flow id: an `AF2-10`-style id from the file name or title when there is
/// one (the ids the flows are known by), else a slug of the file name.
pub(super) fn flow_id(stem: &str, title: &str) -> String {
    if let Some(id) = find_flow_id(stem).or_else(|| find_flow_id(title)) {
        return id;
    }
    // Words are lower-cased except acronyms and markers (`AF2`, `X`, `USB`).
    let words: Vec<String> = stem
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| if w.bytes().any(|b| b.is_ascii_lowercase()) { w.to_ascii_lowercase() } else { w.to_string() })
        .collect();
    if words.is_empty() {
        "imported-flow".to_string()
    } else {
        words.join("-")
    }
}

/// The first `AF<digits>-<digits>` standing as a word of its own, upper-cased.
pub(super) fn find_flow_id(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let alnum_at = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_alphanumeric);
    let digits_from = |i: usize| bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
    (0..bytes.len()).find_map(|start| {
        if (start > 0 && alnum_at(start - 1)) || !bytes[start..].get(..2)?.eq_ignore_ascii_case(b"AF") {
            return None;
        }
        let dash = start + 2 + digits_from(start + 2);
        if bytes.get(dash) != Some(&b'-') {
            return None;
        }
        let number = digits_from(dash + 1);
        let end = dash + 1 + number;
        (number > 0 && !alnum_at(end)).then(|| text[start..end].to_ascii_uppercase())
    })
}

/// The edges worth following, and which blocks take part.
struct View<'a> {
    graph: &'a FlowGraph,
    preds: Vec<Vec<(usize, Option<bool>)>>,
    succs: Vec<Vec<(usize, Option<bool>)>>,
    /// False for blocks left out (operators connected to nothing).
    included: Vec<bool>,
    /// Per block, its distinct predecessors and successors in block order, and its
    /// successors per branch (`if true`, `if false`, unconditional): computed once,
    /// so that a comment naming a block's neighbours costs the same for every block.
    pred_set: Vec<Vec<usize>>,
    succ_set: Vec<Vec<usize>>,
    succ_by_branch: Vec<[Vec<usize>; 3]>,
}

/// The distinct blocks of `edges`, in block order.
fn distinct(edges: impl Iterator<Item = usize>) -> Vec<usize> {
    edges.collect::<BTreeSet<usize>>().into_iter().collect()
}

/// The index of a branch in [`View::succ_by_branch`].
fn branch_index(branch: Option<bool>) -> usize {
    match branch {
        Some(true) => 0,
        Some(false) => 1,
        None => 2,
    }
}

impl<'a> View<'a> {
    fn new(graph: &'a FlowGraph, warnings: &mut Vec<String>) -> View<'a> {
        let count = graph.nodes.len();
        let mut preds = vec![Vec::new(); count];
        let mut succs = vec![Vec::new(); count];
        for edge in &graph.edges {
            if edge.from == edge.to {
                warnings.push(format!("{} leads to itself; that arrow is ignored", graph.nodes[edge.from].label()));
            } else if edge.from < count && edge.to < count {
                succs[edge.from].push((edge.to, edge.branch));
                preds[edge.to].push((edge.from, edge.branch));
            }
        }
        let mut included = vec![true; count];
        for (n, node) in graph.nodes.iter().enumerate() {
            if !matches!(node, Node::Operator(_)) {
                continue;
            }
            let label = node.label();
            match (preds[n].is_empty(), succs[n].is_empty()) {
                (true, true) => {
                    warnings.push(format!("the {label} is not connected to anything; ignored"));
                    included[n] = false;
                }
                (true, false) => {
                    let targets = bounded_list(succs[n].len(), succs[n].iter().map(|&(s, _)| graph.nodes[s].label()));
                    warnings.push(format!("the {label} has no inputs (it leads to {targets})"));
                }
                (false, true) => {
                    let sources = bounded_list(preds[n].len(), preds[n].iter().map(|&(p, _)| graph.nodes[p].label()));
                    warnings.push(format!("the {label} leads nowhere (its inputs: {sources})"));
                }
                (false, false) => {}
            }
        }
        let pred_set = preds.iter().map(|p| distinct(p.iter().map(|e| e.0))).collect();
        let succ_set = succs.iter().map(|s| distinct(s.iter().map(|e| e.0))).collect();
        let succ_by_branch = succs
            .iter()
            .map(|s| {
                [Some(true), Some(false), None].map(|wanted| distinct(s.iter().filter(|e| e.1 == wanted).map(|e| e.0)))
            })
            .collect();
        View { graph, preds, succs, included, pred_set, succ_set, succ_by_branch }
    }

    /// Kahn's algorithm, taking the earliest ready block first; a cycle is broken
    /// at its earliest block.
    fn topological(&self, warnings: &mut Vec<String>) -> Vec<usize> {
        let count = self.graph.nodes.len();
        let mut waiting: Vec<usize> = self.preds.iter().map(Vec::len).collect();
        let mut done = vec![false; count];
        let mut ready: BinaryHeap<Reverse<usize>> =
            (0..count).filter(|&n| self.included[n] && waiting[n] == 0).map(Reverse).collect();
        let total = self.included.iter().filter(|&&i| i).count();
        let mut order = Vec::with_capacity(total);
        while order.len() < total {
            let next = match ready.pop() {
                Some(Reverse(n)) => n,
                None => {
                    let Some(n) = (0..count).find(|&n| self.included[n] && !done[n]) else { break };
                    warnings.push(format!(
                        "the flow has a cycle through {}; ordered its steps as drawn",
                        self.graph.nodes[n].label()
                    ));
                    n
                }
            };
            if done[next] {
                continue;
            }
            done[next] = true;
            order.push(next);
            for &(succ, _) in &self.succs[next] {
                waiting[succ] = waiting[succ].saturating_sub(1);
                if waiting[succ] == 0 && !done[succ] {
                    ready.push(Reverse(succ));
                }
            }
        }
        order
    }

    /// Ids of the live steps along the path holding the most of them (the first
    /// such path in step order), following arrows forward only.
    fn main_path(&self, order: &[usize], steps: &[Option<StepPlan>]) -> Vec<String> {
        let count = self.graph.nodes.len();
        let mut position = vec![usize::MAX; count];
        for (i, &n) in order.iter().enumerate() {
            position[n] = i;
        }
        // best[n] = (live steps on the best path ending at n, the block before n on it)
        let mut best: Vec<(usize, Option<usize>)> = vec![(0, None); count];
        for &n in order {
            let before = self.preds[n]
                .iter()
                .map(|&(p, _)| p)
                .filter(|&p| position[p] < position[n])
                .max_by_key(|&p| (best[p].0, Reverse(position[p])));
            let gain = usize::from(steps[n].as_ref().is_some_and(|s| s.live));
            best[n] = (before.map_or(0, |p| best[p].0) + gain, before);
        }
        let Some(mut at) = order.iter().copied().max_by_key(|&n| (best[n].0, Reverse(position[n]))) else {
            return Vec::new();
        };
        let mut path = Vec::new();
        loop {
            if let Some(step) = steps[at].as_ref().filter(|s| s.live) {
                path.push(step.id.clone());
            }
            match best[at].1 {
                Some(before) => at = before,
                None => break,
            }
        }
        path.reverse();
        path
    }
}

/// What one action becomes.
struct StepPlan {
    id: String,
    title: String,
    /// Well-formed ATT&CK technique ids.
    techniques: Vec<String>,
    /// Ids that are still malformed after normalization, kept for a comment.
    malformed: Vec<String>,
    /// The normalized tactic id and whether it is well-formed.
    tactic: Option<(String, bool)>,
    /// Written as a real step (it has a technique) rather than commented out.
    live: bool,
}

/// One plan per action, indexed by block; warnings come out in step order.
fn plan_steps(graph: &FlowGraph, order: &[usize], warnings: &mut Vec<String>) -> Vec<Option<StepPlan>> {
    let mut plans: Vec<Option<StepPlan>> = graph.nodes.iter().map(|_| None).collect();
    let mut used = HashSet::new();
    let mut unnamed = 0;
    for &n in order {
        let Node::Action(action) = &graph.nodes[n] else { continue };
        let mut title = action.name.as_deref().map(one_line).unwrap_or_default();
        if title.is_empty() {
            unnamed += 1;
            title = format!("Unnamed action {unnamed}");
            warnings.push(format!("an action has no name; called it \"{title}\""));
        }
        let what = format!("action \"{title}\"");
        let mut techniques = Vec::new();
        let mut malformed = Vec::new();
        // Plain spaces around ids (`T1078, T1110`) are layout, not dirt: no warning.
        for raw in action.technique_id.iter().flat_map(|ids| ids.split([',', ';'])) {
            let id = normalized(raw.trim_matches(' '), "technique", &what, warnings);
            if id.is_empty() {
                continue;
            }
            if is_technique_id(&id) {
                if !techniques.contains(&id) {
                    techniques.push(id);
                }
            } else {
                warnings.push(format!(
                    "{what}: malformed technique id \"{id}\" (expected Tnnnn or Tnnnn.nnn); kept in a comment"
                ));
                malformed.push(id);
            }
        }
        let live = !techniques.is_empty();
        if !live {
            let why =
                if malformed.is_empty() { "has no ATT&CK technique" } else { "has no well-formed ATT&CK technique" };
            warnings.push(format!("{what} {why}; its step is written commented out"));
        }
        let tactic = action
            .tactic_id
            .as_deref()
            .map(|raw| normalized(raw.trim_matches(' '), "tactic", &what, warnings))
            .filter(|id| !id.is_empty())
            .map(|id| {
                let ok = is_tactic_id(&id);
                if !ok {
                    warnings.push(format!("{what}: malformed tactic id \"{id}\" (expected TAnnnn); kept in a comment"));
                }
                (id, ok)
            });
        let id = step_id(&title, &mut used);
        plans[n] = Some(StepPlan { id, title, techniques, malformed, tactic, live });
    }
    plans
}

/// An ATT&CK id without the whitespace and invisible characters that copy-paste
/// brings along, upper-cased; warns when that changed anything.
fn normalized(raw: &str, kind: &str, what: &str, warnings: &mut Vec<String>) -> String {
    let invisible =
        |c: char| c.is_whitespace() || c.is_control() || matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}');
    let id: String = raw.chars().filter(|&c| !invisible(c)).collect::<String>().to_ascii_uppercase();
    if id != raw {
        let shown: String = raw
            .chars()
            .map(|c| if invisible(c) && c != ' ' { format!("<U+{:04X}>", c as u32) } else { c.to_string() })
            .collect();
        warnings.push(format!("{what}: {kind} id \"{shown}\" normalized to \"{id}\""));
    }
    id
}

pub(super) fn is_technique_id(id: &str) -> bool {
    match id.strip_prefix('T').map(|rest| rest.split_once('.').unwrap_or((rest, ""))) {
        Some((base, "")) => all_digits(base, 4) && !id.ends_with('.'),
        Some((base, sub)) => all_digits(base, 4) && all_digits(sub, 3),
        None => false,
    }
}

fn is_tactic_id(id: &str) -> bool {
    id.strip_prefix("TA").is_some_and(|rest| all_digits(rest, 4))
}

fn all_digits(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| b.is_ascii_digit())
}

/// Whether the grammar's loose `technique_id` reads `id`, so that a commented-out
/// step can carry it and parse once uncommented.
fn lexes_as_technique(id: &str) -> bool {
    let (base, sub) = id.split_once('.').unwrap_or((id, ""));
    !base.is_empty() && base.bytes().chain(sub.bytes()).all(|b| b.is_ascii_alphanumeric())
}

/// A `snake_case` ASCII id from a title, unique among `used`, at most [`MAX_ID_LEN`]
/// long. A title too long for that is cut after a whole word, and a dangling `of`,
/// `to`, ... is dropped from the end (`supply_chain_compromise`, not `..._of`).
pub(super) fn step_id(title: &str, used: &mut HashSet<String>) -> String {
    const DANGLING: [&str; 16] =
        ["a", "an", "and", "at", "by", "for", "from", "in", "into", "of", "on", "or", "the", "to", "via", "with"];
    // Apostrophes vanish (`pump's` → `pumps`); everything else is folded to ASCII.
    let mut ascii = String::new();
    for c in title.chars().filter(|c| !matches!(c, '\'' | '\u{2019}')) {
        fold(c, &mut ascii);
    }
    let words: Vec<&str> = ascii.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let mut kept: Vec<&str> = Vec::new();
    let mut len = 0;
    for &word in &words {
        let extra = usize::from(!kept.is_empty());
        if len + extra + word.len() > MAX_ID_LEN {
            break;
        }
        len += extra + word.len();
        kept.push(word);
    }
    if kept.len() < words.len() {
        while kept.len() > 1 && kept.last().is_some_and(|w| DANGLING.contains(w)) {
            kept.pop();
        }
    }
    let mut base = match (kept.is_empty(), words.first()) {
        // A single word longer than the limit.
        (true, Some(word)) => cut(word, MAX_ID_LEN),
        (true, None) => "step".to_string(),
        (false, _) => kept.join("_"),
    };
    if base.starts_with(|c: char| c.is_ascii_digit()) {
        base = cut(&format!("step_{base}"), MAX_ID_LEN);
    }
    let mut id = base.clone();
    let mut k = 2;
    while used.contains(&id) {
        let suffix = format!("_{k}");
        id = format!("{}{suffix}", cut(&base, MAX_ID_LEN - suffix.len()));
        k += 1;
    }
    used.insert(id.clone());
    id
}

/// Appends `c` lower-cased and, for an accented Latin letter, without its accent
/// (`É` → `e`, `ß` → `ss`); other non-ASCII characters become a word break.
fn fold(c: char, out: &mut String) {
    for c in c.to_lowercase() {
        let plain = match c {
            'a'..='z' | '0'..='9' => {
                out.push(c);
                continue;
            }
            'à'..='å' | 'ā' | 'ă' | 'ą' => "a",
            'æ' => "ae",
            'ç' | 'ć' | 'č' => "c",
            'è'..='ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
            'ì'..='ï' | 'ī' | 'į' => "i",
            'ł' => "l",
            'ñ' | 'ń' | 'ň' => "n",
            'ò'..='ö' | 'ø' | 'ō' | 'ő' => "o",
            'œ' => "oe",
            'ř' => "r",
            'ß' => "ss",
            'ś' | 'š' => "s",
            'ť' => "t",
            'ù'..='ü' | 'ū' | 'ů' | 'ű' => "u",
            'ý' | 'ÿ' => "y",
            'ź' | 'ż' | 'ž' => "z",
            _ => " ",
        };
        out.push_str(plain);
    }
}

/// An ASCII id cut to `len` bytes, without a trailing underscore.
fn cut(id: &str, len: usize) -> String {
    id[..id.len().min(len)].trim_end_matches('_').to_string()
}

struct Writer<'a> {
    graph: &'a FlowGraph,
    view: &'a View<'a>,
    steps: &'a [Option<StepPlan>],
}

impl Writer<'_> {
    fn step(&self, node: usize, step: &StepPlan, out: &mut String) {
        let Node::Action(action) = &self.graph.nodes[node] else { return };
        let mut body = Vec::new();
        let technique_line = if step.live {
            step.techniques.join(", ")
        } else {
            step.malformed.iter().find(|id| lexes_as_technique(id)).cloned().unwrap_or_else(|| "TODO".to_string())
        };
        body.push(format!("technique {technique_line}"));
        if let Some(description) = &action.description {
            body.push(format!("description {}", quote(description)));
        }
        match (&step.tactic, &action.tactic_name) {
            (Some((id, true)), name) => body.push(format!("// tactic: {id}{}", in_parens(name.as_deref()))),
            (Some((id, false)), name) => {
                body.push(format!("// tactic: \"{id}\" (malformed in the source){}", in_parens(name.as_deref())));
            }
            (None, Some(name)) => body.push(format!("// tactic: {}", one_line(name))),
            (None, None) => {}
        }
        if let Some(name) = &action.technique_name {
            body.push(format!("// technique name in the source: {}", one_line(name)));
        }
        if step.live && !step.malformed.is_empty() {
            body.push(format!("// malformed technique ids in the source, left out: {}", step.malformed.join(", ")));
        }
        body.extend(self.context(node));
        body.push(
            "// TODO(detect): choose a `source` schema, write `detect` (and `severity`), then delete `undetectable`"
                .to_string(),
        );
        body.push(format!("undetectable {}", quote(PLACEHOLDER)));

        let indent = if step.live {
            "    "
        } else {
            if step.malformed.is_empty() {
                out.push_str("    // no ATT&CK technique in the source: add one, then uncomment this step\n");
            } else {
                let _ = writeln!(
                    out,
                    "    // malformed ATT&CK technique id in the source ({}): correct it, then uncomment this step",
                    step.malformed.join(", ")
                );
            }
            "    // "
        };
        let _ = writeln!(out, "{indent}step {} {} {{", step.id, quote(&step.title));
        for line in body {
            let _ = writeln!(out, "{indent}    {line}");
        }
        let _ = writeln!(out, "{indent}}}");
    }

    /// Comments placing a step in the graph: what comes before and after it.
    fn context(&self, node: usize) -> Vec<String> {
        let mut lines = Vec::new();
        for &(pred, branch) in &self.view.preds[node] {
            if !self.view.included[pred] {
                continue;
            }
            lines.push(match (&self.graph.nodes[pred], branch) {
                (Node::Asset { description, .. }, _) => {
                    format!("// from {}{}", self.mention(pred), after_colon(description.as_deref()))
                }
                (Node::Condition { .. }, Some(holds)) => format!("// when {} is {holds}", self.mention(pred)),
                (Node::Operator(op), _) if self.view.preds[pred].is_empty() => {
                    format!("// after an {} operator that has no inputs", op_name(*op))
                }
                (Node::Operator(op), _) => {
                    format!("// after the {} of: {}", op_name(*op), self.list(&self.view.pred_set[pred], None))
                }
                _ => format!("// after {}", self.mention(pred)),
            });
        }
        for &(succ, _) in &self.view.succs[node] {
            if !self.view.included[succ] {
                continue;
            }
            lines.push(match &self.graph.nodes[succ] {
                Node::Asset { description, .. } => {
                    format!("// to {}{}", self.mention(succ), after_colon(description.as_deref()))
                }
                Node::Condition { .. } => {
                    let mut outcomes = Vec::new();
                    for (wanted, name) in [(Some(true), "if true"), (Some(false), "if false"), (None, "then")] {
                        let targets = &self.view.succ_by_branch[succ][branch_index(wanted)];
                        if !targets.is_empty() {
                            outcomes.push(format!("{name} -> {}", self.list(targets, None)));
                        }
                    }
                    let outcomes = if outcomes.is_empty() { "leads nowhere".to_string() } else { outcomes.join("; ") };
                    format!("// flows into {}: {outcomes}", self.mention(succ))
                }
                Node::Operator(op) => {
                    let inputs = &self.view.pred_set[succ];
                    let with = if inputs.iter().all(|&p| p == node) {
                        String::new()
                    } else {
                        format!(" with {}", self.list(inputs, Some(node)))
                    };
                    format!("// flows into an {}{with} -> {}", op_name(*op), self.list(&self.view.succ_set[succ], None))
                }
                _ => format!("// then {}", self.mention(succ)),
            });
        }
        lines
    }

    /// How a comment names another block: steps by id, the rest by label.
    fn mention(&self, node: usize) -> String {
        match &self.steps[node] {
            Some(step) if step.live => format!("step {}", step.id),
            Some(step) => format!("step {} (commented out)", step.id),
            None => self.graph.nodes[node].label(),
        }
    }

    /// Names distinct blocks (in block order), `except` one of them: at most
    /// [`MAX_LISTED`], so a comment costs the same however many blocks there are.
    fn list(&self, nodes: &[usize], except: Option<usize>) -> String {
        let count = nodes.len() - except.map_or(0, |e| usize::from(nodes.binary_search(&e).is_ok()));
        if count == 0 {
            return "nothing".to_string();
        }
        bounded_list(count, nodes.iter().filter(|&&n| Some(n) != except).map(|&n| self.mention(n)))
    }
}

/// Blocks named in one comment or warning, at most: an operator with thousands of
/// inputs would otherwise name every other input in each input's comment, and the
/// output would grow with the square of the inputs.
const MAX_LISTED: usize = 8;

/// The first [`MAX_LISTED`] of `count` names, then how many more.
fn bounded_list(count: usize, names: impl Iterator<Item = String>) -> String {
    let mut text = names.take(MAX_LISTED).collect::<Vec<_>>().join(", ");
    if count > MAX_LISTED {
        let _ = write!(text, " and {} more", count - MAX_LISTED);
    }
    text
}

fn op_name(op: Operator) -> &'static str {
    match op {
        Operator::And => "AND",
        Operator::Or => "OR",
    }
}

fn in_parens(text: Option<&str>) -> String {
    text.map(|t| format!(" ({})", one_line(t))).unwrap_or_default()
}

fn after_colon(text: Option<&str>) -> String {
    text.map(|t| format!(": {}", one_line(t))).unwrap_or_default()
}
