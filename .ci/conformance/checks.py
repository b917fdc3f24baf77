"""The per-engine checks of the conformance stage, one function per engine.

Each takes the runner (where the engines are) and the build folder, runs an external engine in
its own environment and returns rows {artifact, kind, engine, ok, detail}. A check whose
artifacts are not in the build returns no rows; `run.py` lists what ran.
"""
import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Runner:
    oracles: Path
    root: Path
    work: Path

    def python(self, venv):
        return str(self.oracles / venv / "bin/python")

    def engine(self, name):
        return str(self.root / ".ci/conformance/engines" / name)

    def run(self, command, **kwargs):
        return subprocess.run(command, capture_output=True, text=True, cwd=self.work, **kwargs)

    def rows_from(self, command):
        """Runs an engine script that writes its rows as JSON to the path it is given last."""
        result_file = self.work / "rows.json"
        result_file.unlink(missing_ok=True)
        done = self.run(command + [str(result_file)])
        if done.returncode != 0 or not result_file.exists():
            raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
        return json.loads(result_file.read_text())


def sigma_check(run, build):
    """`sigma check -i`: every rule parses, and no validator reports an issue."""
    sigma = build / "sigma"
    if not sigma.is_dir():
        return []
    # pySigma would download ATT&CK data to validate tags; give it our catalog instead.
    seeded = run.run([run.python("venv"), run.engine("seed_pysigma_attack.py"),
                      str(run.root / "compiler/data/attack-catalog.json"), str(run.work)])
    if seeded.returncode != 0:
        raise RuntimeError(seeded.stderr)
    config = run.root / ".ci/conformance/sigma-validation.yml"
    done = run.run([str(run.oracles / "venv/bin/sigma"), "check", "-i", "-c", str(config), str(sigma)])
    issues = re.findall(r"^issue=(\S+) .*?rule=(\S+)", done.stdout, re.M)
    rows = [{"artifact": rule, "kind": "sigma rule", "engine": "sigma check -i", "ok": False, "detail": issue}
            for issue, rule in issues]
    if done.returncode != 0 and not issues:  # a parse error, or the tool itself failing
        detail = (done.stdout + done.stderr)[-500:]
        return rows + [{"artifact": str(sigma), "kind": "sigma rule", "engine": "sigma check -i", "ok": False,
                        "detail": detail}]
    flagged = {rule for _, rule in issues}
    rows += [{"artifact": str(p), "kind": "sigma rule", "engine": "sigma check -i", "ok": True, "detail": ""}
             for p in sorted(sigma.rglob("*.yml")) if str(p) not in flagged]
    return rows


def pysigma_convert(run, build):
    """pySigma's own backends convert every rule and correlation (Splunk, Lucene, EQL, ES|QL, Kusto)."""
    if not (build / "sigma").is_dir():
        return []
    return run.rows_from([run.python("venv"), run.engine("sigma_convert.py"), str(build / "sigma")])


def navigator_layers(run, build):
    """MITRE's layer loader reads every ATT&CK Navigator layer without losing anything."""
    layers = build / "coverage/navigator"
    if not layers.is_dir():
        return []
    return run.rows_from([run.python("venv-attack"), run.engine("navigator_load.py"), str(layers)])


def html_report_renders(run, build):
    """Chromium renders the coverage report with every flow graph and step node the file has."""
    html = build / "coverage/coverage.html"
    if not html.is_file():
        return []
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run",
             f"--user-data-dir={run.work / 'chromium-profile'}"]
    done = run.run(["chromium", *flags, "--dump-dom", html.as_uri()], timeout=120)
    source = html.read_text()
    counts = []
    for marker in ['<svg class="flow-graph"', '<g class="step ']:
        counts.append((marker, source.count(marker), done.stdout.count(marker)))
    ok = done.returncode == 0 and all(want == got and want > 0 for _, want, got in counts)
    detail = ", ".join(f"{m!r}: {got} of {want}" for m, want, got in counts)
    screenshot = run.run(["chromium", *flags, f"--screenshot={run.work / 'coverage.png'}",
                          "--window-size=1400,2000", html.as_uri()], timeout=120)
    png = run.work / "coverage.png"
    if screenshot.returncode != 0 or not png.is_file() or png.stat().st_size < 20_000:
        ok, detail = False, detail + f"; screenshot failed or blank: {screenshot.stderr[-300:]}"
    return [{"artifact": str(html), "kind": "coverage report", "engine": "chromium", "ok": ok, "detail": detail}]


ALL = [sigma_check, pysigma_convert, navigator_layers, html_report_renders]
