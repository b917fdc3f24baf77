#!/usr/bin/env python3
"""Build-speed benchmark: `python3 bench/run.py [--runs N] [--sigma-runs N] [--work DIR]`.

Generates the 10,000-step tree (500 flows, thresholds and sequences mixed, by
`gen_tree.py`), then measures in one run, each command several times and the
Scalpel and sigma-cli runs interleaved so that a busy machine slows both alike:

- `scalpel check`, `scalpel build` (all targets, and `--target splunk`), `scalpel
  events`, `scalpel test`; the build also with 1 and 2 threads (`RAYON_NUM_THREADS`);
- sigma-cli converting Scalpel's own Sigma output for the same tree to Splunk (and
  whatever other `--sigma-targets`), after `pip install sigma-cli` and the backends;
- the I/O floor: reading the inputs and writing the bytes the build wrote (`cp -r`);
- `scalpel check --target sigma` of one flow of 1,000 and of 30,000 steps (a sequence over
  every hundredth step): the time per step must not grow.

It prints medians of wall time and of CPU time (user + system, which a machine shared
with other work inflates less), peak RSS, and the ratios. Nothing here is a pass/fail
test: the figures go into README.md by hand, with the command that made them.

The Sigma rules of a sequence whose first member is a threshold chain one correlation
onto another, which pySigma's backends do not convert; those files (one per flow) are
left out of sigma-cli's input, so sigma-cli converts fewer rules than Scalpel builds.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SIGMA_PACKAGES = {
    "splunk": "pysigma-backend-splunk",
    "kusto": "pysigma-backend-kusto",
    "eql": "pysigma-backend-elasticsearch",
}


def run_once(argv, env=None, cwd=None):
    """Wall seconds, CPU seconds (user + system) and peak RSS (MiB) of one run."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=cwd)
    # wait4 gives the child's own rusage: the same counters `/usr/bin/time -v` prints.
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"`{' '.join(argv)}` failed ({code}):\n{err[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


class Measure:
    def __init__(self, name, argv, env=None, before=None):
        self.name, self.argv, self.env, self.before = name, argv, env, before
        self.samples = []

    def run(self):
        if self.before:
            self.before()
        self.samples.append(run_once(self.argv, self.env))

    def median(self, i):
        return statistics.median(s[i] for s in self.samples)

    def row(self):
        rss = max(s[2] for s in self.samples)
        return f"| {self.name} | {self.median(0):.2f} | {self.median(1):.2f} | {rss:.0f} | {len(self.samples)} |"


def rmtree(path):
    return lambda: shutil.rmtree(path, ignore_errors=True)


def env_threads(n):
    env = dict(os.environ)
    env["RAYON_NUM_THREADS"] = str(n)
    return env


