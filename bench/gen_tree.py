#!/usr/bin/env python3
"""Writes a generated detection tree for benchmarks: `gen_tree.py DIR [--flows N]`.

The same shape as `benches/check.rs` (20 steps per flow over eight schemas, so 500
flows are 10,000 steps): every fifth step a threshold, one sequence of three steps per
flow. `--pathological KIND` writes one detection instead: `or` (1,000 terms), `ne`
(200-term chain of `!=`), `in` (100,000 values), `regex` (100,000 characters) or
`flow` (one flow of 10,000 steps; `--flow-steps N` sets how many, a sequence over
every hundredth step).
"""
import argparse
import os

STEPS_PER_FLOW = 20
SCHEMA_FIELDS = (
    '    time timestamp event_time "when"\n    device.id string "device"\n    user.name string\n'
    '    source.ip ip\n    rate int unit "pps" range 0..100000\n    load float range 0..100\n'
    '    signed bool\n    mode enum(manual, teleop, auto, maintenance)\n    command string\n'
)


def schemas():
    return "".join(f'schema src{s} "generated source {s}" {{\n{SCHEMA_FIELDS}}}\n' for s in range(8))


def step(s, src, detect, threshold=False):
    text = (
        f'    step s{s} "step {s}" {{\n        technique T1565.002, T0831\n        source src{src}\n'
        f'        severity high\n        falsepositive "maintenance"\n        detect {detect}\n'
    )
    if threshold:
        text += "        threshold count > 20 within 1m by device.id\n"
    return text + "    }\n"


def standard_detect(s):
    return (
        f'(rate > {100 + s} and signed == false) or (user.name in ["svc", "admin"] and '
        'source.ip in cidr "10.0.0.0/8") or command matches /^(reset|halt)_[0-9]+$/ '
        "or (mode == teleop and not load < 5.5)"
    )


def flow(f, steps=STEPS_PER_FLOW, sequence=(0, 1, 2)):
    out = f'flow "BENCH-{f}" "generated flow {f}" {{\n    category "bench"\n    origin theoretical\n'
    for s in range(steps):
        out += step(s, (f + s) % 8, standard_detect(s), threshold=s % 5 == 0)
    members = " -> ".join(f"s{m}" for m in sequence)
    out += f'    sequence seq "generated sequence" within 30m by device.id {{ {members} }}\n}}\n'
    return out


def pathological(kind, flow_steps=10_000):
    if kind == "or":
        detect = " or ".join(f'command == "c{i}"' for i in range(1000))
    elif kind == "ne":
        detect = " and ".join(f'command != "c{i}"' for i in range(200))
    elif kind == "in":
        detect = "command in [" + ", ".join(f'"v{i}"' for i in range(100_000)) + "]"
    elif kind == "regex":
        body = "".join(f"x{i % 10}" for i in range(50_000))
        detect = f"command matches /^{body}$/"
    elif kind == "flow":
        return flow(0, steps=flow_steps, sequence=range(0, flow_steps, 100))
    else:
        raise SystemExit(f"unknown pathological kind {kind}")
    return f'flow "BENCH-P" "pathological {kind}" {{\n    category "bench"\n    origin theoretical\n' + step(0, 0, detect) + "}\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir")
    parser.add_argument("--flows", type=int, default=500)
    parser.add_argument("--pathological", choices=["or", "ne", "in", "regex", "flow"])
    parser.add_argument("--flow-steps", type=int, default=10_000, help="steps of `--pathological flow`")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    with open(os.path.join(args.dir, "scalpel.toml"), "w") as f:
        f.write('name = "bench"\n')
    with open(os.path.join(args.dir, "schemas.det"), "w") as f:
        f.write(schemas())
    if args.pathological:
        with open(os.path.join(args.dir, "flows000.det"), "w") as f:
            f.write(pathological(args.pathological, args.flow_steps))
        return
    # Ten flows per file, as a real tree splits its content.
    for chunk in range((args.flows + 9) // 10):
        with open(os.path.join(args.dir, f"flows{chunk:03}.det"), "w") as f:
            f.write("".join(flow(i) for i in range(chunk * 10, min((chunk + 1) * 10, args.flows))))


if __name__ == "__main__":
    main()
