//! The built `skillmatch` binary as a child process, for tests that kill it
//! or read its start-up log.

use std::ffi::{OsStr, OsString};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

/// Runs `skillmatch ARGS` to completion, without a configuration file or
/// data directory from the environment.
pub fn run_binary(args: impl IntoIterator<Item = impl AsRef<OsStr>>) -> Output {
    Command::new(env!("CARGO_BIN_EXE_skillmatch"))
        .args(args)
        .env_remove("SKILLMATCH_DATA_DIR")
        .env_remove("SKILLMATCH_CONFIG")
        .output()
        .expect("run skillmatch")
}

/// [`run_binary`], which must succeed; its standard output.
pub fn run_binary_ok(args: impl IntoIterator<Item = impl AsRef<OsStr>>) -> String {
    let output = run_binary(args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// `skillmatch --data-dir DATA_DIR import ARGS`, which must succeed; its
/// standard output.
pub fn import(data_dir: &Path, args: &[&str]) -> String {
    let mut all: Vec<OsString> = vec!["--data-dir".into(), data_dir.into(), "import".into()];
    all.extend(args.iter().map(OsString::from));
    run_binary_ok(all)
}

/// A `skillmatch serve` child process, the address it listens on and what it
/// logged before listening. Dropping it kills the process, so a failing test
/// leaves none behind.
pub struct Spawned {
    child: Child,
    pub addr: String,
    /// Standard error lines printed before `listening on HOST:PORT`.
    pub log: Vec<String>,
}

/// Starts `skillmatch serve --addr 127.0.0.1:0 --data-dir <data_dir>` with
/// `args` (for instance `["--log-level", "warn"]`), without a configuration
/// file from the environment, and waits until it listens. Standard error keeps
/// being drained (and echoed) so the child never blocks on a full pipe.
pub fn spawn_binary(data_dir: &Path, args: &[&str]) -> Spawned {
    let mut child = Command::new(env!("CARGO_BIN_EXE_skillmatch"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("SKILLMATCH_CONFIG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start skillmatch serve");
    let stderr = child.stderr.take().expect("piped stderr");
    let mut lines = BufReader::new(stderr).lines();
    let mut log = Vec::new();
    let addr = loop {
        let line = lines
            .next()
            .expect("the server exited before printing `listening on HOST:PORT`")
            .unwrap();
        if let Some(addr) = line.strip_prefix("listening on ") {
            break addr.trim().to_owned();
        }
        log.push(line);
    };
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            eprintln!("server: {line}");
        }
    });
    Spawned { child, addr, log }
}

impl Spawned {
    /// Kills the process (SIGKILL) and reaps it.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Sends SIGTERM and asserts that the process exits successfully.
    pub fn terminate(mut self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("send SIGTERM");
        assert!(status.success(), "kill -TERM failed");
        let exit = self.child.wait().expect("wait for the server");
        assert!(exit.success(), "server exited with {exit} after SIGTERM");
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
