//! The coverage report as one self-contained HTML file: inline CSS, inline SVG
//! drawn by [`graph`], no script and nothing loaded from the network (links to
//! ATT&CK pages are plain anchors, for `http:` and `https:` addresses only), under a
//! Content-Security-Policy that allows nothing else. Sections: the headline figures, a table of
//! contents, a summary table across flows, per flow its graph and a "detect and
//! mitigate" sheet (per step: coverage per target, its description and condition,
//! severity, telemetry, ATT&CK mitigations and data components), then the technique
//! table.
//!
//! Every text from the detections or the catalog goes through [`scalpel_targets::markup::escape`];
//! the markup itself is well-formed XML so a test can parse it strictly.

mod graph;

use super::{Counts, Coverage, FlowCoverage, Link, Mitigation, Status, StepCoverage, TargetResult};
use scalpel_targets::markup::escape;
use std::fmt::Write;

const STYLE: &str = include_str!("report.css");

/// The report needs nothing but its own inline style and SVG: no script, no frame,
/// no form, nothing fetched, so a value that escaped its markup could still do nothing.
const CONTENT_SECURITY_POLICY: &str = "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
     style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\"/>\n";

/// A link to `url` around `html` (already markup), when `url` is an `http:` or
/// `https:` address; any other scheme from a bundle (`javascript:`, `data:`) or a
/// malformed address leaves `html` as plain text.
fn anchor(url: &str, html: &str) -> String {
    if web_url(url) {
        format!("<a href=\"{}\">{html}</a>", escape(url))
    } else {
        html.to_string()
    }
}

fn web_url(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &url[8..]
    } else if lower.starts_with("http://") {
        &url[7..]
    } else {
        return false;
    };
    !rest.is_empty() && !rest.starts_with('/') && url.chars().all(|c| c.is_ascii_graphic())
}

pub fn render(coverage: &Coverage) -> String {
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n");
    out.push_str(CONTENT_SECURITY_POLICY);
    let _ = writeln!(out, "<title>{}</title>", escape(&format!("ATT&CK coverage — {}", coverage.tree)));
    let _ = writeln!(out, "<style>\n{STYLE}</style>\n</head>\n<body>");
    header(&mut out, coverage);
    contents(&mut out, coverage);
    flow_table(&mut out, coverage);
    for (index, flow) in coverage.flows.iter().enumerate() {
        flow_section(&mut out, flow, index, coverage.targets.len());
    }
    technique_table(&mut out, coverage);
    out.push_str("</body>\n</html>\n");
    out
}

fn header(out: &mut String, coverage: &Coverage) {
    let _ = write!(
        out,
        "<header>\n<h1>ATT&amp;CK coverage of <code>{}</code></h1>\n<p class=\"meta\">ATT&amp;CK v{} · targets: {} · \
         collected telemetry: {} of {} schemas ({})</p>\n",
        escape(&coverage.tree),
        escape(&coverage.attack_version),
        escape(&coverage.targets.join(", ")),
        coverage.collected.len(),
        coverage.schemas.len(),
        escape(&coverage.collected.join(", "))
    );
    out.push_str("<div class=\"cards\">\n");
    let _ = writeln!(
        out,
        "<div class=\"card headline\"><div class=\"figure\">{}%</div><div>{} steps in {} flows</div>{}</div>",
        coverage.score,
        coverage.steps.total(),
        coverage.flows.len(),
        counts_bar(&coverage.steps)
    );
    for domain in &coverage.domains {
        let _ = writeln!(
            out,
            "<div class=\"card\"><div class=\"figure\">{}%</div><div>{} · {} techniques</div>{}</div>",
            domain.score,
            escape(&domain.domain),
            domain.techniques,
            counts_bar(&domain.counts)
        );
    }
    out.push_str("</div>\n<p class=\"legend\">");
    for status in Status::ALL {
        let _ = write!(out, "<span class=\"chip {}\">{}</span> ", status.as_str(), status.label());
    }
    out.push_str(
        "</p>\n<p class=\"explain\">A step is <b>detected</b> when the schema it reads is collected and every target \
         emitted its rule without error and can see its matches on its schedule (score 100; hover a target for its \
         alert delay), <b>partial</b> when some targets did (100 × targets with a rule / targets), <b>not detectable</b> when the flow says why it cannot be seen, <b>missing</b> otherwise (0). \
         Flow and overall scores are the mean of their steps; a technique's score is the mean of the steps naming \
         it. Hover a step in a graph for a summary; the sheet under it has each step's condition.</p>\n</header>\n",
    );
}

/// A stacked bar of the four statuses, with the counts as text for screen readers.
fn counts_bar(counts: &Counts) -> String {
    let total = counts.total().max(1);
    let mut out = String::from("<div class=\"bar\">");
    for status in Status::ALL {
        let n = counts.get(status);
        if n > 0 {
            let _ = write!(
                out,
                "<span class=\"{}\" style=\"width:{}%\" title=\"{n} {}\"></span>",
                status.as_str(),
                n * 100 / total,
                status.label()
            );
        }
    }
    let words: Vec<String> = Status::ALL.iter().map(|s| format!("{} {}", counts.get(*s), s.label())).collect();
    let _ = write!(out, "</div><div class=\"counts\">{}</div>", escape(&words.join(" · ")));
    out
}

