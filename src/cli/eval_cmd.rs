//! `skillmatch eval`: runs the TARGETS.md tasks on the dev files and writes EVALUATION.md.

use std::path::Path;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use skillmatch::eval::{self, RunContext};
use skillmatch::extract::{METHOD, Tuning};

use super::EvalArgs;

pub(super) fn run(args: &EvalArgs) -> anyhow::Result<()> {
    eprintln!("evaluating on {}", args.data.display());
    let tuning: Tuning = args.tuning.as_deref().unwrap_or_default().parse()?;
    let report = eval::run_with(&args.data, args.limit, tuning)
        .with_context(|| format!("evaluating on {}", args.data.display()))?;
    let context = RunContext {
        date: utc_now(),
        commit: commit(),
        machine: machine(),
        loadavg: std::fs::read_to_string("/proc/loadavg")
            .map_or_else(|_| "unknown".to_owned(), |s| s.trim().to_owned()),
        limit: args.limit,
    };
    println!("{}", report.table());
    println!("{}", report.speed_table());
    for (task, metric, value, missed) in report.misses() {
        println!("missed: {task} {metric} {value:.3} vs {missed}");
    }
    write(&args.out, &report.markdown(METHOD, &context))?;
    eprintln!("wrote {}", args.out.display());
    Ok(())
}

fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

fn commit() -> String {
    Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map_or("unknown CPU", str::trim)
        .to_owned();
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    format!("{model}, {cores} cores available")
}

/// `YYYY-MM-DD HH:MM UTC` from the system clock (civil-from-days, proleptic Gregorian).
fn utc_now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let (hour, minute) = ((secs % 86_400) / 3600, (secs % 3600) / 60);
    let date = skillmatch::domain::Date::from_days(days);
    format!("{date} {hour:02}:{minute:02} UTC")
}
