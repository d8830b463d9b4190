//! The `rust-version` that Cargo.toml declares is true for Cargo.lock: no locked package needs
//! a newer Rust (`cargo metadata` gives each package's own `rust-version`).

use std::process::Command;

use serde_json::Value;

/// A `1.90` or `1.90.1` version as numbers, for comparing.
fn version(s: &str) -> Vec<u64> {
    s.split('.')
        .map(|p| p.parse().expect("a numeric version"))
        .collect()
}

#[test]
fn no_locked_package_needs_a_newer_rust_than_declared() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).unwrap();
    let packages = meta["packages"].as_array().unwrap();
    let declared = packages
        .iter()
        .find(|p| p["name"] == "kpic")
        .and_then(|p| p["rust_version"].as_str())
        .expect("Cargo.toml declares rust-version");
    let too_new: Vec<String> = packages
        .iter()
        .filter(|p| p["name"] != "kpic")
        .filter_map(|p| {
            let needs = p["rust_version"].as_str()?;
            (version(needs) > version(declared))
                .then(|| format!("{} {} needs {needs}", p["name"], p["version"]))
        })
        .collect();
    assert!(
        too_new.is_empty(),
        "Cargo.toml declares rust-version {declared}, but: {}",
        too_new.join("; ")
    );
}
