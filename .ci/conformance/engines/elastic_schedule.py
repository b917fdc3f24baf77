"""Scheduled replay of every Kibana EQL rule (single steps and sequences) with Elastic's `eql`
engine: each scheduled run (`interval`) evaluates the rule's query on the events of
`[now - from, now)` that have arrived, and Kibana's deduplication applies: an alert's id derives
from its source events, so a match found again by a later, overlapping run is not raised again.
ES|QL rules are not replayed: no engine here evaluates ES|QL (the batch stage parses them only).
See `../schedule.py`.

usage: python elastic_schedule.py CONFORMANCE_DIR BUILD_DIR OUT.json
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, sys.argv[1])
sys.path.insert(0, str(Path(sys.argv[1]) / "engines"))

import eql  # noqa: E402
from eql.parser import allow_runs, elasticsearch_syntax  # noqa: E402
from elastic_check import nested  # noqa: E402
import schedule  # noqa: E402

ENGINE = "eql (Python engine)"
KIND = "scheduled eql"
# The bound that keeps the replay to minutes: a scenario of more events than this (the threshold
# steps of sequences, `with runs=N`, whose scenarios carry N + 1 events, up to 502) is not
# replayed: every run that sees a different set of its events runs the Python engine on
# hundreds of events, some thousand runs per placement. Such a scenario gives a row marked
# `skipped` (counted apart in the matrix, never as agreed); the batch check runs it once.
MAX_EVENTS = 40


def matches(query, placed, documents):
    """The alerts of one run: per result, the lines of its source events."""
    engine = eql.PythonEngine({"time_unit": 1000})
    engine.add_query(query)
    found = []

    def collect(output):
        found.append(tuple(sorted(event.data["_line"] for event in getattr(output, "events", [output]))))

    engine.add_output_hook(collect)
    stream = []
    for p in placed:
        data = nested({k: v for k, v in documents[p.line].items() if k != "@timestamp"})
        data["@timestamp"] = schedule.iso(p.time)
        data["_line"] = p.line
        stream.append(eql.Event("generic", p.time, data))
    engine.stream_events(sorted(stream, key=lambda e: (e.time, e.data["_line"])))
    engine.finalize()
    return found


def check_rule(build, rule):
    flow, item = rule["name"].split(" ", 1)[0], rule["name"].split(" ", 2)[1].rstrip(":")
    artifact = str(build / "elastic" / flow / f"{item}.eql")
    canonical_file = build / "events" / flow / f"{item}.jsonl"
    bulk_file = build / "events" / flow / f"{item}.elastic-bulk.ndjson"
    if not canonical_file.is_file() or not bulk_file.is_file():
        return [{"artifact": artifact, "kind": KIND, "engine": ENGINE, "ok": False, "detail": "no events"}]
    try:
        with elasticsearch_syntax, allow_runs:
            query = eql.parse_query(rule["query"])
    except (eql.EqlError, ValueError) as error:  # ValueError: the engine's own failure (its unescaping)
        message = str(error).splitlines()[0][:200]
        return [{"artifact": artifact, "kind": KIND, "engine": ENGINE, "ok": False,
                 "detail": f"cannot run: {type(error).__name__}: {message}"}]
    canonical = schedule.read_jsonl(canonical_file)
    documents = dict(enumerate(schedule.read_jsonl(bulk_file)[1::2], 1))
    windowed = rule["query"].startswith("sequence")
    plan = schedule.Schedule(interval=schedule.duration_ms(rule["interval"]),
                             back=schedule.duration_ms(rule["from"].removeprefix("now-")))
    rows = []
    for case, lines in schedule.scenarios(canonical):
        times = {n: schedule.millis(documents[n]["@timestamp"]) for n in lines}
        want = schedule.promised([canonical[n - 1]["_expect"] for n in lines], windowed)
        if len(lines) > MAX_EVENTS:
            rows.append({"artifact": f"{artifact}:{lines[0]}", "kind": KIND, "engine": ENGINE, "ok": False,
                         "skipped": True, "detail": f"({case}): {len(lines)} events, over the bound of {MAX_EVENTS}"})
            continue
        for variant, placed in schedule.placements(times, plan):
            got, when = schedule.replay(placed, plan, lambda seen, _t: matches(query, seen, documents),
                                        schedule.Suppression())
            rows.append(schedule.row(f"{artifact}:{lines[0]}", KIND, ENGINE, variant, case, want, got, when))
    return rows


def main():
    build, out = Path(sys.argv[2]), Path(sys.argv[3])
    rows = []
    for line in (build / "elastic/rules.ndjson").read_text().split("\n"):
        if not line:
            continue
        rule = json.loads(line)
        if rule["type"] == "eql":
            rows += check_rule(build, rule)
    out.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
