"""The per-engine checks of the conformance stage, one function per engine.

Each takes the runner (where the engines are) and the build folder, runs an external engine in
its own environment and returns rows {artifact, kind, engine, ok, detail}. A check whose
artifacts are not in the build returns no rows; `run.py` lists what ran.
"""
import json
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import schedule  # the time line and alert counting of the scheduled replay (next to this file)


@dataclass
class Runner:
    oracles: Path
    root: Path
    work: Path
    # The tree being checked (`detections`, or the target tests' fixture tree).
    tree: str = "detections"
    # build folder → (rows, verdicts) of its Lucene run (`lucene_verdicts`).
    lucene_cache: dict = field(default_factory=dict)

    def python(self, venv):
        return str(self.oracles / venv / "bin/python")

    def engine(self, name):
        return str(self.root / ".ci/conformance/engines" / name)

    def run(self, command, **kwargs):
        kwargs.setdefault("cwd", self.work)
        return subprocess.run(command, capture_output=True, text=True, **kwargs)

    def rows_from(self, command):
        """Runs an engine script that writes its rows as JSON to the path it is given last."""
        result_file = self.work / "rows.json"
        result_file.unlink(missing_ok=True)
        done = self.run(command + [str(result_file)])
        if done.returncode != 0 or not result_file.exists():
            raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
        return json.loads(result_file.read_text())


def sigma_check(run, build):
    """`sigma check -i`: every rule parses, and no validator reports an issue."""
    sigma = build / "sigma"
    if not sigma.is_dir():
        return []
    # pySigma would download ATT&CK data to validate tags; give it our catalog instead.
    seeded = run.run([run.python("venv"), run.engine("seed_pysigma_attack.py"),
                      str(run.root / "compiler/data/attack-catalog.json"), str(run.work)])
    if seeded.returncode != 0:
        raise RuntimeError(seeded.stderr)
    config = run.root / ".ci/conformance/sigma-validation.yml"
    done = run.run([str(run.oracles / "venv/bin/sigma"), "check", "-i", "-c", str(config), str(sigma)])
    issues = re.findall(r"^issue=(\S+) .*?rule=(\S+)", done.stdout, re.M)
    rows = [{"artifact": rule, "kind": "sigma rule", "engine": "sigma check -i", "ok": False, "detail": issue}
            for issue, rule in issues]
    if done.returncode != 0 and not issues:  # a parse error, or the tool itself failing
        detail = (done.stdout + done.stderr)[-500:]
        return rows + [{"artifact": str(sigma), "kind": "sigma rule", "engine": "sigma check -i", "ok": False,
                        "detail": detail}]
    flagged = {rule for _, rule in issues}
    rows += [{"artifact": str(p), "kind": "sigma rule", "engine": "sigma check -i", "ok": True, "detail": ""}
             for p in sorted(sigma.rglob("*.yml")) if str(p) not in flagged]
    return rows


def pysigma_convert(run, build):
    """pySigma's own backends convert every rule and correlation (Splunk, Lucene, EQL, ES|QL, Kusto)."""
    if not (build / "sigma").is_dir():
        return []
    return run.rows_from([run.python("venv"), run.engine("sigma_convert.py"), str(build / "sigma")])


def navigator_layers(run, build):
    """MITRE's layer loader reads every ATT&CK Navigator layer without losing anything."""
    layers = build / "coverage/navigator"
    if not layers.is_dir():
        return []
    return run.rows_from([run.python("venv-attack"), run.engine("navigator_load.py"), str(layers)])


def html_report_renders(run, build):
    """Chromium renders the coverage report with every flow graph and step node the file has."""
    html = build / "coverage/coverage.html"
    if not html.is_file():
        return []
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run",
             f"--user-data-dir={run.work / 'chromium-profile'}"]
    done = run.run(["chromium", *flags, "--dump-dom", html.as_uri()], timeout=120)
    source = html.read_text()
    counts = []
    for marker in ['<svg class="flow-graph"', '<g class="step ']:
        counts.append((marker, source.count(marker), done.stdout.count(marker)))
    ok = done.returncode == 0 and all(want == got and want > 0 for _, want, got in counts)
    detail = ", ".join(f"{m!r}: {got} of {want}" for m, want, got in counts)
    screenshot = run.run(["chromium", *flags, f"--screenshot={run.work / 'coverage.png'}",
                          "--window-size=1400,2000", html.as_uri()], timeout=120)
    png = run.work / "coverage.png"
    if screenshot.returncode != 0 or not png.is_file() or png.stat().st_size < 20_000:
        ok, detail = False, detail + f"; screenshot failed or blank: {screenshot.stderr[-300:]}"
    return [{"artifact": str(html), "kind": "coverage report", "engine": "chromium", "ok": ok, "detail": detail}]


