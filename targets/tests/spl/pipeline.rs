//! The whole pipelines Scalpel emits for thresholds and sequences, from the Search
//! Reference (`multisearch`, `eval`, `sort`, `streamstats`, `stats`), on top of the
//! `search` and `where` of single steps:
//! - `<search terms> | …` searches the events it is given, newest first (the order
//!   Splunk returns them in); `| multisearch [search …] [search …] | …` runs each
//!   bracketed pipeline on them and concatenates the results;
//! - `eval a=<expr>, b=<expr>` assigns in order (a null result removes the field);
//! - `sort 0 _time`: every result, oldest first (stable);
//! - `streamstats time_window=<n><s|m|h|d> count|dc(f) AS out BY f1 f2 …`: per
//!   group of the `BY` values, the events of the stream so far whose `_time` is at
//!   most the window from the current one (both ends inclusive, as W0501 documents),
//!   at most `max_stream_window` (10000) of them; a result missing a `BY` field is
//!   left without `out`;
//! - `stats min(f)|max(f)|count AS out … BY f1 f2 …`: one result per group (a
//!   result missing a `BY` field is dropped), `min`/`max` over the numeric values.
//!
//! Anything else is [`Unsupported`], as in the single-step interpreter.

use super::eval::{self, Val};
use super::search;
use super::{unsupported, Event, Folding, Result, Unsupported};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// `max_stream_window` of limits.conf, Splunk's default.
const MAX_STREAM_WINDOW: usize = 10_000;

#[derive(Debug, Clone)]
enum Agg {
    Count,
    Distinct(String),
    Min(String),
    Max(String),
}

#[derive(Debug, Clone)]
enum Stage {
    Search(search::Expr),
    Multisearch(Vec<Pipeline>),
    Where(eval::Expr),
    Eval(Vec<(String, eval::Expr)>),
    SortByTime,
    Streamstats { window_s: f64, agg: Agg, out: String, by: Vec<String> },
    Stats { aggs: Vec<(Agg, String)>, by: Vec<String> },
}

/// A parsed pipeline; [`Pipeline::run`] gives its results.
#[derive(Debug, Clone)]
pub struct Pipeline {
    stages: Vec<Stage>,
}

pub fn parse(query: &str) -> Result<Pipeline> {
    let stages = split(query, '|')?;
    let (first, rest) = stages.split_first().ok_or_else(|| Unsupported("empty query".into()))?;
    let mut out = Vec::new();
    if first.trim().is_empty() {
        let (generating, rest) = rest.split_first().ok_or_else(|| Unsupported(format!("no command: {query}")))?;
        out.push(multisearch(generating)?);
        out.extend(rest.iter().map(|s| stage(s)).collect::<Result<Vec<_>>>()?);
    } else {
        out.push(Stage::Search(search::parse(first)?));
        out.extend(rest.iter().map(|s| stage(s)).collect::<Result<Vec<_>>>()?);
    }
    Ok(Pipeline { stages: out })
}

fn multisearch(text: &str) -> Result<Stage> {
    let body = text.trim().strip_prefix("multisearch").ok_or_else(|| Unsupported(format!("command `{text}`")))?;
    let mut branches = Vec::new();
    let mut rest = body.trim();
    while !rest.is_empty() {
        let inner = rest.strip_prefix('[').ok_or_else(|| Unsupported(format!("multisearch branch at {rest}")))?;
        let end = closing_bracket(inner)?;
        let search =
            inner[..end].trim().strip_prefix("search ").ok_or_else(|| Unsupported(format!("branch {inner}")))?;
        branches.push(parse(search)?);
        rest = inner[end + 1..].trim();
    }
    if branches.len() < 2 {
        return unsupported(format!("multisearch with {} branch(es)", branches.len()));
    }
    Ok(Stage::Multisearch(branches))
}

