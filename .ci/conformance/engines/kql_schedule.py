"""Scheduled replay of every Sentinel analytic rule with real KQL execution: duckdb-kql runs the
rule's `query` (the YAML's, slice filter included) on DuckDB tables typed after our custom-table
schemas, once per scheduled run, with `now` at the run's time (so `ago()` is relative to it, as
in Sentinel), over the events of `[now - queryPeriod, now)` that have arrived. Each
result row is one alert (`eventGroupingSettings: AlertPerResult`); the rule keeps to its own
slice, so no other deduplication applies. See `../schedule.py`.

A query duckdb-kql cannot translate (`prev()`, the `ipv4_*`/`ipv6_*` functions, `\\uXXXX`
escapes) gives one row saying so, which known-differences.toml explains.

usage: python kql_schedule.py CONFORMANCE_DIR BUILD_DIR OUT.json
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, sys.argv[1])

import duckdb  # noqa: E402
import duckdb_kql  # noqa: E402
import schedule  # noqa: E402

ENGINE = "duckdb-kql"
KIND = "scheduled kql"
TYPES = {"string": "VARCHAR", "long": "BIGINT", "real": "DOUBLE", "bool": "BOOLEAN", "datetime": "TIMESTAMP"}


def yaml_scalar(text, key):
    """A top-level `key: value` of the rule YAML (our writer's plain scalars)."""
    for line in text.splitlines():
        if line.startswith(f"{key}: "):
            return line.split(": ", 1)[1].strip()
    raise KeyError(key)


def yaml_query(text):
    """The `query: |-` block of the rule YAML, de-indented."""
    lines = text.splitlines()
    start = lines.index("query: |-") + 1
    body = []
    for line in lines[start:]:
        if not line.startswith("  "):
            break
        body.append(line[2:])
    return "\n".join(body)


def pascal(schema):
    return "".join(part[:1].upper() + part[1:] for part in schema.replace("-", "_").split("_") if part)


class Tables:
    """The rule's events, per Log Analytics table, as rows in the column layout Sentinel stores."""

    def __init__(self, build, flow, item, canonical):
        self.columns = {}
        self.rows = {}  # line → (table, {column: value})
        by_table = {}
        for number, line in enumerate(canonical, 1):
            by_table.setdefault(f"Ras{pascal(line['_source'])}_CL", []).append(number)
        for table, numbers in by_table.items():
            schema = json.loads((build / "kql/tables" / f"{table}.json").read_text())
            self.columns[table] = [(c["Name"], c["Type"]) for c in schema["Properties"]]
            ingested = json.loads((build / "events" / flow / f"{item}.sentinel-{table}.json").read_text())
            for number, values in zip(numbers, ingested):
                self.rows[number] = (table, values)

    def schema(self):
        return {table: [name for name, _ in columns] for table, columns in self.columns.items()}

    def place(self, con, placed):
        """Loads a placement's events, their times moved as placed, into `<table>__all` (with
        the line of each in `_line`); `show` then picks a run's events from them."""
        for table, columns in self.columns.items():
            declared = ", ".join(f'"{n}" {TYPES[t]}' for n, t in columns)
            con.execute(f'CREATE OR REPLACE TABLE "{table}__all" (_line BIGINT, {declared})')
            rows = []
            for p in placed:
                if self.rows[p.line][0] != table:
                    continue
                values = self.rows[p.line][1]
                row = [p.line]
                for name, kind in columns:
                    if name == "TimeGenerated":
                        row.append(schedule.naive(p.time))
                    else:
                        # Log Analytics has no null string: a missing field reads "".
                        row.append(values.get(name, "" if kind == "string" else None))
                rows.append(row)
            if rows:
                con.executemany(f'INSERT INTO "{table}__all" VALUES ({", ".join("?" * (len(columns) + 1))})', rows)

    def show(self, con, events):
        """Makes every table hold exactly `events`."""
        lines = [p.line for p in events]
        for table, columns in self.columns.items():
            names = ", ".join(f'"{n}"' for n, _ in columns)
            con.execute(f'CREATE OR REPLACE TABLE "{table}" AS SELECT {names} FROM "{table}__all" '
                        f"WHERE list_contains(?, _line)", [lines])


def check_rule(build, path):
    flow, item = path.parent.name, path.stem
    artifact = str(path)
    text = path.read_text()
    canonical_file = build / "events" / flow / f"{item}.jsonl"
    threshold_file = build / "events" / flow / f"{item}.threshold.jsonl"
    windowed = threshold_file.is_file() or "scalpel_end" in text
    if threshold_file.is_file():
        canonical_file = threshold_file
        item = f"{item}.threshold"
    if not canonical_file.is_file():
        return [{"artifact": artifact, "kind": KIND, "engine": ENGINE, "ok": False, "detail": "no events"}]
    canonical = schedule.read_jsonl(canonical_file)
    query = yaml_query(text)
    rule = schedule.Schedule(
        interval=schedule.duration_ms(yaml_scalar(text, "queryFrequency")),
        back=schedule.duration_ms(yaml_scalar(text, "queryPeriod")),
    )
    tables = Tables(build, flow, item, canonical)
    # Translated once, against the tables' columns (its `join` needs them); each run binds its
    # own `now`, which `ago()` reads, as Sentinel evaluates `ago()` at the run's time.
    try:
        sql = duckdb_kql.to_sql(query, schema=tables.schema(), query_now=schedule.naive(schedule.ANCHOR_MS))
    except duckdb_kql.KqlError as error:
        message = str(error).splitlines()[0]
        return [{"artifact": artifact, "kind": KIND, "engine": ENGINE, "ok": False,
                 "detail": f"cannot run: {type(error).__name__}: {message}"}]
    con = duckdb.connect()
    rows = []

    def execute(events, t):
        tables.show(con, events)
        result = con.execute(sql, dict(sql.parameters, kqlnow=schedule.naive(t))).fetchall()
        # Every row is an alert of its own.
        return [object() for _ in result]

    for case, lines in schedule.scenarios(canonical):
        times = {n: schedule.millis(tables.rows[n][1]["TimeGenerated"]) for n in lines}
        want = schedule.promised([canonical[n - 1]["_expect"] for n in lines], windowed)
        for variant, placed in schedule.placements(times, rule):
            tables.place(con, placed)
            got, when = schedule.replay(placed, rule, execute, None, key_of_slice=True)
            rows.append(schedule.row(f"{artifact}:{lines[0]}", KIND, ENGINE, variant, case, want, got, when))
    return rows


def main():
    build, out = Path(sys.argv[2]), Path(sys.argv[3])
    rows = []
    for path in sorted((build / "kql").glob("*/*.yaml")):
        rows += check_rule(build, path)
    out.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
