//! The README's grpcurl examples work as printed: starts the `skillmatch`
//! binary on a free port and runs `scripts/readme_examples.py`, which sends
//! exactly the README's payloads through server reflection.
//!
//! Needs a Python with grpcio, grpcio-reflection and protobuf in
//! `SKILLMATCH_PYTHON` (`scripts/test` sets it up). Without it the test is
//! skipped, except under `CI=true`, where it fails.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;

/// Kills the server if the test fails before stopping it.
struct ServerProcess(Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

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

/// Starts `skillmatch serve` on port 0 and returns it with its address, read
/// from the `listening on HOST:PORT` line. Standard error keeps being drained.
fn start_server(data_dir: &Path) -> (ServerProcess, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_skillmatch"))
        .args(["serve", "--addr", "127.0.0.1:0", "--log-level", "warn"])
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("SKILLMATCH_CONFIG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start skillmatch serve");
    let stderr = child.stderr.take().expect("piped stderr");
    let server = ServerProcess(child);
    let (address_tx, address_rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            match line.strip_prefix("listening on ") {
                Some(address) => {
                    let _ = address_tx.send(address.trim().to_owned());
                }
                None => eprintln!("server: {line}"),
            }
        }
    });
    let address = address_rx
        .recv()
        .expect("the server exited before printing `listening on HOST:PORT`");
    (server, address)
}

fn terminate(mut server: ServerProcess) {
    let status = Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status()
        .expect("send SIGTERM");
    assert!(status.success(), "kill -TERM failed");
    let exit = server.0.wait().expect("wait for the server");
    assert!(exit.success(), "server exited with {exit} after SIGTERM");
}

#[test]
fn readme_grpcurl_examples_work_as_printed() {
    let Some(python) = python() else {
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let data_dir = tempfile::tempdir().expect("temp data dir");
    let (server, address) = start_server(data_dir.path());

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
    terminate(server);
}