fn stage(text: &str) -> Result<Stage> {
    let text = text.trim();
    let (command, args) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    let args = args.trim();
    Ok(match command {
        "where" => Stage::Where(eval::parse(args)?),
        "eval" => Stage::Eval(
            split(args, ',')?
                .iter()
                .map(|a| {
                    let (name, expr) = a.split_once('=').ok_or_else(|| Unsupported(format!("eval `{a}`")))?;
                    Ok((name.trim().to_string(), eval::parse(expr)?))
                })
                .collect::<Result<_>>()?,
        ),
        "sort" if args == "0 _time" => Stage::SortByTime,
        "streamstats" => {
            let rest = args.strip_prefix("time_window=").ok_or_else(|| Unsupported(format!("streamstats {args}")))?;
            let (window, rest) = rest.split_once(' ').ok_or_else(|| Unsupported(format!("streamstats {args}")))?;
            let (aggs, by) = aggregations(rest)?;
            let [(agg, out)] = <[_; 1]>::try_from(aggs).map_err(|_| Unsupported(format!("streamstats {args}")))?;
            Stage::Streamstats { window_s: seconds(window)?, agg, out, by }
        }
        "stats" => {
            let (aggs, by) = aggregations(args)?;
            Stage::Stats { aggs, by }
        }
        _ => return unsupported(format!("command `{text}`")),
    })
}

/// Aggregations (each with its output name) and the `BY` fields.
type Aggregations = (Vec<(Agg, String)>, Vec<String>);

/// `f(x) AS out f(y) AS out2 … BY a b`: the aggregations and the `BY` fields.
fn aggregations(text: &str) -> Result<Aggregations> {
    let (aggs, by) = text.split_once(" BY ").ok_or_else(|| Unsupported(format!("no BY in {text}")))?;
    let words: Vec<&str> = aggs.split_whitespace().collect();
    let mut out = Vec::new();
    for chunk in words.chunks(3) {
        let [call, "AS", name] = chunk else { return unsupported(format!("aggregation {chunk:?}")) };
        let field = |f: &str| call.strip_prefix(f).and_then(|r| r.strip_suffix(')')).map(|a| a.trim_matches('\''));
        let agg = match (*call, field("dc("), field("min("), field("max(")) {
            ("count", ..) => Agg::Count,
            (_, Some(f), ..) => Agg::Distinct(f.to_string()),
            (_, _, Some(f), _) => Agg::Min(f.to_string()),
            (_, _, _, Some(f)) => Agg::Max(f.to_string()),
            _ => return unsupported(format!("aggregation {call}")),
        };
        out.push((agg, name.to_string()));
    }
    Ok((out, by.split_whitespace().map(|f| f.trim_matches('\'').to_string()).collect()))
}

fn seconds(window: &str) -> Result<f64> {
    let (n, unit) = window.split_at(window.len().saturating_sub(1));
    let n: f64 = n.parse().map_err(|_| Unsupported(format!("window {window}")))?;
    let unit = match unit {
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        "d" => 86400.0,
        _ => return unsupported(format!("window {window}")),
    };
    Ok(n * unit)
}

/// Splits at `at` outside quotes, brackets and parentheses.
fn split(text: &str, at: char) -> Result<Vec<&str>> {
    let mut parts = Vec::new();
    let (mut start, mut depth, mut quote, mut escaped) = (0usize, 0usize, None, false);
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(_), _) if escaped => escaped = false,
            (Some('"'), '\\') => escaped = true,
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '(') => depth += 1,
            (None, ']' | ')') => depth = depth.checked_sub(1).ok_or_else(|| Unsupported(format!("`{c}` in {text}")))?,
            (None, c) if c == at && depth == 0 => {
                parts.push(&text[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    if quote.is_some() || depth != 0 {
        return unsupported(format!("unbalanced quotes or brackets in {text}"));
    }
    parts.push(&text[start..]);
    Ok(parts)
}

/// The byte offset of the `]` closing a bracket opened just before `text`.
fn closing_bracket(text: &str) -> Result<usize> {
    let mut depth = 0usize;
    let (mut quote, mut escaped) = (None, false);
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(_), _) if escaped => escaped = false,
            (Some('"'), '\\') => escaped = true,
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[') => depth += 1,
            (None, ']') if depth == 0 => return Ok(i),
            (None, ']') => depth -= 1,
            _ => {}
        }
    }
    unsupported(format!("unclosed bracket: {text}"))
}