def generate(work, scalpel, flows):
    tree = os.path.join(work, "tree")
    shutil.rmtree(work, ignore_errors=True)
    subprocess.run([sys.executable, os.path.join(HERE, "gen_tree.py"), tree, "--flows", str(flows)], check=True)
    # Sigma output for sigma-cli: the same rules, built once (not timed).
    sigma_out = os.path.join(work, "sigma-rules")
    subprocess.run([scalpel, "build", tree, "--target", "sigma", "-o", sigma_out], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return tree, sigma_out


def sigma_inputs(sigma_out):
    files = []
    for root, _, names in os.walk(os.path.join(sigma_out, "sigma")):
        files.extend(os.path.join(root, n) for n in names if n.endswith(".yml") and not n.endswith("_seq.yml"))
    return sorted(files)


def install_sigma(targets):
    if shutil.which("sigma") is None or os.environ.get("BENCH_PIP_INSTALL"):
        packages = ["sigma-cli"] + [SIGMA_PACKAGES[t] for t in targets]
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", *packages], check=True)
    return shutil.which("sigma")


def single_flow(work, scalpel, steps):
    tree = os.path.join(work, f"flow{steps}")
    subprocess.run([sys.executable, os.path.join(HERE, "gen_tree.py"), tree, "--pathological", "flow",
                    "--flow-steps", str(steps)], check=True)
    # Sigma only: a KQL query over a 300-member sequence is above Sentinel's length limit (E0510).
    return Measure(f"check --target sigma, one flow of {steps} steps",
                   [scalpel, "check", tree, "--target", "sigma", "-A", "warnings"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each Scalpel command")
    parser.add_argument("--sigma-runs", type=int, default=3, help="runs of each sigma-cli conversion")
    parser.add_argument("--sigma-targets", default="splunk", help="comma-separated: splunk, kusto, eql")
    parser.add_argument("--flows", type=int, default=500, help="flows of 20 steps in the generated tree")
    parser.add_argument("--work", default="/tmp/scalpel-bench")
    parser.add_argument("--scalpel", default=os.path.join(REPO, "target", "release", "scalpel"))
    args = parser.parse_args()
    if not os.environ.get("BENCH_NO_CARGO"):
        subprocess.run(["cargo", "build", "--release", "-q"], cwd=REPO, check=True)
    scalpel = args.scalpel
    sigma_targets = [t for t in args.sigma_targets.split(",") if t]
    sigma = install_sigma(sigma_targets)
    tree, sigma_out = generate(args.work, scalpel, args.flows)
    w = lambda name: os.path.join(args.work, name)  # noqa: E731
    inputs = sigma_inputs(sigma_out)

    check = Measure("scalpel check", [scalpel, "check", tree])
    build = Measure("scalpel build (all targets)", [scalpel, "build", tree, "-o", w("out")], before=rmtree(w("out")))
    splunk = Measure("scalpel build --target splunk", [scalpel, "build", tree, "--target", "splunk", "-o", w("spl")],
                     before=rmtree(w("spl")))
    one = Measure("scalpel build, 1 thread", build.argv[:-1] + [w("out1")], env_threads(1), rmtree(w("out1")))
    two = Measure("scalpel build, 2 threads", build.argv[:-1] + [w("out2")], env_threads(2), rmtree(w("out2")))
    events = Measure("scalpel events", [scalpel, "events", tree, "-o", w("ev")], before=rmtree(w("ev")))
    test = Measure("scalpel test", [scalpel, "test", tree])
    # The floor: read every input, write the bytes `build` wrote (the first build's output).
    floor = Measure("I/O floor (read inputs, cp -r the build output)",
                    ["sh", "-c", f"cat {tree}/*.det >/dev/null && cp -r {w('out')} {w('floor')}"],
                    before=rmtree(w("floor")))
    sigmas = {
        t: Measure(f"sigma-cli convert -t {t} ({len(inputs)} rules)",
                   [sigma, "convert", "-t", t, "--without-pipeline", "-o", w(f"sigma-{t}.txt"), *inputs])
        for t in sigma_targets
    }
    scalpel_side = {"splunk": splunk}
    for t in sigma_targets:
        target = {"kusto": "kql", "eql": "elastic"}.get(t, t)
        if target not in scalpel_side:
            scalpel_side[t] = Measure(f"scalpel build --target {target}",
                                      [scalpel, "build", tree, "--target", target, "-o", w(f"t-{target}")],
                                      before=rmtree(w(f"t-{target}")))

    rounds = max(args.runs, args.sigma_runs)
    for r in range(rounds):
        print(f"round {r + 1}/{rounds}", file=sys.stderr)
        if r < args.runs:
            for m in [check, build, floor, *scalpel_side.values(), one, two, events, test]:
                m.run()
        if r < args.sigma_runs:
            for m in sigmas.values():
                m.run()
    flows = [single_flow(args.work, scalpel, n) for n in (1000, 30000)]
    for _ in range(args.runs):
        for m in flows:
            m.run()

    everything = [check, build, *scalpel_side.values(), one, two, events, test, floor, *sigmas.values(), *flows]
    print(f"\n{args.flows * 20} steps ({args.flows} flows), {os.cpu_count()} cores; medians\n")
    print("| command | wall (s) | CPU (s) | peak RSS (MiB) | runs |\n|---|---:|---:|---:|---:|")
    for m in everything:
        print(m.row())
    print("\nratios (wall, CPU):")
    for t, m in sigmas.items():
        ours = scalpel_side[t]
        print(f"- sigma-cli {t} / {ours.name}: {m.median(0) / ours.median(0):.1f}x, "
              f"{m.median(1) / ours.median(1):.1f}x")
    print(f"- build / I/O floor: {build.median(0) / floor.median(0):.1f}x, {build.median(1) / floor.median(1):.1f}x")
    print(f"- build 1 thread / 2 threads: {one.median(0) / two.median(0):.2f}x wall")
    small, large = flows
    per = [m.median(1) / n * 1e6 for m, n in ((small, 1000), (large, 30000))]
    print(f"- one flow, CPU per step: {per[0]:.0f} µs at 1,000 steps, {per[1]:.0f} µs at 30,000")


if __name__ == "__main__":
    main()
