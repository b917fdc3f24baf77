#!/usr/bin/env python3
"""Runs the Elastic oracles over what `elastic_conformance` dumped and tallies.

usage: elastic_oracles.py OUT [ORACLES]   (ORACLES defaults to $HOME/.cache/ras-oracles)

For each line of OUT/checks.tsv (engine, query, events, mapping) it runs
eql_oracle.py, lucene_oracle.py or esql_check.py. A query that does not parse is
a failure. An event whose answer differs from `_expect` is a known disagreement
when the event says why (`_known`, a documented limit of that engine), else a
failure. Prints per-engine figures and every disagreement; exits 1 on a failure.
"""
import json
import os
import re
import subprocess
import sys
from collections import Counter


def run(oracles, engine, query, events, mapping):
    if engine == "eql":
        cmd = [f"{oracles}/venv/bin/python", f"{oracles}/eql_oracle.py", "@" + query, events]
    elif engine == "lucene":
        cmd = ["python3", f"{oracles}/lucene_oracle.py", "@" + query, events, "--mapping", mapping]
    else:
        cmd = [f"{oracles}/venv/bin/python", f"{oracles}/esql_check.py", "@" + query]
    return subprocess.run(cmd, capture_output=True, text=True)


def main():
    out = sys.argv[1]
    oracles = sys.argv[2] if len(sys.argv) > 2 else os.path.expanduser("~/.cache/ras-oracles")
    stats = {e: Counter() for e in ("eql", "lucene", "esql")}
    problems, known = [], []
    for line in open(os.path.join(out, "checks.tsv")):
        engine, query, events, mapping = line.rstrip("\n").split("\t")
        result = run(oracles, engine, query, events, mapping)
        stats[engine]["queries"] += 1
        if result.returncode == 2 or (engine == "esql" and result.returncode):
            problems.append(f"{engine} {query}: does not parse\n{result.stdout}{result.stderr}")
            continue
        if events == "-":
            continue
        rows = [json.loads(l) for l in open(events) if l.strip()]
        mismatched = {int(n) for n in re.findall(r"MISMATCH line (\d+)", result.stderr)}
        for number, row in enumerate(rows, 1):
            if number not in mismatched:
                stats[engine]["agreed"] += 1
            elif "_known" in row:
                stats[engine]["known"] += 1
                known.append(f"{engine} {query} line {number}: {row['_known']}")
            else:
                stats[engine]["disagreed"] += 1
                problems.append(f"{engine} {query} line {number}: expected {row['_expect']}: {json.dumps(row)}")
        if result.returncode not in (0, 1):
            problems.append(f"{engine} {query}: oracle failed\n{result.stderr}")
    for engine, c in stats.items():
        print(f"{engine}: {c['queries']} queries, {c['agreed']} events agreed, "
              f"{c['known']} known disagreements, {c['disagreed']} unexplained disagreements")
    reasons = Counter(k.split(": ", 1)[1] for k in known)
    for reason, n in reasons.most_common():
        print(f"  known ({n}): {reason}")
    for p in problems:
        print("FAIL", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