fn time(event: &Event) -> Result<f64> {
    event.get("_time").and_then(super::number).ok_or_else(|| Unsupported("a result without `_time`".into()))
}

/// A number as eval writes it into a field: integers without a fraction.
fn text(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        value.to_string()
    }
}

fn group(event: &Event, by: &[String]) -> Option<Vec<String>> {
    by.iter().map(|f| event.get(f).map(str::to_string)).collect()
}

impl Pipeline {
    /// The results of the pipeline on `events` (each with `_time`, in seconds).
    pub fn run(&self, events: &[Event], folding: Folding) -> Result<Vec<Event>> {
        let mut rows: Vec<Event> = Vec::new();
        for stage in &self.stages {
            rows = match stage {
                Stage::Search(expr) => {
                    let mut kept = Vec::new();
                    for event in events {
                        if search::matches(expr, event, folding)? {
                            kept.push(event.clone());
                        }
                    }
                    let mut timed = kept.into_iter().map(|e| Ok((time(&e)?, e))).collect::<Result<Vec<_>>>()?;
                    timed.sort_by(|a, b| b.0.total_cmp(&a.0));
                    timed.into_iter().map(|(_, e)| e).collect()
                }
                Stage::Multisearch(branches) => {
                    let mut all = Vec::new();
                    for branch in branches {
                        all.extend(branch.run(events, folding)?);
                    }
                    all
                }
                Stage::Where(expr) => {
                    let mut kept = Vec::new();
                    for row in rows {
                        if eval::truthy(&eval::evaluate(expr, &row)?) {
                            kept.push(row);
                        }
                    }
                    kept
                }
                Stage::Eval(assignments) => {
                    let mut out = Vec::with_capacity(rows.len());
                    for mut row in rows {
                        for (name, expr) in assignments {
                            match eval::evaluate(expr, &row)? {
                                Val::Null => row.fields.remove(name),
                                Val::Str(s) => row.fields.insert(name.clone(), s),
                                Val::Num(n) => row.fields.insert(name.clone(), text(n)),
                                Val::Bool(b) => return unsupported(format!("eval {name}={b}")),
                            };
                        }
                        out.push(row);
                    }
                    out
                }
                Stage::SortByTime => {
                    let mut timed = rows.into_iter().map(|e| Ok((time(&e)?, e))).collect::<Result<Vec<_>>>()?;
                    timed.sort_by(|a, b| a.0.total_cmp(&b.0));
                    timed.into_iter().map(|(_, e)| e).collect()
                }
                Stage::Streamstats { window_s, agg, out, by } => streamstats(rows, *window_s, agg, out, by)?,
                Stage::Stats { aggs, by } => stats(rows, aggs, by)?,
            };
        }
        Ok(rows)
    }
}

fn streamstats(rows: Vec<Event>, window_s: f64, agg: &Agg, out: &str, by: &[String]) -> Result<Vec<Event>> {
    let mut windows: BTreeMap<Vec<String>, VecDeque<(f64, Option<String>)>> = BTreeMap::new();
    let mut result = Vec::with_capacity(rows.len());
    for mut row in rows {
        let Some(key) = group(&row, by) else {
            result.push(row);
            continue;
        };
        let t = time(&row)?;
        let window = windows.entry(key).or_default();
        while window.front().is_some_and(|(s, _)| (t - s).abs() > window_s) || window.len() >= MAX_STREAM_WINDOW {
            window.pop_front();
        }
        let value = match agg {
            Agg::Count => None,
            Agg::Distinct(f) => row.get(f).map(str::to_string),
            _ => return unsupported(format!("streamstats {agg:?}")),
        };
        window.push_back((t, value));
        let n = match agg {
            Agg::Count => window.len(),
            _ => window.iter().filter_map(|(_, v)| v.as_deref()).collect::<BTreeSet<_>>().len(),
        };
        row.fields.insert(out.to_string(), n.to_string());
        result.push(row);
    }
    Ok(result)
}

