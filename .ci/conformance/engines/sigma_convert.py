"""pySigma 1.x: converts every emitted Sigma rule and correlation to each backend.

Runs in the pySigma 1 virtualenv. Each flow folder is one collection, so a correlation finds the
rules it references. Our rules use the custom logsource `product: ras, service: <schema>`, which
no shipped pipeline knows; the small pipelines below give it what each backend needs (an index and
sourcetype for Splunk, a table for Kusto, a dataset for Elastic), mirroring our own settings'
defaults.

usage: python sigma_convert.py SIGMA_DIR OUT.json
OUT.json: [{"artifact": path, "kind": "sigma rule"|"sigma correlation", "engine": "pysigma→<backend>",
            "ok": bool, "detail": str}]
"""
import json
import sys
from pathlib import Path

from sigma.backends.elasticsearch import EqlBackend, ESQLBackend, LuceneBackend
from sigma.backends.kusto import KustoBackend
from sigma.backends.splunk import SplunkBackend
from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationRule
from sigma.processing.pipeline import ProcessingPipeline


def pipeline(backend, services):
    """One transformation per schema: the logsource → what the backend needs to find its data."""
    items = []
    for service in sorted(services):
        when = [{"type": "logsource", "product": "ras", "service": service}]
        if backend == "splunk":
            items.append({"id": f"ras_{service}", "type": "add_condition", "rule_conditions": when,
                          "conditions": {"index": "ras", "sourcetype": f"ras:{service}"}})
        elif backend == "kusto":
            items.append({"id": f"ras_{service}", "type": "set_state", "rule_conditions": when,
                          "key": "query_table", "val": f"RAS_{service}_CL"})
        else:
            items.append({"id": f"ras_{service}", "type": "set_state", "rule_conditions": when,
                          "key": "index", "val": f"logs-ras.{service}-*"})
    return ProcessingPipeline.from_dict({"name": f"RAS for {backend}", "priority": 20, "transformations": items})


def depth(rule):
    """0 for a plain rule; for a correlation, one more than the deepest rule it references."""
    if not isinstance(rule, SigmaCorrelationRule):
        return 0
    return 1 + max((depth(reference.rule) for reference in rule.rules), default=0)


BACKENDS = {
    "splunk": SplunkBackend,
    "lucene": LuceneBackend,
    "eql": EqlBackend,
    "esql": ESQLBackend,
    "kusto": KustoBackend,
}


def main():
    sigma_dir, out = Path(sys.argv[1]), Path(sys.argv[2])
    flows = sorted(p for p in sigma_dir.iterdir() if p.is_dir())
    collections = {}
    services = set()
    for flow in flows:
        files = sorted(flow.glob("*.yml"))
        collection = SigmaCollection.load_ruleset([str(f) for f in files])
        collections[flow] = (files, collection)
        for rule in collection.rules:
            if not isinstance(rule, SigmaCorrelationRule) and rule.logsource.service:
                services.add(rule.logsource.service)
    rows = []
    for name, backend_class in BACKENDS.items():
        backend = backend_class(processing_pipeline=pipeline(name, services))
        for flow, (files, collection) in collections.items():
            collection.resolve_rule_references()
            # A correlation is converted from its rules' results: rules first, and a correlation
            # that chains another (a sequence over a threshold) after the one it chains.
            ordered = sorted(collection.rules, key=depth)
            for rule in ordered:
                kind = "sigma correlation" if isinstance(rule, SigmaCorrelationRule) else "sigma rule"
                artifact = str(rule.source.path) if rule.source else str(flow)
                try:
                    if isinstance(rule, SigmaCorrelationRule):
                        queries = backend.convert_correlation_rule(rule)
                    else:
                        queries = backend.convert_rule(rule)
                    if not queries and not rule._output:
                        # A threshold step's plain rule: its count correlation alerts instead.
                        ok, detail = True, "suppressed by a correlation (generate: false)"
                    else:
                        ok, detail = bool(queries), " | ".join(str(q) for q in queries)[:300]
                except Exception as error:  # a backend's refusal is a result, not a crash
                    ok, detail = False, f"{type(error).__name__}: {error}"[:300]
                rows.append({"artifact": artifact, "kind": kind, "engine": f"pysigma→{name}", "ok": ok,
                             "detail": detail})
    out.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