/// The table of contents: the two tables, then every flow with its score.
fn contents(out: &mut String, coverage: &Coverage) {
    out.push_str(
        "<nav class=\"contents\" id=\"contents\">\n<h2>Contents</h2>\n<ol>\n<li><a href=\"#flows\">Flows</a>: one \
         row per flow</li>\n<li>Per flow, its graph and detect-and-mitigate sheet:\n<ol class=\"flow-list\">\n",
    );
    for (index, flow) in coverage.flows.iter().enumerate() {
        let _ = writeln!(
            out,
            "<li><a href=\"#flow-{index}\">{}</a> {} <span class=\"counts\">{}%</span></li>",
            escape(&flow.id),
            escape(&flow.title),
            flow.score
        );
    }
    out.push_str(
        "</ol></li>\n<li><a href=\"#techniques\">Techniques</a>: coverage per ATT&amp;CK technique</li>\n</ol>\n</nav>\n",
    );
}

fn flow_table(out: &mut String, coverage: &Coverage) {
    out.push_str(
        "<section id=\"flows\">\n<h2>Flows</h2>\n<table class=\"flows\">\n<thead><tr><th>flow</th><th>title</th><th>score</th>\
         <th>detected</th><th>partial</th><th>not detectable</th><th>missing</th><th>sequences detected</th></tr></thead>\n<tbody>\n",
    );
    for (index, flow) in coverage.flows.iter().enumerate() {
        let c = flow.counts;
        let sequences = flow.sequences.iter().filter(|s| s.status == Status::Detected).count();
        let _ = writeln!(
            out,
            "<tr><td><a href=\"#flow-{index}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{sequences} of {}</td></tr>",
            escape(&flow.id),
            escape(&flow.title),
            score_cell(flow.score),
            c.detected,
            c.partial,
            c.undetectable,
            c.missing,
            flow.sequences.len()
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

fn score_cell(score: f64) -> String {
    format!("<span class=\"score\"><span style=\"width:{}%\"></span></span> {score}%", score.round())
}

fn flow_section(out: &mut String, flow: &FlowCoverage, index: usize, targets: usize) {
    let _ = writeln!(
        out,
        "<section class=\"flow\" id=\"flow-{index}\">\n<h2>{} <span class=\"title\">{}</span> <span class=\"flow-score\">{}% \
         <a class=\"up\" href=\"#contents\">contents ↑</a></span></h2>",
        escape(&flow.id),
        escape(&flow.title),
        flow.score
    );
    if let Some(description) = &flow.description {
        let _ = writeln!(out, "<p class=\"description\">{}</p>", escape(description));
    }
    let _ = writeln!(out, "<div class=\"graph\">{}</div>", graph::flow_svg(flow, index, targets));
    out.push_str(
        "<table class=\"sheet\">\n<thead><tr><th>#</th><th>step</th><th>coverage</th><th>detection</th>\
         <th>mitigate (ATT&amp;CK mitigations)</th><th>data components</th></tr></thead>\n<tbody>\n",
    );
    for (i, step) in flow.steps.iter().enumerate() {
        sheet_row(out, i, step);
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

fn sheet_row(out: &mut String, i: usize, step: &StepCoverage) {
    let status = step.status;
    let _ = write!(
        out,
        "<tr class=\"{}\"><td>{}</td><td><b>{}</b><br/>{}<br/>{}</td><td><span class=\"chip {}\">{}</span>",
        status.as_str(),
        i + 1,
        escape(&step.id),
        escape(&step.title),
        match &step.no_technique {
            Some(reason) => format!("<span class=\"none\">no ATT&amp;CK technique: {}</span>", escape(reason)),
            None => links(&step.techniques, true),
        },
        status.as_str(),
        status.label()
    );
    if !step.targets.is_empty() {
        out.push_str(&target_list(&step.targets));
    }
    if let Some(why) = &step.why {
        let _ = write!(out, "<div class=\"why\">{}</div>", escape(why));
    }
    out.push_str("</td><td>");
    if let Some(description) = &step.description {
        let _ = write!(out, "<div class=\"step-description\">{}</div>", escape(description));
    }
    if let Some(condition) = &step.condition {
        let _ = write!(out, "<div class=\"condition\">detect <code>{}</code></div>", escape(condition));
    }
    for e in &step.exclusions {
        let until = e.expires.as_deref().map_or_else(|| "no expiry".to_string(), |d| format!("until {}", escape(d)));
        let _ = write!(
            out,
            "<div class=\"exclusion\">tuned: excludes <code>{}</code> (<b>{}</b> on <code>{}</code>, by {}, {until}): {}</div>",
            escape(&e.condition),
            escape(&e.name),
            escape(&e.scope),
            escape(&e.owner),
            escape(&e.reason)
        );
    }
    let _ = write!(out, "severity <b>{}</b>", step.severity.as_str());
    if let Some(t) = &step.telemetry {
        let collected = if t.collected { "" } else { " <span class=\"chip missing\">not collected</span>" };
        let fields: Vec<String> = t.fields.iter().map(|f| format!("<code>{}</code>", escape(f))).collect();
        let _ = write!(out, "<br/>reads <code>{}</code>{collected}: {}", escape(&t.schema), fields.join(" "));
        if let Some(threshold) = &t.threshold {
            let _ = write!(out, "<br/>threshold {}", escape(threshold));
        }
    }
    let _ = writeln!(
        out,
        "</td><td>{}</td><td>{}</td></tr>",
        mitigations(&step.mitigations),
        links(&step.data_components, false)
    );
}

/// Mitigations by name, each with every id it has (`M0947 · M1047 Audit`).
fn mitigations(items: &[Mitigation]) -> String {
    if items.is_empty() {
        return "<span class=\"none\">none in the catalog</span>".to_string();
    }
    let parts: Vec<String> = items
        .iter()
        .map(|m| {
            let ids: Vec<String> = m.ids.iter().map(|l| anchor(&l.url, &escape(&l.id))).collect();
            format!("{} {}", ids.join(" · "), escape(&m.name))
        })
        .collect();
    format!("<ul class=\"links\"><li>{}</li></ul>", parts.join("</li><li>"))
}

fn target_list(targets: &[TargetResult]) -> String {
    let mut out = String::from("<ul class=\"targets\">");
    for t in targets {
        let (class, mark) = if t.detects() { ("ok", "✓") } else { ("no", "✗") };
        let mut hover = vec![t.schedule.text()];
        hover.extend(t.notes.iter().cloned());
        let title = format!(" title=\"{}\"", escape(&hover.join("\n")));
        // The codes beside the target (`W0501`), the full messages on hover.
        let codes: Vec<&str> = t.notes.iter().filter_map(|n| n.split(' ').next()).collect();
        let codes = if codes.is_empty() { String::new() } else { format!(" ({})", escape(&codes.join(", "))) };
        let _ = write!(out, "<li class=\"{class}\"{title}>{mark} {}{codes}</li>", escape(&t.target));
    }
    out.push_str("</ul>");
    out
}

/// ATT&CK objects as links, `id name` each; `inline` keeps them on one line.
fn links(items: &[Link], inline: bool) -> String {
    if items.is_empty() {
        return "<span class=\"none\">none in the catalog</span>".to_string();
    }
    let parts: Vec<String> =
        items.iter().map(|l| format!("{} {}", anchor(&l.url, &escape(&l.id)), escape(&l.name))).collect();
    if inline {
        parts.join(" · ")
    } else {
        format!("<ul class=\"links\"><li>{}</li></ul>", parts.join("</li><li>"))
    }
}

fn technique_table(out: &mut String, coverage: &Coverage) {
    out.push_str(
        "<section id=\"techniques\">\n<h2>Techniques</h2>\n<table class=\"techniques\">\n<thead><tr><th>technique</th><th>domain</th>\
         <th>tactics</th><th>score</th><th>status</th><th>steps</th><th>targets</th><th>mitigations</th></tr></thead>\n<tbody>\n",
    );
    for t in &coverage.techniques {
        let tactics: Vec<String> = t.tactics.iter().map(|x| escape(&x.name)).collect();
        let uses: Vec<String> = t
            .uses
            .iter()
            .map(|u| {
                format!("<span class=\"chip {}\">{} / {}</span>", u.status.as_str(), escape(&u.flow), escape(&u.step))
            })
            .collect();

        let _ = writeln!(
            out,
            "<tr><td>{} {}</td><td>{}</td><td>{}</td><td>{}</td><td><span class=\"chip {}\">{}</span></td>\
             <td>{}</td><td>{}</td><td>{}</td></tr>",
            anchor(&t.url, &escape(&t.id)),
            escape(&t.name),
            escape(&t.domains.join(", ")),
            tactics.join(", "),
            score_cell(f64::from(t.score)),
            t.status.as_str(),
            t.status.label(),
            uses.join(" "),
            escape(&t.targets.join(", ")),
            mitigations(&t.mitigations)
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

#[cfg(test)]
mod tests {
    use super::{anchor, web_url};

    #[test]
    fn only_web_addresses_become_links() {
        for good in ["https://attack.mitre.org/techniques/T1078/", "HTTP://example.org/a?b=c&d"] {
            assert!(web_url(good), "{good}");
        }
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            " https://x.org",
            "data:text/html,<script>",
            "https:///x",
            "https://x.org/\u{202e}",
            "https://x.org/ a",
            "vbscript:x",
            "//x.org",
            "",
        ] {
            assert!(!web_url(bad), "{bad:?}");
        }
        assert_eq!(anchor("javascript:alert(1)", "T1078"), "T1078");
        assert_eq!(anchor("https://x.org/?a=\"b\"", "T"), "<a href=\"https://x.org/?a=&quot;b&quot;\">T</a>");
    }
}