fn stats(rows: Vec<Event>, aggs: &[(Agg, String)], by: &[String]) -> Result<Vec<Event>> {
    let mut groups: BTreeMap<Vec<String>, Vec<Event>> = BTreeMap::new();
    for row in rows {
        if let Some(key) = group(&row, by) {
            groups.entry(key).or_default().push(row);
        }
    }
    let mut out = Vec::new();
    for (key, members) in groups {
        let mut row = Event::default();
        for (field, value) in by.iter().zip(key) {
            row.fields.insert(field.clone(), value);
        }
        for (agg, name) in aggs {
            let numbers = |f: &str| members.iter().filter_map(|m| m.get(f).and_then(super::number)).collect::<Vec<_>>();
            let value = match agg {
                Agg::Count => Some(members.len() as f64),
                Agg::Min(f) => numbers(f).into_iter().reduce(f64::min),
                Agg::Max(f) => numbers(f).into_iter().reduce(f64::max),
                Agg::Distinct(f) => Some(members.iter().filter_map(|m| m.get(f)).collect::<BTreeSet<_>>().len() as f64),
            };
            if let Some(v) = value {
                row.fields.insert(name.clone(), text(v));
            }
        }
        out.push(row);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(time: f64, fields: serde_json::Value) -> Event {
        let mut e = Event::from_json(&fields, "ras", "ras:x").expect("event");
        e.fields.insert("_time".into(), text(time));
        e
    }

    #[test]
    fn streamstats_counts_an_inclusive_window_per_group() {
        let p = parse(
            "index=\"ras\" a=\"x\" | streamstats time_window=1m count AS c BY k | where c >= 3 \
             | stats max(c) AS c min(_time) AS first BY k",
        )
        .expect("parses");
        let e = |t, k| event(t, json!({"a": "x", "k": k}));
        // k=1: three events within 60s (ends inclusive); k=2: 61s apart, never 3.
        let events = [e(0.0, "1"), e(30.0, "1"), e(60.0, "1"), e(0.0, "2"), e(30.0, "2"), e(61.0, "2")];
        let out = p.run(&events, Folding::Ascii).expect("runs");
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].get("k"), Some("1"));
        assert_eq!(out[0].get("c"), Some("3"));
        assert_eq!(out[0].get("first"), Some("0"), "stats sees only the rows the where kept");
    }

    #[test]
    fn multisearch_sequences_order_their_steps() {
        let p = parse(
            "| multisearch\n    [search a=\"1\" | eval s=1, key='u']\n    [search a=\"2\" | eval s=2, key='u']\n\
             | where isnotnull(key)\n| eval t1=if(s=1, _time, null()), t2=if(s=2, _time, null())\n\
             | stats min(t1) AS f1 max(t2) AS l2 BY key\n| where f1 < l2 AND l2 - f1 <= 100",
        )
        .expect("parses");
        let e = |t, a, u| event(t, json!({"a": a, "u": u}));
        let events = [e(10.0, "1", "x"), e(50.0, "2", "x"), e(50.0, "1", "y"), e(10.0, "2", "y"), e(0.0, "1", "z")];
        let out = p.run(&events, Folding::Ascii).expect("runs");
        assert_eq!(out.iter().map(|r| r.get("key").unwrap_or("")).collect::<Vec<_>>(), ["x"]);
        assert_eq!(out[0].get("l2"), Some("50"));
    }

    #[test]
    fn distinct_counts_and_unsupported_commands() {
        let p = parse("a=\"1\" | streamstats time_window=10s dc('p') AS n BY k").expect("parses");
        let e = |t, p| event(t, json!({"a": "1", "k": "h", "p": p}));
        let out = p.run(&[e(0.0, "1"), e(1.0, "1"), e(2.0, "2")], Folding::Ascii).expect("runs");
        // Newest first: 2, then 1 (two values), then 1 again (still two).
        assert_eq!(out.iter().map(|r| r.get("n").unwrap_or("")).collect::<Vec<_>>(), ["1", "2", "2"]);
        assert!(parse("a=1 | dedup k").is_err());
        assert!(parse("| multisearch [search a=1]").is_err(), "one branch");
        assert!(parse("a=1 | streamstats count AS c BY k").is_err(), "no time window");
        assert!(parse("a=1 | stats avg(x) AS y BY k").is_err());
    }
}
