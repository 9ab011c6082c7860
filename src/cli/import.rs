//! `skillmatch import ...`.

use std::path::Path;

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use skillmatch::catalog::{
    parse_credentials_ctdl, parse_credentials_jsonl, parse_credentials_openbadges,
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
    let (parsed, unit) = match args.format {
        CredentialFormat::Jsonl => (parse_credentials_jsonl(&text), "line"),
        CredentialFormat::Ctdl => (parse_credentials_ctdl(&text), "record"),
        CredentialFormat::Openbadges => (parse_credentials_openbadges(&text), "record"),
    };
    if !parsed.rejected.is_empty() {
        spinner.finish_and_clear();
        for rejected in parsed.rejected.iter().take(SHOWN_REJECTIONS) {
            eprintln!("{unit} {}: {}", rejected.line, rejected.reason);
        }
        if parsed.rejected.len() > SHOWN_REJECTIONS {
            eprintln!("... and {} more", parsed.rejected.len() - SHOWN_REJECTIONS);
        }
        bail!(
            "{} of {} records rejected; nothing was imported",
            parsed.rejected.len(),
            parsed.rejected.len() + parsed.credentials.len()
        );
    }
    spinner.set_message(format!(
        "importing {} credentials",
        parsed.credentials.len()
    ));
    let (engine, _) = Engine::open_with(
        &EngineConfig {
            data_dir: data_dir.to_path_buf(),
        },
        &[],
        embedder.load()?,
    )?;
    let report = engine.import_credentials_reporting(parsed.credentials)?;
    spinner.finish_and_clear();
    for dangling in report.dangling.iter().take(SHOWN_REJECTIONS) {
        eprintln!(
            "warning: {} {} names {}, which is not in the catalogue",
            dangling.credential, dangling.field, dangling.target
        );
    }
    println!(
        "imported {} credentials into {}",
        report.upserted,
        data_dir.display()
    );
    Ok(())
}
