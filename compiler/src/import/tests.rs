use super::*;

#[test]
fn dump_all() {
    for dir in [
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/flows/afb"),
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/afb"),
    ] {
        let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for path in entries {
            let text = std::fs::read_to_string(&path).unwrap();
            let name = path.file_name().unwrap().to_str().unwrap();
            let imported = match attack_flow(name, &text) {
                Ok(i) => i,
                Err(e) => {
                    println!("== {name}: ERR {e}");
                    continue;
                }
            };
            std::fs::write(format!("/tmp/imp_{name}.det"), &imported.det).unwrap();
            let (_, diags) = crate::syntax::parse(crate::source::FileId(0), &imported.det);
            println!("== {name}: errors {}", diags.has_errors());
            for w in &imported.warnings {
                println!("  warning: {w}");
            }
        }
    }
}
