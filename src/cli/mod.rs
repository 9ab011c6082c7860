//! Command-line interface: `serve`, `import`, `match`, `eval`.

mod eval_cmd;
mod import;
mod import_taxonomy;
mod keys;
mod match_cmd;
mod serve;

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use skillmatch::config::LogFormat;
use skillmatch::embed::EmbedderChoice;

/// skillmatch: match job postings to microcredentials and candidates, explained competency by competency.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Cli {
    /// Data directory holding the store and indexes.
    #[arg(long, global = true, env = "SKILLMATCH_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// TOML file with the same settings as the flags.
    #[arg(long, global = true, env = "SKILLMATCH_CONFIG")]
    config: Option<PathBuf>,
    /// Embedder of concept and text vectors: `default` (ships with the code),
    /// `hashing`, or `minilm:FOLDER` (build with `--features minilm`; weights
    /// from scripts/fetch-minilm). Vectors are computed at import and stored
    /// per release; a start with another embedder recomputes them.
    #[arg(
        long,
        global = true,
        env = "SKILLMATCH_EMBEDDER",
        default_value = "default"
    )]
    embedder: EmbedderChoice,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the gRPC API.
    Serve(ServeArgs),
    /// Import data into the data directory (no server may hold it).
    #[command(subcommand)]
    Import(ImportCommand),
    /// Recommend credentials for a job posting and print them.
    Match(MatchArgs),
    /// Evaluate extraction on the dev files of TARGETS.md and write EVALUATION.md.
    Eval(EvalArgs),
    /// Manage API keys.
    #[command(subcommand)]
    Keys(KeysCommand),
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Create a random key for a tenant and role, print it once and append its digest to the file.
    Add(KeysAddArgs),
}

/// Flags of `keys add`.
#[derive(Debug, clap::Args)]
struct KeysAddArgs {
    /// The API-key file (created when absent).
    #[arg(long)]
    file: PathBuf,
    /// Tenant the key acts for.
    #[arg(long)]
    tenant: String,
    /// Role: read, write or admin.
    #[arg(long, value_parser = ["read", "write", "admin"])]
    role: String,
}

/// Flags of `serve`.
#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "SKILLMATCH_ADDR")]
    addr: Option<SocketAddr>,
    /// Log format.
    #[arg(long, env = "SKILLMATCH_LOG_FORMAT", value_enum)]
    log_format: Option<LogFormat>,
    /// Log filter in tracing syntax, e.g. `info,skillmatch=debug`.
    #[arg(long, env = "SKILLMATCH_LOG")]
    log_level: Option<String>,
    /// Largest request or response message, in bytes.
    #[arg(long, env = "SKILLMATCH_MAX_MESSAGE_BYTES")]
    max_message_bytes: Option<usize>,
    /// Server-side deadline per call, in seconds.
    #[arg(long, env = "SKILLMATCH_REQUEST_TIMEOUT_SECS")]
    request_timeout_secs: Option<u64>,
    /// Allow listening on a non-loopback address without authentication.
    #[arg(long, env = "SKILLMATCH_ALLOW_UNAUTHENTICATED")]
    allow_unauthenticated: bool,
    /// Load this imported taxonomy release instead of the newest, as ID=VERSION
    /// (e.g. `esco=v1.1.1`); repeat, or separate with commas, for several taxonomies.
    #[arg(
        long = "taxonomy",
        env = "SKILLMATCH_TAXONOMY",
        value_name = "ID=VERSION",
        value_delimiter = ',',
        value_parser = import_taxonomy::parse_pin
    )]
    taxonomies: Vec<skillmatch::domain::TaxonomyVersion>,
    /// API-key file (TOML, `[[keys]]` with `sha256`, `tenant`, `role`); calls must then
    /// carry `authorization: Bearer KEY`.
    #[arg(long, env = "SKILLMATCH_API_KEYS")]
    api_keys: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum ImportCommand {
    /// Import microcredentials from a file; all or nothing.
    Credentials(ImportCredentialsArgs),
    /// Import an ESCO CSV release (v1.1.1 layout) as taxonomy `esco`.
    Esco(import_taxonomy::EscoArgs),
    /// Import an O*NET database release (text files) as taxonomy `onet`,
    /// linked to ESCO through the ESCO<->O*NET crosswalk when given.
    Onet(import_taxonomy::OnetArgs),
}