def sigma_sqlite(run, build):
    """pySigma 2's SQLite backend runs every Sigma rule and correlation on its events."""
    if not (build / "sigma").is_dir():
        return []
    return run.rows_from([run.python("venv-sigma2"), run.engine("sigma_sqlite.py"), str(build)])


def kusto(run, build):
    """Kusto.Language analyses every KQL query against the custom tables we declare."""
    kql = build / "kql"
    if not kql.is_dir():
        return []
    return run.rows_from(["node", run.engine("kusto_check.js"), str(run.oracles / "npm"), str(kql)])


def splunk_app(run, build):
    """ksconf (strict) and Splunk's add-on factory parser read every file of the Splunk app; the
    app's ids, searches and filter macros hang together."""
    if not (build / "splunk").is_dir():
        return []
    return run.rows_from([run.python("venv-splunk"), run.engine("splunk_app.py"), str(build / "splunk")])


def eql_and_esql(run, build):
    """The `eql` engine parses and runs every EQL query on its events; ES|QL's grammar parses the rest."""
    if not (build / "elastic").is_dir():
        return []
    return run.rows_from([run.python("venv"), run.engine("elastic_check.py"), str(build)])


def lucene(run, build):
    """Apache Lucene parses every Lucene query rule and runs it on its events (MemoryIndex)."""
    return lucene_verdicts(run, build)[0]


def lucene_verdicts(run, build):
    """The Lucene rows, and Lucene's verdict per event (`<query path>:<line>` → matched), once per
    build: the batch check and the scheduled replay read the same run."""
    if build in run.lucene_cache:
        return run.lucene_cache[build]
    queries = sorted((build / "lucene/elastic").glob("*/*.lucene"))
    if not queries:
        return [], {}
    types = {}
    for template in sorted((build / "elastic/index-templates").glob("*.json")):
        properties = json.loads(template.read_text())["template"]["mappings"]["properties"]
        types[template.stem] = {name: spec["type"] for name, spec in properties.items()}
    field = lambda v: "".join(f"%{ord(c):02X}" if c in "%\t\n\r" else c for c in v)
    record = lambda *values: "\t".join(field(str(v)) for v in values) + "\n"
    script, expected = [], {}
    for path in queries:
        canonical = build / "events" / path.parent.name / f"{path.stem}.jsonl"
        bulk = build / "events" / path.parent.name / f"{path.stem}.elastic-bulk.ndjson"
        lines = [json.loads(line) for line in canonical.read_text().splitlines()]
        documents = [json.loads(line) for line in bulk.read_text().splitlines()[1::2]]
        for name, kind in types.get(lines[0]["_source"], {}).items():
            script.append(record("T", name, {"date": "keyword", "constant_keyword": "keyword"}.get(kind, kind)))
        script.append(record("Q", path, path.read_text().rstrip("\n")))
        for number, (line, document) in enumerate(zip(lines, documents), 1):
            event_id = f"{path}:{number}"
            expected[event_id] = (line["_expect"], line["_case"])
            values = [v for name, value in document.items() if not name.startswith("@")
                      for v in (name, "true" if value is True else "false" if value is False else value)]
            script.append(record("E", event_id, *values))
    done = run.run(["java", "-cp", f"{run.oracles / 'lucene'}/*:{run.oracles / 'lucene'}", "LuceneCheck"],
                   input="".join(script))
    if done.returncode != 0:
        raise RuntimeError(f"LuceneCheck failed:\n{done.stderr[-2000:]}")
    rows, verdicts = [], {}
    for line in done.stdout.splitlines():
        verdict, subject, rest = (line.split(" ", 2) + [""])[:3]
        if verdict == "ERROR":
            rows.append({"artifact": subject, "kind": "elastic lucene", "engine": "Apache Lucene", "ok": False,
                         "detail": f"does not parse: {rest}"})
        elif verdict == "MATCH":
            expect, case = expected[subject]
            got = rest == "true"
            verdicts[subject] = got
            rows.append({"artifact": subject, "kind": "elastic lucene", "engine": "Apache Lucene",
                         "ok": got == expect, "detail": f"({case}): expected {expect}, engine says {got}"})
    run.lucene_cache[build] = rows, verdicts
    return rows, verdicts


