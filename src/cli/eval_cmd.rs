//! `skillmatch eval`: runs the TARGETS.md tasks on the dev files and writes EVALUATION.md.

use std::path::Path;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use skillmatch::embed::EmbedderChoice;

use skillmatch::extract::{METHOD, Tuning};

use super::EvalArgs;
use super::eval::{self, RunContext, coursera, standards};

/// Heading of the section written by `eval --catalogue`.
const CATALOGUE_HEADING: &str = "## Catalogue (Coursera)";
/// Heading of the section written by `eval --standards`; kept last.
const STANDARDS_HEADING: &str = "## Credential standards (CTDL, Open Badges)";
/// Heading of the hand-written record of embedder comparisons and tuning
/// runs, kept (with everything after it) when the main tables are rewritten.
const EMBEDDERS_HEADING: &str = "## Embedders and tuning";
/// Heading of the table written by `eval --compare`.
const COMPARISON_HEADING: &str = "## Embedder comparison";
/// Heading of the section written by `eval --served`.
const SERVED_HEADING: &str = "## Served configurations";
/// Heading of the hand-written record of the trained default embedder's
/// held-out folds, kept like the embedder record.
const FOLDS_HEADING: &str = "## Trained default embedder: held-out folds";

pub(super) fn run(args: &EvalArgs, embedder: &EmbedderChoice) -> anyhow::Result<()> {
    if args.catalogue {
        return run_catalogue(args);
    }
    if args.standards {
        return run_standards(args);
    }
    if args.served {
        return run_served(args, embedder);
    }
    eprintln!("evaluating on {}", args.data.display());
    let embedder = if args.no_vectors {
        None
    } else {
        Some(embedder.load()?)
    };
    let embedder_name = embedder.as_ref().map_or_else(
        || "none (no vector score)".to_owned(),
        |e| e.id().to_owned(),
    );
    let tuning = embedder
        .as_ref()
        .map_or_else(Tuning::default, |e| Tuning::for_embedder(e.id()))
        .with_overrides(args.tuning.as_deref().unwrap_or_default())?;
    let setup = eval::ExtractorSetup {
        data: &args.data,
        tuning,
        embedder: embedder.clone(),
        vector_cache: args.vector_cache.as_deref(),
        holdout: args.holdout_fold,
    };
    if let Some(out) = &args.scores_out {
        let written = eval::scores::write(&setup, out)
            .with_context(|| format!("writing scores to {}", out.display()))?;
        eprintln!("wrote {written} scores to {}", out.display());
    }
    if let Some(out) = &args.occupation_features_out {
        let written = eval::occupation_features::write(&setup, out)
            .with_context(|| format!("writing occupation features to {}", out.display()))?;
        eprintln!(
            "wrote the features of {written} titles to {}",
            out.display()
        );
    }
    let report = eval::run_with(
        &args.data,
        args.limit,
        tuning,
        embedder,
        args.vector_cache.as_deref(),
        args.holdout_fold,
    )
    .with_context(|| format!("evaluating on {}", args.data.display()))?;
    let context = RunContext {
        date: utc_now(),
        commit: commit(),
        machine: machine(),
        loadavg: std::fs::read_to_string("/proc/loadavg")
            .map_or_else(|_| "unknown".to_owned(), |s| s.trim().to_owned()),
        limit: args.limit,
        embedder: embedder_name.clone(),
        holdout: args.holdout_fold,
    };
    println!("{}", report.table());
    println!("{}", report.speed_table());
    for (task, metric, value, missed) in report.misses() {
        println!("missed: {task} {metric} {value:.3} vs {missed}");
    }
    let mut text = report.markdown(METHOD, &context);
    if !args.compare.is_empty() {
        let mut others = Vec::with_capacity(args.compare.len());
        for choice in &args.compare {
            let other = choice.load()?;
            let name = other.id().to_owned();
            eprintln!("comparing with {name}");
            let tuning = Tuning::for_embedder(&name);
            let other_report = eval::run_with(
                &args.data,
                args.limit,
                tuning,
                Some(other),
                args.vector_cache.as_deref(),
                args.holdout_fold,
            )
            .with_context(|| format!("evaluating {name} on {}", args.data.display()))?;
            others.push((format!("`{name}`"), other_report));
        }
        let mut runs = vec![(format!("`{embedder_name}`"), &report)];
        runs.extend(others.iter().map(|(name, r)| (name.clone(), r)));
        let table = eval::report::comparison_markdown(&runs);
        println!("{table}");
        text = format!(
            "{}\n\n{COMPARISON_HEADING}\n\nThe same items run with each embedder and \
             the weights `Tuning::for_embedder` gives it, in one run. The default's \
             trained table saw these dev items, so its column is not a generalisation \
             figure (see the held-out folds below).\n\n{table}",
            text.trim_end()
        );
    }
    if let Some(section) = existing_catalogue_section(&args.out) {
        text = format!("{}\n\n{section}", text.trim_end());
    }
    write(&args.out, &text)?;
    eprintln!("wrote {}", args.out.display());
    Ok(())
}