/// Flags of `import credentials`.
#[derive(Debug, clap::Args)]
struct ImportCredentialsArgs {
    /// The file to import.
    file: PathBuf,
    /// File format.
    #[arg(long, value_enum, default_value_t = CredentialFormat::Jsonl)]
    format: CredentialFormat,
}

/// Formats `import credentials` reads.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum CredentialFormat {
    /// Native JSON Lines, one credential per line (see README).
    Jsonl,
    /// Credential Engine CTDL JSON-LD (`ceterms:` credential classes), as a
    /// document with `@graph` or as JSON Lines.
    Ctdl,
    /// Open Badges 3.0 achievements (or credentials awarding them), as a JSON
    /// array or JSON Lines; price, hours and delivery mode come from the
    /// `skillmatch:cost`, `skillmatch:hours` and `skillmatch:deliveryMode`
    /// extension properties.
    Openbadges,
}

/// Flags of `match`.
#[derive(Debug, clap::Args)]
struct MatchArgs {
    /// The job posting: a title, optionally followed by its description.
    text: String,
    /// Number of credentials to show.
    #[arg(long, default_value_t = 10)]
    top_k: usize,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// Flags of `eval`.
#[derive(Debug, clap::Args)]
struct EvalArgs {
    /// The shared data folder (holding esco-v1.1.1, hahu-jobs-esco, ...).
    #[arg(long)]
    data: PathBuf,
    /// Evaluate only the first N items of each task.
    #[arg(long)]
    limit: Option<usize>,
    /// Run the catalogue evaluation on the Coursera scrape instead, and
    /// replace or append only the "Catalogue (Coursera)" section of the report.
    #[arg(long)]
    catalogue: bool,
    /// Where to write the report.
    #[arg(long, default_value = "EVALUATION.md")]
    out: PathBuf,
    /// Fusion weights to try instead of the tuned ones, as `name=value,...`.
    #[arg(long, hide = true)]
    tuning: Option<String>,
    /// Evaluate without the vector score (lexical and taxonomy evidence only).
    #[arg(long)]
    no_vectors: bool,
    /// Folder that keeps the ESCO concept vectors between runs (computed
    /// when missing or made by another embedder).
    #[arg(long)]
    vector_cache: Option<PathBuf>,
    /// Run only this held-out fold (0, 1 or 2) of titles.csv and hahu_dev:
    /// the items a table trained by `scripts/train-embedder --holdout F`
    /// never saw (the sentence sets are run whole).
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..3))]
    holdout_fold: Option<u64>,
    /// Also run the tasks with this embedder (same items, its own weights)
    /// and add a table comparing the runs; may be given several times,
    /// e.g. `--compare static-minilm --compare hashing`.
    #[arg(long)]
    compare: Vec<EmbedderChoice>,
}

/// Runs the parsed command.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let file = match &cli.config {
        Some(path) => skillmatch::config::FileSettings::read(path)?,
        None => skillmatch::config::FileSettings::default(),
    };
    match cli.command {
        Command::Serve(args) => serve::run(args, cli.data_dir, file, &cli.embedder),
        Command::Import(ImportCommand::Credentials(args)) => {
            import::credentials(&data_dir(cli.data_dir, &file), &args, &cli.embedder)
        }
        Command::Import(ImportCommand::Esco(args)) => {
            import_taxonomy::esco(&data_dir(cli.data_dir, &file), &args, &cli.embedder)
        }
        Command::Import(ImportCommand::Onet(args)) => {
            import_taxonomy::onet(&data_dir(cli.data_dir, &file), &args, &cli.embedder)
        }
        Command::Match(args) => {
            match_cmd::run(&data_dir(cli.data_dir, &file), &args, &cli.embedder)
        }
        Command::Eval(args) => eval_cmd::run(&args, &cli.embedder),
        Command::Keys(KeysCommand::Add(args)) => keys::add(&args),
    }
}

fn data_dir(flag: Option<PathBuf>, file: &skillmatch::config::FileSettings) -> PathBuf {
    flag.or_else(|| file.data_dir.clone())
        .unwrap_or_else(|| PathBuf::from(skillmatch::config::DEFAULT_DATA_DIR))
}
