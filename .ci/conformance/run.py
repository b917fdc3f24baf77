#!/usr/bin/env python3
"""Conformance stage: every artifact of `scalpel build detections/`, checked by engines nobody on
this project wrote, on the synthetic events (`scalpel events`, into the build's `events/`) whose
answer our reference evaluator knows.

usage: python3 .ci/conformance/run.py [--oracles DIR] [--out DIR] [--scalpel CMD] [--generated]
                                      [--only scheduled|CHECK,...]

`--only scheduled` runs the scheduled replay alone (`--only lucene,scheduled_lucene` names checks
of `checks.py`); entries of known-differences.toml about checks that did not run are not stale.

`--generated` checks, instead of the shipped and fixture trees, the tree of generated cases that
`driver/tests/generated.rs` writes (every operator, value and field-name class; the same seed as
the in-process test), so the external engines judge what the SPL interpreter and sigma-rust judge
there; the matrix then counts the generated cases per engine.

Each check yields rows {artifact, kind, engine, ok, detail}. A row that is not ok must match an
entry of known-differences.toml (engine, kind, a piece of the detail, optionally a piece of the
artifact's path, and the reason); an entry
that matches nothing is stale and fails too, so the file stays true. An entry may also name a
`query`, a regex the artifact's text must hold. Prints the agreement matrix
(artifact kind × engine: checked, agreed, known differences, disagreed, and skipped: rows an
engine's bound leaves out, e.g. the EQL replay's largest scenarios), once for the batch
checks and once for the scheduled replay (`schedule.py`), and writes every row to
OUT/report.json. Exit 1 on any unexplained disagreement.
"""
import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))

import checks  # noqa: E402  (the per-engine checks, next to this file)


def quiet(command):
    """Runs a scalpel command; its warnings are not shown, but its errors are, when it fails
    (a refused output folder, E08xx, says how to proceed)."""
    done = subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        sys.exit(f"conformance: `{' '.join(command)}` failed with status {done.returncode}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--oracles", default=os.environ.get("ORACLES", str(Path.home() / ".cache/scalpel-oracles")))
    # Under cargo's target folder, wherever CARGO_TARGET_DIR puts it.
    target_dir = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    parser.add_argument("--out", default=str(target_dir / "conformance"))
    parser.add_argument("--scalpel", default="cargo run --quiet --release --")
    parser.add_argument("--generated", action="store_true", help="check the generated cases instead")
    parser.add_argument("--only", help="`scheduled`, or check names of checks.py, comma-separated")
    args = parser.parse_args()
    out = Path(args.out)
    run = checks.Runner(oracles=Path(args.oracles), root=ROOT, work=out)

    scalpel = shlex.split(args.scalpel)
    selected = checks.ALL
    if args.only:
        names = set(args.only.split(","))
        selected = [c for c in checks.ALL if c.__name__ in names or ("scheduled" in names and c in checks.SCHEDULED)]
        if not selected:
            sys.exit(f"conformance: --only {args.only} names no check of checks.py")
    rows = []
    # The shipped content, and the target tests' fixture tree: every operator, and values
    # with quotes, backslashes, wildcards, pipes, newlines and non-ASCII letters.
    trees = [("detections", out / "build"), ("targets/tests/fixtures/tree", out / "fixture")]
    if args.generated:
        generated = out / "generated-tree"
        write_generated_tree(generated)
        trees = [(str(generated), out / "generated")]
    for tree, build in trees:
        quiet(scalpel + ["build", tree, "--out", str(build)])
        # The rules' events, where the checks look for them (`events/` of the build).
        quiet(scalpel + ["events", tree, "--out", str(build / "events")])
        quiet(scalpel + ["build", tree, "--target", "elastic", "--elastic-language", "lucene",
                         "--out", str(build / "lucene")])
        if tree == "detections":
            quiet(scalpel + ["coverage", tree, "--out", str(build / "coverage")])
        run.tree = tree
        for check in selected:
            found = check(run, build)
            print(f"  {tree}: {check.__name__}: {len(found)} results", flush=True)
            rows.extend(found)

    known = tomllib.loads((HERE / "known-differences.toml").read_text())["difference"]
    if args.generated:
        # The generated cases have their own list, kept true by the stale check; the shipped
        # trees' entries still explain what they describe, but are not required to match.
        shipped = [dict(entry, optional=True) for entry in known]
        known = tomllib.loads((HERE / "known-differences-generated.toml").read_text()).get("difference", []) + shipped
    used = [0] * len(known)
    for row in rows:
        row["status"] = "agreed" if row["ok"] else "skipped" if row.get("skipped") else "disagreed"
        if row["status"] != "disagreed":
            continue
        for index, entry in enumerate(known):
            if (entry["engine"] == row["engine"] and entry["kind"] == row["kind"] and entry["detail"] in row["detail"]
                    and entry.get("artifact", "") in row["artifact"] and query_matches(entry, row)):
                row["status"], row["reason"] = "known", entry["reason"]
                used[index] += 1
                break

    print("batch: every query on its events at once")
    print_matrix([r for r in rows if not r["kind"].startswith("scheduled")])
    print("scheduled: every rule run on its schedule, over its look-back, on late events (alerts counted)")
    print_matrix([r for r in rows if r["kind"].startswith("scheduled")])
    (out / "report.json").write_text(json.dumps(rows, indent=1, ensure_ascii=False))
    failures = [r for r in rows if r["status"] == "disagreed"]
    for row in failures[:40]:
        print(f"DISAGREED {row['engine']} on {row['kind']} {row['artifact']}: {row['detail']}")
    ran = {(r["engine"], r["kind"]) for r in rows}
    # A partial run (`--only`) cannot tell whether the entries of checks it left out are stale.
    stale = [entry for entry, n in zip(known, used) if n == 0 and not entry.get("optional")
             and (not args.only or (entry["engine"], entry["kind"]) in ran)]
    for entry in stale:
        print(f"STALE known difference (matches nothing, remove it): {entry['engine']} / {entry['kind']} / {entry['detail']}")
    if failures or stale:
        print(f"conformance: FAILED ({len(failures)} disagreements, {len(stale)} stale known differences)")
        return 1
    print(f"conformance: ok ({len(rows)} checks)")
    return 0


