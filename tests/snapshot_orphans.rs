//! Orphan snapshots in the folders whose tests name their snapshots in code (`snapshots/ui`,
//! `targets` and `shipped` check their own, against what they produce): every snapshot must
//! come from a test file that still exists, still writes to that folder, and still names the
//! snapshot. A deleted or renamed case otherwise leaves a file that passes forever unread.

use std::path::Path;

#[test]
fn every_snapshot_has_a_source() {
    for folder in ["cli", "coverage", "events", "syntax"] {
        for entry in std::fs::read_dir(Path::new("snapshots").join(folder)).expect("snapshot folder") {
            let path = entry.expect("entry").path();
            let name = path.file_name().and_then(|n| n.to_str()).expect("utf-8 name").to_string();
            if name.ends_with(".new") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("snapshot");
            let source = text
                .lines()
                .find_map(|l| l.strip_prefix("source: "))
                .unwrap_or_else(|| panic!("{}: no `source:` header", path.display()));
            let code = std::fs::read_to_string(source)
                .unwrap_or_else(|_| panic!("orphan {}: its test file {source} is gone", path.display()));
            assert!(
                code.contains(&format!("snapshots/{folder}")),
                "orphan {}: {source} no longer writes there",
                path.display()
            );
            let stem = name.trim_end_matches(".snap");
            let first = stem.split(['.', '-']).next().unwrap_or(stem);
            assert!(
                code.contains(&format!("\"{first}")),
                "orphan {}: {source} no longer names `{first}`",
                path.display()
            );
        }
    }
}