def scheduled_kql(run, build):
    """Scheduled replay of every Sentinel rule: duckdb-kql runs its query once per scheduled run."""
    if not (build / "kql").is_dir():
        return []
    return run.rows_from([run.python("venv-kql"), run.engine("kql_schedule.py"), str(run.root / ".ci/conformance"),
                          str(build)])


def scheduled_eql(run, build):
    """Scheduled replay of every Kibana EQL rule: the `eql` engine runs it once per scheduled run."""
    if not (build / "elastic").is_dir():
        return []
    return run.rows_from([run.python("venv"), run.engine("elastic_schedule.py"), str(run.root / ".ci/conformance"),
                          str(build)])


def scheduled_lucene(run, build):
    """Scheduled replay of every Kibana query rule in Lucene. Its query reads one event at a time,
    so a run's result on the events it sees is exactly the events Lucene matched in the batch
    check (`lucene_verdicts`, one Lucene run); the schedule (`interval`, `from`) and Kibana's
    deduplication by source event are applied to those verdicts by `schedule.py`."""
    rules_file = build / "lucene/elastic/rules.ndjson"
    if not rules_file.is_file():
        return []
    _, verdicts = lucene_verdicts(run, build)
    engine, kind, rows = "Apache Lucene", "scheduled lucene", []
    # Lines end at "\n" only: a rule's JSON holds U+2028 and U+0085 unescaped, which
    # `splitlines` would also cut at.
    for text in filter(None, rules_file.read_text().split("\n")):
        rule = json.loads(text)
        if rule["type"] != "query" or rule.get("language") != "lucene":
            continue
        flow, item = rule["name"].split(" ", 1)[0], rule["name"].split(" ", 2)[1].rstrip(":")
        query = build / "lucene/elastic" / flow / f"{item}.lucene"
        canonical = schedule.read_jsonl(build / "events" / flow / f"{item}.jsonl")
        bulk = schedule.read_jsonl(build / "events" / flow / f"{item}.elastic-bulk.ndjson")[1::2]
        plan = schedule.Schedule(interval=schedule.duration_ms(rule["interval"]),
                                 back=schedule.duration_ms(rule["from"].removeprefix("now-")))
        matched = lambda seen, _t: [(p.line,) for p in seen if verdicts.get(f"{query}:{p.line}")]
        for case, lines in schedule.scenarios(canonical):
            times = {n: schedule.millis(bulk[n - 1]["@timestamp"]) for n in lines}
            want = schedule.promised([canonical[n - 1]["_expect"] for n in lines], False)
            for variant, placed in schedule.placements(times, plan):
                got, when = schedule.replay(placed, plan, matched, schedule.Suppression())
                rows.append(schedule.row(f"{query}:{lines[0]}", kind, engine, variant, case, want, got, when))
    return rows


def scheduled_spl(run, build):
    """Scheduled replay of every Splunk saved search: the project's SPL interpreter (a Rust test,
    `driver/tests/splunk_scheduled.rs`, which builds the tree itself) runs it once per run."""
    if not (build / "splunk").is_dir():
        return []
    result_file = run.work / "rows.json"
    result_file.unlink(missing_ok=True)
    env = dict(os.environ, SCALPEL_SCHEDULED_TREE=str(run.root / run.tree), SCALPEL_SCHEDULED_ROWS=str(result_file))
    done = run.run(["cargo", "test", "--quiet", "-p", "scalpel-driver", "--test", "splunk_scheduled", "--",
                    "--exact", "every_splunk_rule_alerts_once_per_match_on_its_schedule"], env=env, cwd=run.root)
    if done.returncode != 0 or not result_file.exists():
        raise RuntimeError(f"splunk_scheduled failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return json.loads(result_file.read_text())


# The scheduled replay (docs/testing.md, "Scheduled replay"): its rows' kinds start with
# "scheduled", and run.py reports them in a matrix of their own.
SCHEDULED = [scheduled_spl, scheduled_kql, scheduled_eql, scheduled_lucene]

ALL = [sigma_check, pysigma_convert, sigma_sqlite, kusto, splunk_app, eql_and_esql, lucene, navigator_layers, html_report_renders] + SCHEDULED
