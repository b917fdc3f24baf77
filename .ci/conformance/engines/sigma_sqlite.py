"""pySigma 2 with its SQLite backend: the one engine that evaluates Sigma rules *and* correlations.
Runs in the pySigma 2 virtualenv.

Each flow folder is one collection (a sequence references its steps' rules). Every rule and
correlation is converted to SQL and run over its rule's synthetic events, loaded into a fresh
in-memory table `logs` (one column per field, `timestamp` from the event time), one scenario
(`_case`) at a time. A plain rule must return exactly the events whose `_expect` is true; a
correlation must list exactly those events as evidence of its alerts. One row per event.

usage: python sigma_sqlite.py BUILD_DIR OUT.json
"""
import json
import re
import sqlite3
import sys
from collections import OrderedDict
from pathlib import Path

from sigma.backends.sqlite import sqliteBackend
from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationRule


def events_file(build, rule_file, correlation, threshold):
    """The events of a rule file `<flow>/<flow>_<item>.yml`: `<item>.jsonl`, or the threshold scenarios."""
    flow = rule_file.parent.name
    item = rule_file.stem[len(flow) + 1:]
    suffix = ".threshold" if correlation and threshold else ""
    canonical = build / "events" / flow / f"{item}{suffix}.jsonl"
    bulk = build / "events" / flow / f"{item}{suffix}.elastic-bulk.ndjson"
    return canonical, bulk


def scenarios(canonical, bulk):
    lines = [json.loads(line) for line in canonical.read_text().splitlines() if line.strip()]
    times = [json.loads(line)["@timestamp"] for line in bulk.read_text().splitlines()[1::2]]
    groups = OrderedDict()
    for number, (line, time) in enumerate(zip(lines, times), 1):
        fields = {k: v for k, v in line.items() if not k.startswith("_")}
        fields["timestamp"] = time
        groups.setdefault(line["_case"], []).append((number, line["_expect"], fields))
    return groups


def run(sql, events):
    """The line numbers the query returns (plain rules) or cites as evidence (correlations)."""
    db = sqlite3.connect(":memory:")
    db.create_function("regexp", 2, lambda p, v: v is not None and re.search(p, str(v)) is not None,
                       deterministic=True)
    quote = lambda c: '"' + c.replace('"', '""') + '"'
    columns = sorted({c for _, _, fields in events for c in fields})
    # `_line` names each row; the events' own fields never start with `_`.
    db.execute(f"CREATE TABLE logs (_line INTEGER, {', '.join(quote(c) for c in columns)})")
    rowid_to_line = {}
    for number, _, fields in events:
        cursor = db.execute(f"INSERT INTO logs VALUES (?, {', '.join('?' * len(columns))})",
                            [number] + [fields.get(c) for c in columns])
        rowid_to_line[cursor.lastrowid] = number
    while True:
        try:
            cursor = db.execute(sql)
            break
        except sqlite3.OperationalError as error:  # a field no event of this scenario has: NULL column
            missing = re.match(r"no such column: (.+)", str(error))
            if not missing:
                raise
            column = missing.group(1).strip("`\"")
            db.execute(f"ALTER TABLE logs ADD COLUMN {quote(column)}")
    names = [d[0] for d in cursor.description]
    hits = set()
    for row in cursor:
        record = dict(zip(names, row))
        if "event_ids" in record:
            hits.update(rowid_to_line[int(e.split(":")[-1])] for e in json.loads(record["event_ids"]))
        else:
            hits.add(record["_line"])
    return hits


def main():
    build, out = Path(sys.argv[1]), Path(sys.argv[2])
    backend = sqliteBackend()
    rows = []
    for flow in sorted(p for p in (build / "sigma").iterdir() if p.is_dir()):
        files = sorted(flow.glob("*.yml"))
        collection = SigmaCollection.load_ruleset([str(f) for f in files])
        # A threshold step's file holds its rule and its count correlation; a sequence's file
        # holds only the correlation.
        threshold_files = {r.source.path for r in collection.rules if not isinstance(r, SigmaCorrelationRule)}
        # A correlation is converted from its rules' results: rules first. A threshold step's
        # plain rule is not output on its own (its correlation alerts), but its condition is
        # still checked on the step's single events, so it is converted as if it were.
        for rule in sorted(collection.rules, key=lambda r: isinstance(r, SigmaCorrelationRule)):
            correlation = isinstance(rule, SigmaCorrelationRule)
            path = Path(rule.source.path)
            canonical, bulk = events_file(build, path, correlation, path in threshold_files)
            kind = "sigma correlation" if correlation else "sigma rule"
            row = {"kind": kind, "engine": "pySigma 2 → SQLite"}
            try:
                if correlation:
                    queries = backend.convert_correlation_rule(rule)
                else:
                    rule._output = True
                    queries = backend.convert_rule(rule)
            except Exception as error:  # the backend's refusal is the result
                rows.append(dict(row, artifact=str(path), ok=False, detail=f"{type(error).__name__}: {error}"[:300]))
                continue
            if not canonical.is_file():
                rows.append(dict(row, artifact=str(path), ok=False, detail=f"no events at {canonical}"))
                continue
            for case, events in scenarios(canonical, bulk).items():
                hits = set().union(*(run(sql, events) for sql in queries))
                for number, expect, _ in events:
                    got = number in hits
                    rows.append(dict(row, artifact=f"{path}:{number}", ok=got == expect,
                                     detail=f"({case}): expected {expect}, engine says {got}"))
    out.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