/// The embedder record and catalogue sections of an existing report, kept
/// when the main tables are rewritten.
fn existing_catalogue_section(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let start = [
        SERVED_HEADING,
        FOLDS_HEADING,
        EMBEDDERS_HEADING,
        CATALOGUE_HEADING,
    ]
    .iter()
    .filter_map(|heading| text.find(heading))
    .min()?;
    Some(text[start..].to_owned())
}

fn run_served(args: &EvalArgs, embedder: &EmbedderChoice) -> anyhow::Result<()> {
    eprintln!("served configurations on {}", args.data.display());
    let embedder = embedder.load()?;
    let embedder_name = embedder.id().to_owned();
    let tuning = args
        .tuning
        .as_deref()
        .map(|spec| Tuning::for_embedder(&embedder_name).with_overrides(spec))
        .transpose()?;
    let work = std::env::temp_dir().join(format!("skillmatch-served-{}", std::process::id()));
    let result = eval::run_served(
        &args.data,
        args.limit,
        embedder,
        tuning,
        &work,
        args.holdout_fold,
    );
    let _ = std::fs::remove_dir_all(&work);
    let reports = result.with_context(|| format!("evaluating on {}", args.data.display()))?;
    let runs: Vec<(String, &eval::EvalReport)> = eval::SERVED_CONFIGURATIONS
        .iter()
        .map(|name| (*name).to_owned())
        .zip(&reports)
        .collect();
    let table = eval::report::comparison_markdown(&runs);
    println!("{table}");
    let findings = eval::report::served_findings(&runs);
    println!("{findings}");
    let speed = eval::report::speed_comparison_markdown(&runs);
    println!("{speed}");
    let loadavg = std::fs::read_to_string("/proc/loadavg")
        .map_or_else(|_| "unknown".to_owned(), |s| s.trim().to_owned());
    let subset = match (args.limit, args.holdout_fold) {
        (Some(n), _) => format!(" Subset: first {n} items of each task."),
        (None, Some(fold)) => format!(" Held-out fold {fold} of titles.csv and hahu_dev."),
        (None, None) => String::new(),
    };
    let weights = args
        .tuning
        .as_deref()
        .map_or_else(String::new, |spec| format!(" Weights changed: `{spec}`."));
    let setup: Vec<String> = runs
        .iter()
        .map(|(name, report)| format!("{name}: {:.1} s", report.setup_seconds))
        .collect();
    let section = format!(
        "{SERVED_HEADING}\n\nRun {} on commit `{}`, {}, load average `{loadavg}`, \
         embedder `{embedder_name}`.{subset}{weights} Command: `skillmatch eval --served --data {}` \
         ({} build). Import and engine start: {}.\n\n{}\n\n{table}\n{findings}\nSpeed \
         (the job2skill time includes only ExtractCompetencies; one thread, shared \
         machine):\n\n{speed}",
        utc_now(),
        commit(),
        machine(),
        args.data.display(),
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        setup.join("; "),
        eval::report::SERVED_METHOD,
    );
    let existing = std::fs::read_to_string(&args.out).unwrap_or_default();
    let text = replace_section(
        &existing,
        SERVED_HEADING,
        &section,
        &[
            FOLDS_HEADING,
            EMBEDDERS_HEADING,
            CATALOGUE_HEADING,
            STANDARDS_HEADING,
        ],
    );
    write(&args.out, &text)?;
    eprintln!("wrote {}", args.out.display());
    Ok(())
}