def query_matches(entry, row):
    """An entry's optional `query`: a regex the artifact's text (the rule or query) must hold, so
    that a known difference of an engine names the construct it is about."""
    if "query" not in entry:
        return True
    path = Path(re.sub(r":\d+$", "", row["artifact"]))
    return path.is_file() and re.search(entry["query"], path.read_text()) is not None


def write_generated_tree(folder):
    """The generated cases as a detection tree, written by the ignored test that shares the
    in-process test's generator and seed."""
    command = ["cargo", "test", "--quiet", "-p", "scalpel-driver", "--test", "generated", "--",
               "--ignored", "--exact", "write_generated_tree"]
    done = subprocess.run(command, cwd=ROOT, env={**os.environ, "SCALPEL_GENERATED_TREE": str(folder)},
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        sys.exit("conformance: the generated tree could not be written")


def print_matrix(rows):
    if not rows:
        print("  (no rows)")
        return
    cells = defaultdict(lambda: {"agreed": 0, "known": 0, "disagreed": 0, "skipped": 0})
    for row in rows:
        cells[(row["kind"], row["engine"])][row["status"]] += 1
    width = max(len(k) for k, _ in cells) + 2, max(len(e) for _, e in cells) + 2
    print()
    print(f"{'artifact kind':<{width[0]}}{'engine':<{width[1]}}{'checked':>8}{'agreed':>8}{'known':>7}{'disagreed':>10}"
          f"{'skipped':>9}")
    for (kind, engine), c in sorted(cells.items()):
        total = c["agreed"] + c["known"] + c["disagreed"]
        print(f"{kind:<{width[0]}}{engine:<{width[1]}}{total:>8}{c['agreed']:>8}{c['known']:>7}{c['disagreed']:>10}"
              f"{c['skipped']:>9}")
    print()


if __name__ == "__main__":
    sys.exit(main())
