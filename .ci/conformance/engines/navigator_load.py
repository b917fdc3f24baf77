"""MITRE's own layer loader (mitreattack-python) on every Navigator layer we write.

Runs in the mitreattack-python virtualenv. A layer passes when it loads, and exporting it again
keeps its domain, every top-level key and every technique (the loader silently drops what it
does not understand, so a lost key means the Navigator would not show it either).

usage: python navigator_load.py LAYER_DIR OUT.json
"""
import json
import sys
from pathlib import Path

from mitreattack.navlayers import Layer


def check(path):
    source = json.loads(path.read_text())
    layer = Layer()
    layer.from_file(str(path))
    loaded = layer.to_dict()
    if loaded is None:
        return False, "the loader returned no layer"
    lost = sorted(set(source) - set(loaded))
    if lost:
        return False, f"keys lost on load: {lost}"
    if loaded["domain"] != source["domain"]:
        return False, f"domain {source['domain']} became {loaded['domain']}"
    if len(loaded["techniques"]) != len(source["techniques"]):
        return False, f"{len(source['techniques'])} techniques, {len(loaded['techniques'])} after loading"
    return True, f"{source['domain']}: {len(source['techniques'])} techniques"


def main():
    layers, out = Path(sys.argv[1]), Path(sys.argv[2])
    rows = []
    for path in sorted(layers.glob("*.json")):
        try:
            ok, detail = check(path)
        except Exception as error:  # the loader's refusal is the result
            ok, detail = False, f"{type(error).__name__}: {error}"
        rows.append({"artifact": str(path), "kind": "navigator layer", "engine": "mitreattack-python",
                     "ok": ok, "detail": detail})
    out.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