/// `existing` with the section under `heading` (up to the next `## `
/// heading) replaced by `section`; when absent, `section` goes before the
/// first of `before` found, else at the end.
fn replace_section(existing: &str, heading: &str, section: &str, before: &[&str]) -> String {
    let section = section.trim_end();
    if let Some(start) = existing.find(heading) {
        let rest = &existing[start + heading.len()..];
        let end = rest
            .find("\n## ")
            .map_or(existing.len(), |at| start + heading.len() + at + 1);
        let tail = &existing[end..];
        let sep = if tail.is_empty() { "\n" } else { "\n\n" };
        return format!("{}{section}{sep}{tail}", &existing[..start]);
    }
    match before.iter().filter_map(|h| existing.find(h)).min() {
        Some(at) => format!(
            "{}\n\n{section}\n\n{}",
            existing[..at].trim_end(),
            &existing[at..]
        ),
        None => format!("{}\n\n{section}\n", existing.trim_end()),
    }
}

fn run_catalogue(args: &EvalArgs) -> anyhow::Result<()> {
    eprintln!("catalogue evaluation on {}", args.data.display());
    let work = std::env::temp_dir().join(format!("skillmatch-coursera-{}", std::process::id()));
    let result = coursera::run(&args.data, args.limit, &work);
    let _ = std::fs::remove_dir_all(&work);
    let report = result.with_context(|| format!("evaluating on {}", args.data.display()))?;
    let figures = report.markdown_figures();
    println!("{figures}");
    let loadavg = std::fs::read_to_string("/proc/loadavg")
        .map_or_else(|_| "unknown".to_owned(), |s| s.trim().to_owned());
    let limit = args.limit.map_or_else(String::new, |n| {
        format!(" Subset: first {n} rows and postings.")
    });
    let section = format!(
        "{CATALOGUE_HEADING}\n\nRun {} on commit `{}`, {}, load average `{loadavg}`.{limit} \
         Command: `skillmatch eval --catalogue --data {}`.\n\n{}\n### Figures\n\n{figures}",
        utc_now(),
        commit(),
        machine(),
        args.data.display(),
        coursera::METHOD,
    );
    let existing = std::fs::read_to_string(&args.out).unwrap_or_default();
    let standards = existing
        .find(STANDARDS_HEADING)
        .map_or("", |start| &existing[start..]);
    let kept = existing
        .find(CATALOGUE_HEADING)
        .or_else(|| existing.find(STANDARDS_HEADING))
        .map_or(existing.as_str(), |start| &existing[..start]);
    let text = format!("{}\n\n{section}", kept.trim_end());
    let text = if standards.is_empty() {
        text
    } else {
        format!("{}\n\n{standards}", text.trim_end())
    };
    write(&args.out, &text)?;
    eprintln!("wrote {}", args.out.display());
    Ok(())
}

fn run_standards(args: &EvalArgs) -> anyhow::Result<()> {
    eprintln!("credential-standards evaluation on {}", args.data.display());
    let work = std::env::temp_dir().join(format!("skillmatch-standards-{}", std::process::id()));
    let result = standards::run(&args.data, &work);
    let _ = std::fs::remove_dir_all(&work);
    let report = result.with_context(|| format!("evaluating on {}", args.data.display()))?;
    let figures = report.markdown_figures();
    println!("{figures}");
    let section = format!(
        "{STANDARDS_HEADING}\n\nRun {} on commit `{}`. Command: `skillmatch eval --standards --data {}`.\n\n{}\n### Figures\n\n{figures}",
        utc_now(),
        commit(),
        args.data.display(),
        standards::METHOD,
    );
    let existing = std::fs::read_to_string(&args.out).unwrap_or_default();
    let kept = existing
        .find(STANDARDS_HEADING)
        .map_or(existing.as_str(), |start| &existing[..start]);
    write(
        &args.out,
        &format!("{}\n\n{}", kept.trim_end(), section.trim_end()),
    )?;
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
