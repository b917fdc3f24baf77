"""Splunk's .conf format, read by parsers nobody here wrote, on every Splunk app we build.

Runs in the venv-splunk virtualenv (ksconf and addonfactory-splunk-conf-parser-lib from PyPI).
Every .conf and .meta file of the app must parse under ksconf's strict profile (a repeated
stanza or key is an error, as it is a silent merge in Splunk) and under Splunk's add-on
factory parser; then the app must hang together the way Splunk reads it:
- default/app.conf has [package] id equal to the app's folder, and [launcher] version;
- every saved search ends in `| `<macro>``, a macro of default/macros.conf whose definition
  is `search *`, and every macro is used by exactly one search;
- stanza names are at most 81 characters (ES's clone name must fit in 99) and unique after
  case folding.

usage: python splunk_app.py SPLUNK_DIR OUT.json
"""
import json
import re
import sys
from pathlib import Path

from addonfactory_splunk_conf_parser_lib import TABConfigParser
from ksconf.conf.parser import PARSECONF_STRICT, parse_conf


def row(artifact, kind, ok, detail):
    return {"artifact": str(artifact), "kind": kind, "engine": "ksconf + addonfactory conf parser", "ok": ok,
            "detail": detail}


def parse(path):
    """The file as ksconf reads it (strict), after the add-on factory parser also read it."""
    TABConfigParser().read(str(path))
    profile = dict(PARSECONF_STRICT, keep_comments=False)
    return parse_conf(str(path), profile=profile)


def check_app(app):
    rows = []
    confs = {}
    for path in sorted(list(app.rglob("*.conf")) + list(app.rglob("*.meta"))):
        try:
            confs[path.relative_to(app).as_posix()] = parse(path)
            rows.append(row(path, "splunk .conf file", True, ""))
        except Exception as error:  # either parser refusing the file is the finding
            rows.append(row(path, "splunk .conf file", False, f"does not parse: {error}"))
    missing = [f for f in ("default/app.conf", "default/savedsearches.conf", "default/macros.conf",
                           "metadata/default.meta") if f not in confs]
    if missing:
        return rows + [row(app, "splunk app", False, f"missing or unreadable: {missing}")]

    problems = []
    package = confs["default/app.conf"].get("package", {})
    if package.get("id") != app.name:
        problems.append(f"[package] id {package.get('id')!r} is not the folder name {app.name!r}")
    if not confs["default/app.conf"].get("launcher", {}).get("version"):
        problems.append("no [launcher] version")
    macros = {name: keys for name, keys in confs["default/macros.conf"].items() if name != "default"}
    searches = {name: keys for name, keys in confs["default/savedsearches.conf"].items() if name != "default"}
    used = {}
    folded = {}
    for name, keys in searches.items():
        if len(name) > 81:
            problems.append(f"[{name}] is {len(name)} characters, more than 81")
        if name.lower() in folded:
            problems.append(f"[{name}] and [{folded[name.lower()]}] are one stanza after case folding")
        folded[name.lower()] = name
        found = re.search(r"\| `([A-Za-z0-9_]+)`$", keys.get("search", ""))
        if not found:
            problems.append(f"[{name}] does not end in a filter macro")
            continue
        macro = found.group(1)
        used[macro] = used.get(macro, 0) + 1
        if macros.get(macro, {}).get("definition") != "search *":
            problems.append(f"[{name}] calls `{macro}`, which macros.conf does not define as `search *`")
    for macro in macros:
        if used.get(macro) != 1:
            problems.append(f"macro [{macro}] is used by {used.get(macro, 0)} searches, not one")
    detail = "; ".join(problems[:5]) if problems else f"{len(searches)} searches, {len(macros)} filter macros"
    return rows + [row(app, "splunk app", not problems, detail)]


def main():
    splunk, out = Path(sys.argv[1]), Path(sys.argv[2])
    rows = []
    for app_conf in sorted(splunk.glob("*/default/app.conf")):
        rows += check_app(app_conf.parent.parent)
    if not rows:
        rows.append(row(splunk, "splunk app", False, "no app (no */default/app.conf) in the build"))
    out.write_text(json.dumps(rows))


if __name__ == "__main__":
    main()
