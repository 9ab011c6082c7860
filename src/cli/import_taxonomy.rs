//! `skillmatch import esco DIR` and `skillmatch import onet DIR`: read a
//! release, store it in the data directory as `taxonomies/<id>/<version>/`,
//! beside other releases. Importing the same release again replaces it with
//! identical content.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, anyhow};
use indicatif::{ProgressBar, ProgressStyle};
use skillmatch::embed::EmbedderChoice;
use skillmatch::taxonomy::import::{
    ESCO_ID, ONET_ID, install_release, read_esco_part, read_onet_part,
};
use skillmatch::taxonomy::{TaxonomyPart, version_from_dir_name};

/// Flags of `import esco`.
#[derive(Debug, clap::Args)]
pub(super) struct EscoArgs {
    /// The release folder (skills_en.csv, occupations_en.csv, occupationSkillRelations.csv, ...).
    dir: PathBuf,
    /// Release name; default: what the folder name says after `esco-` (`esco-v1.1.1` -> `v1.1.1`).
    #[arg(long)]
    version: Option<String>,
}

/// Flags of `import onet`.
#[derive(Debug, clap::Args)]
pub(super) struct OnetArgs {
    /// The O*NET database folder of tab-separated text files (Occupation Data.txt, ...).
    dir: PathBuf,
    /// Release name; default: what the folder name says after `onet-` (`onet-29.3` -> `29.3`).
    #[arg(long)]
    version: Option<String>,
    /// The ESCO<->O*NET crosswalk (crosswalk_esco_onet.csv) linking O*NET occupations to ESCO ones.
    #[arg(long)]
    crosswalk: Option<PathBuf>,
}

fn version(id: &str, flag: Option<&String>, dir: &Path) -> anyhow::Result<String> {
    flag.cloned()
        .or_else(|| version_from_dir_name(id, dir))
        .ok_or_else(|| {
            anyhow!(
                "cannot tell the release from the folder name {}; pass --version",
                dir.display()
            )
        })
}

fn progress() -> ProgressBar {
    let bar = ProgressBar::new(4).with_style(
        ProgressStyle::with_template("{spinner} [{pos}/{len}] {msg} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

pub(super) fn esco(
    data_dir: &Path,
    args: &EscoArgs,
    embedder: &EmbedderChoice,
) -> anyhow::Result<()> {
    let version = version(ESCO_ID, args.version.as_ref(), &args.dir)?;
    let bar = progress();
    bar.set_message(format!(
        "reading ESCO {version} from {}",
        args.dir.display()
    ));
    let part = read_esco_part(&args.dir, &version)
        .with_context(|| format!("reading {}", args.dir.display()))?;
    install(data_dir, &part, &bar, embedder)
}

pub(super) fn onet(
    data_dir: &Path,
    args: &OnetArgs,
    embedder: &EmbedderChoice,
) -> anyhow::Result<()> {
    let version = version(ONET_ID, args.version.as_ref(), &args.dir)?;
    let bar = progress();
    bar.set_message(format!(
        "reading O*NET {version} from {}",
        args.dir.display()
    ));
    let part = read_onet_part(&args.dir, &version, args.crosswalk.as_deref())
        .with_context(|| format!("reading {}", args.dir.display()))?;
    install(data_dir, &part, &bar, embedder)
}

fn install(
    data_dir: &Path,
    part: &TaxonomyPart,
    bar: &ProgressBar,
    embedder: &EmbedderChoice,
) -> anyhow::Result<()> {
    let embedder = embedder.load()?;
    bar.inc(1);
    bar.set_message(format!(
        "storing {} competencies and {} occupations, embedding them with {}",
        part.competencies.len(),
        part.occupations.len(),
        embedder.id()
    ));
    let installed = install_release(data_dir, part, embedder.as_ref())
        .context("storing the release and its concept vectors")?;
    let (path, changed, embedded) = (installed.path, installed.changed, installed.embedded);
    bar.inc(2);
    let links = part
        .occupations
        .iter()
        .map(|o| o.linked.len())
        .sum::<usize>();
    bar.inc(1);
    bar.finish_and_clear();
    println!(
        "imported {} {}: {} competencies, {} occupations, {} crosswalk links into {}{}",
        part.version.id,
        part.version.version,
        part.competencies.len(),
        part.occupations.len(),
        links,
        path.display(),
        if changed { "" } else { " (unchanged)" }
    );
    if embedded {
        println!("concept vectors computed with {}", embedder.id());
    }
    Ok(())
}
