//! The toolchain we claim: `rust-version` in Cargo.toml is what the locked
//! dependencies need (the newest `rust-version` among them, from `cargo metadata`),
//! and the README says the same. Our own code is held to it by clippy's
//! `incompatible_msrv` lint, which reads the same field.

use std::process::Command;

/// `1.89` and `1.89.0` as `[1, 89, 0]`.
fn version(text: &str) -> [u32; 3] {
    let mut parts = text.split('.').map(|n| n.parse().unwrap_or(0));
    [parts.next().unwrap_or(0), parts.next().unwrap_or(0), parts.next().unwrap_or(0)]
}

/// The host triple, so that `cargo metadata` resolves only what builds here (the
/// registry holds no Windows-only crates offline).
fn host() -> String {
    let out = Command::new("rustc").arg("-vV").output().expect("rustc runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.lines().find_map(|l| l.strip_prefix("host: ")).expect("rustc -vV names the host").to_string()
}

#[test]
fn rust_version_is_what_the_locked_dependencies_need() {
    let out = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked", "--offline", "--filter-platform", &host()])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(out.status.success(), "cargo metadata failed: {}", String::from_utf8_lossy(&out.stderr));
    let metadata: serde_json::Value = serde_json::from_slice(&out.stdout).expect("metadata is JSON");
    let packages = metadata["packages"].as_array().expect("packages");
    let ours: Vec<&str> =
        packages.iter().filter(|p| p["source"].is_null()).filter_map(|p| p["rust_version"].as_str()).collect();
    let members = packages.iter().filter(|p| p["source"].is_null()).count();
    assert_eq!(ours.len(), members, "every workspace member declares rust-version");
    assert!(ours.windows(2).all(|w| w[0] == w[1]), "one rust-version for the workspace: {ours:?}");
    let needed = packages
        .iter()
        .filter(|p| !p["source"].is_null())
        .filter_map(|p| Some((p["rust_version"].as_str()?, p["name"].as_str()?, p["version"].as_str()?)))
        .max_by_key(|(v, _, _)| version(v))
        .expect("some dependency declares a rust-version");
    assert_eq!(
        version(ours[0]),
        version(needed.0),
        "Cargo.toml says rust-version {}, the locked dependencies need {} ({} {}): set it to that, with the README",
        ours[0],
        needed.0,
        needed.1,
        needed.2
    );
    let readme = std::fs::read_to_string("README.md").expect("README.md");
    let claim = format!("Rust (stable, {} or newer)", ours[0]);
    assert!(readme.contains(&claim), "README.md must say `{claim}`");
}
