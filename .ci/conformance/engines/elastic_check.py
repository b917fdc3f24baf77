"""Elastic's reference EQL engine (PyPI `eql`) and Elasticsearch's ES|QL grammar (`esql-parser`)
on every Elastic query we emit. Runs in the pySigma 1 virtualenv, where both are installed.

EQL: each `.eql` is parsed with Elasticsearch's syntax, then run on its rule's synthetic events
(the `_bulk` replay file: Elastic field names, `@timestamp`, `event.dataset`), one scenario
(`_case`) at a time so scenarios cannot combine; an event matches when it is in any result. The
result must equal `_expect` from the canonical file: one row per event. ES|QL (thresholds) is parsed
only: no engine here evaluates it.

usage: python elastic_check.py BUILD_DIR OUT.json
"""
# Not named eql_*: the eql package imports every module on sys.path with that prefix as a plug-in.

import json
import sys
from collections import OrderedDict
from datetime import datetime
from pathlib import Path

import eql
from antlr4 import CommonTokenStream, InputStream
from antlr4.error.ErrorListener import ErrorListener
from eql.parser import allow_runs, elasticsearch_syntax
from esql_parser.EsqlBaseLexer import EsqlBaseLexer
from esql_parser.EsqlBaseParser import EsqlBaseParser


def nested(flat):
    """Dotted keys → objects, as Elasticsearch reads `device.id` in a document."""
    out = {}
    for key, value in flat.items():
        parts = key.split(".")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


def millis(text):
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def scenarios(events_dir, flow, item):
    """[(case, [(line, expect, document)])] in file order, or None without events."""
    canonical = events_dir / flow / f"{item}.jsonl"
    bulk = events_dir / flow / f"{item}.elastic-bulk.ndjson"
    if not canonical.is_file() or not bulk.is_file():
        return None
    expectations = [json.loads(line) for line in canonical.read_text().splitlines() if line.strip()]
    documents = [json.loads(line) for line in bulk.read_text().splitlines()[1::2]]
    groups = OrderedDict()
    for number, (expect, document) in enumerate(zip(expectations, documents), 1):
        groups.setdefault(expect["_case"], []).append((number, expect["_expect"], document))
    return list(groups.items())


def run_eql(query, events):
    """The line numbers of the events that appear in any result of `query`."""
    engine = eql.PythonEngine({"time_unit": 1000})  # event times are epoch milliseconds
    engine.add_query(query)
    hits = set()

    def collect(output):
        for event in getattr(output, "events", [output]):
            hits.add(event.data["_line"])

    engine.add_output_hook(collect)
    stream = []
    for number, _, document in events:
        data = nested(document)
        data["_line"] = number
        stream.append(eql.Event("generic", millis(document["@timestamp"]), data))
    engine.stream_events(sorted(stream, key=lambda e: (e.time, e.data["_line"])))
    engine.finalize()
    return hits


def check_eql(path, events_dir, flow):
    row = {"artifact": str(path), "kind": "elastic eql", "engine": "eql (Python engine)"}
    try:
        # `with runs=N` (a threshold step of a sequence) is Elasticsearch syntax the parser
        # accepts only when asked.
        with elasticsearch_syntax, allow_runs:
            query = eql.parse_query(path.read_text())
    except eql.EqlError as error:
        return [dict(row, ok=False, detail=f"does not parse: {error}".replace("\n", " "))]
    except ValueError as error:  # the engine's own failure, not a syntax error it reports
        return [dict(row, ok=False, detail=f"engine error: {type(error).__name__}: {error}")]
    groups = scenarios(events_dir, flow, path.stem)
    if groups is None:
        return [dict(row, ok=True, detail="parses (no events)")]
    rows = []
    for case, events in groups:
        hits = run_eql(query, events)
        for number, expect, _ in events:
            got = number in hits
            rows.append(dict(row, artifact=f"{path}:{number}", ok=got == expect,
                             detail=f"({case}): expected {expect}, engine says {got}"))
    return rows


class Errors(ErrorListener):
    def __init__(self):
        self.errors = []

    def syntaxError(self, recognizer, symbol, line, column, message, error):
        self.errors.append(f"{line}:{column} {message}")


def check_esql(path):
    errors = Errors()
    lexer = EsqlBaseLexer(InputStream(path.read_text()))
    lexer.removeErrorListeners()
    lexer.addErrorListener(errors)
    parser = EsqlBaseParser(CommonTokenStream(lexer))
    parser.removeErrorListeners()
    parser.addErrorListener(errors)
    parser.singleStatement()
    return [{"artifact": str(path), "kind": "elastic esql", "engine": "esql-parser", "ok": not errors.errors,
             "detail": "; ".join(errors.errors) or "parses"}]


def main():
    build, out = Path(sys.argv[1]), Path(sys.argv[2])
    events_dir = build / "events"
    rows = []
    for path in sorted((build / "elastic").glob("*/*.eql")):
        rows += check_eql(path, events_dir, path.parent.name)
    for path in sorted((build / "elastic").glob("*/*.esql")):
        rows += check_esql(path)
    out.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
