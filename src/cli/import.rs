//! `skillmatch import ...`.

use std::path::Path;

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use skillmatch::catalog::{
    ImportReport, ParsedCredentials, RecordReport, RecordStatus, parse_credentials_ctdl,
    parse_credentials_jsonl, parse_credentials_openbadges,
};
use skillmatch::embed::EmbedderChoice;
use skillmatch::engine::{Engine, EngineConfig};

use super::{CredentialFormat, ImportCredentialsArgs};

/// How many rejected lines are printed before the rest are only counted.
const SHOWN_REJECTIONS: usize = 50;

pub(super) fn credentials(
    data_dir: &Path,
    args: &ImportCredentialsArgs,
    embedder: &EmbedderChoice,
) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let spinner = ProgressBar::new_spinner().with_style(
        ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    spinner.set_message(format!("parsing {}", args.file.display()));
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let (mut parsed, unit) = match args.format {
        CredentialFormat::Jsonl => (parse_credentials_jsonl(&text), "line"),
        CredentialFormat::Ctdl => (parse_credentials_ctdl(&text), "record"),
        CredentialFormat::Openbadges => (parse_credentials_openbadges(&text), "record"),
    };
    let total = parsed.rejected.len() + parsed.credentials.len();
    if !parsed.rejected.is_empty() {
        spinner.suspend(|| print_rejections(&parsed, unit));
        if args.strict || parsed.credentials.is_empty() {
            spinner.finish_and_clear();
            write_report(args, &parsed)?;
            bail!(
                "{} of {total} records rejected; nothing was imported",
                parsed.rejected.len(),
            );
        }
    }
    spinner.set_message(format!(
        "importing {} credentials",
        parsed.credentials.len()
    ));
    let (engine, _) = Engine::open(&EngineConfig::new(data_dir).with_embedder(embedder.load()?))?;
    let report = engine.import_parsed(&mut parsed)?;
    spinner.finish_and_clear();
    for record in &parsed.reports {
        print_record(record);
    }
    for dangling in report.dangling.iter().take(SHOWN_REJECTIONS) {
        eprintln!(
            "warning: {} {} names {}, which is not in the catalogue",
            dangling.credential, dangling.field, dangling.target
        );
    }
    write_report(args, &parsed)?;
    println!(
        "imported {} credentials into {}",
        report.upserted,
        data_dir.display()
    );
    if !parsed.rejected.is_empty() {
        println!("{} of {total} records rejected", parsed.rejected.len());
    }
    Ok(())
}

fn print_rejections(parsed: &ParsedCredentials, unit: &str) {
    for rejected in parsed.rejected.iter().take(SHOWN_REJECTIONS) {
        eprintln!("{unit} {}: {}", rejected.line, rejected.reason);
    }
    if parsed.rejected.len() > SHOWN_REJECTIONS {
        eprintln!("... and {} more", parsed.rejected.len() - SHOWN_REJECTIONS);
    }
}

/// One line per imported record, and its warnings indented below it.
fn print_record(record: &RecordReport) {
    let status = match record.status {
        RecordStatus::Imported => "imported",
        RecordStatus::ImportedWithWarnings => "imported with warnings",
        RecordStatus::Rejected => return,
    };
    println!(
        "record {} {}: {status}",
        record.position,
        record.id.as_deref().unwrap_or("?")
    );
    for line in record.warning_lines() {
        println!("    {line}");
    }
}

fn write_report(args: &ImportCredentialsArgs, parsed: &ParsedCredentials) -> anyhow::Result<()> {
    let Some(path) = &args.report else {
        return Ok(());
    };
    let report = ImportReport {
        records: parsed.reports.clone(),
    };
    let json = serde_json::to_vec_pretty(&report).context("serialising the import report")?;
    std::fs::write(path, json).with_context(|| format!("writing {}", path.display()))
}
