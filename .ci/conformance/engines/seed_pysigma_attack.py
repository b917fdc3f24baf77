"""Gives pySigma's ATT&CK tag validator our catalog instead of a download.

pySigma fetches enterprise-attack.json from GitHub the first time a tag is validated; CI has no
network, and our rules also carry ICS and Mobile techniques. We write a minimal STIX bundle (the
collection version, tactics with their short names, techniques with their ids) from
`compiler/data/attack-catalog.json`, point pySigma at it and load it once, which fills pySigma's
disk cache so that a later `sigma check` process reads it from there.

usage: python seed_pysigma_attack.py CATALOG.json WORKDIR
"""
import json
import sys
from pathlib import Path

from sigma.data import mitre_attack


def reference(external_id):
    return [{"source_name": "mitre-attack", "external_id": external_id}]


def bundle(catalog):
    objects = [{"type": "x-mitre-collection", "x_mitre_version": catalog["version"]}]
    for tactic in catalog["tactics"].values():
        objects.append({
            "type": "x-mitre-tactic",
            "x_mitre_shortname": tactic["shortname"],
            "external_references": reference(tactic["id"]),
        })
    shortnames = {t["id"]: t["shortname"] for t in catalog["tactics"].values()}
    for technique in catalog["techniques"].values():
        phases = [{"kill_chain_name": "mitre-attack", "phase_name": shortnames[t]}
                  for t in technique.get("tactics", []) if t in shortnames]
        objects.append({
            "type": "attack-pattern",
            "name": technique["name"],
            "kill_chain_phases": phases,
            "revoked": technique.get("revoked", False),
            "x_mitre_deprecated": technique.get("deprecated", False),
            "external_references": reference(technique["id"]),
        })
    for mitigation in catalog["mitigations"].values():
        objects.append({"type": "course-of-action", "name": mitigation["name"],
                        "external_references": reference(mitigation["id"])})
    return {"type": "bundle", "objects": objects}


def main():
    catalog = json.loads(Path(sys.argv[1]).read_text())
    out = Path(sys.argv[2]) / "attack-bundle.json"
    out.write_text(json.dumps(bundle(catalog)))
    mitre_attack.set_url(str(out))
    print(f"pySigma ATT&CK data: version {mitre_attack.mitre_attack_version}, "
          f"{len(mitre_attack.mitre_attack_techniques)} techniques, {len(mitre_attack.mitre_attack_tactics)} tactics")


if __name__ == "__main__":
    main()
