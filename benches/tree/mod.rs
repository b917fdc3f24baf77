//! Generated detection trees for the benchmarks: `flows` flows of
//! [`STEPS_PER_FLOW`] steps over eight schemas, ten flows per file.

use std::fmt::Write;

pub const STEPS_PER_FLOW: usize = 20;

fn schemas() -> String {
    let mut out = String::new();
    for s in 0..8 {
        let _ = writeln!(out, "schema src{s} \"generated source {s}\" {{");
        out.push_str("    time timestamp event_time \"when\"\n    device.id string \"device\"\n    user.name string\n");
        out.push_str("    source.ip ip\n    rate int unit \"pps\" range 0..100000\n    load float range 0..100\n");
        out.push_str("    signed bool\n    mode enum(manual, teleop, auto, maintenance)\n    command string\n}\n");
    }
    out
}

fn flow(f: usize) -> String {
    let mut out =
        format!("flow \"BENCH-{f}\" \"generated flow {f}\" {{\n    category \"bench\"\n    origin theoretical\n");
    for s in 0..STEPS_PER_FLOW {
        let src = (f + s) % 8;
        let _ = write!(
            out,
            "    step s{s} \"step {s}\" {{\n        technique T1565.002, T0831\n        source src{src}\n        severity high\n        \
             falsepositive \"maintenance\"\n        detect (rate > {r} and signed == false) or (user.name in [\"svc\", \"admin\"] and \
             source.ip in cidr \"10.0.0.0/8\") or command matches /^(reset|halt)_[0-9]+$/ or (mode == teleop and not load < 5.5)\n",
            r = 100 + s
        );
        if s % 5 == 0 {
            out.push_str("        threshold count > 20 within 1m by device.id\n");
        }
        out.push_str("    }\n");
    }
    out.push_str("    sequence seq \"generated sequence\" within 30m by device.id { s0 -> s1 -> s2 }\n}\n");
    out
}

pub fn write_tree(dir: &std::path::Path, flows: usize) {
    std::fs::write(dir.join("scalpel.toml"), "name = \"bench\"\n").unwrap();
    std::fs::write(dir.join("schemas.det"), schemas()).unwrap();
    // Ten flows per file, as a real tree splits its content.
    for chunk in 0..flows.div_ceil(10) {
        let text: String = (chunk * 10..((chunk + 1) * 10).min(flows)).map(flow).collect();
        std::fs::write(dir.join(format!("flows{chunk:03}.det")), text).unwrap();
    }
}
