//! The README's grpcurl examples work as printed: starts the `skillmatch`
//! binary on a free port and runs `scripts/readme_examples.py`, which sends
//! exactly the README's payloads through server reflection.
//!
//! Needs a Python with grpcio, grpcio-reflection and protobuf in
//! `SKILLMATCH_PYTHON` (`scripts/test` sets it up). Without it the test is
//! skipped, except under `CI=true`, where it fails.

use std::path::Path;
use std::process::Command;

use crate::support::spawn_binary;

fn python() -> Option<String> {
    match std::env::var("SKILLMATCH_PYTHON") {
        Ok(python) if !python.is_empty() => Some(python),
        _ => {
            let on_ci = std::env::var("CI").is_ok_and(|ci| ci == "true");
            assert!(
                !on_ci,
                "SKILLMATCH_PYTHON is not set; CI must run the README examples (use scripts/test)"
            );
            eprintln!(
                "skipping the README examples: SKILLMATCH_PYTHON is not set \
                 (run scripts/test, or point it at a Python with scripts/requirements.txt)"
            );
            None
        }
    }
}

#[test]
fn readme_grpcurl_examples_work_as_printed() {
    let Some(python) = python() else {
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let data_dir = tempfile::tempdir().expect("temp data dir");
    let server = spawn_binary(data_dir.path(), &["--log-level", "warn"]);
    let address = server.addr.clone();

    let output = Command::new(&python)
        .arg(root.join("scripts/readme_examples.py"))
        .args(["--addr", &address])
        .arg("--readme")
        .arg(root.join("README.md"))
        .output()
        .unwrap_or_else(|error| panic!("run {python}: {error}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "README examples failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert!(stdout.contains("README examples passed"), "{stdout}");
    println!("{stdout}");
    server.terminate();
}
