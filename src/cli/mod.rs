//! Command-line interface: `serve`, `import`, `match`, `eval`.

mod backup;
mod eval;
mod eval_cmd;
mod import;
mod import_taxonomy;
mod keys;
mod loadgen;
mod match_cmd;
mod serve;

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use skillmatch::config::{CommonSettings, FileSettings, ServeSettings, Settings};
use skillmatch::embed::EmbedderChoice;

/// skillmatch: match job postings to microcredentials and candidates, explained competency by competency.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Cli {
    /// Settings every command reads (data directory, embedder).
    #[command(flatten)]
    common: CommonSettings,
    /// TOML file with the same settings as the flags.
    #[arg(long, global = true, env = "SKILLMATCH_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the gRPC API.
    Serve(Box<ServeSettings>),
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
    /// Back up a data directory no server holds (a running server backs up
    /// through AdminService.CreateBackup).
    Backup(BackupArgs),
    /// Restore a backup into an empty data directory.
    Restore(RestoreArgs),
    /// Drive a running server with a fixed number of calls in flight and
    /// report throughput, latency percentiles and errors.
    Loadgen(LoadgenArgs),
}

/// Flags of `loadgen`.
#[derive(Debug, clap::Args)]
struct LoadgenArgs {
    /// The server: http://HOST:PORT, or https://HOST:PORT with --tls-ca.
    #[arg(long, default_value = "http://127.0.0.1:50051")]
    server: String,
    /// The call to make.
    #[arg(long, value_enum)]
    rpc: LoadRpc,
    /// Calls in flight at once (16 per connection).
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Seconds measured.
    #[arg(long, default_value_t = 10)]
    duration_secs: u64,
    /// Seconds of calls before measuring.
    #[arg(long, default_value_t = 1)]
    warmup_secs: u64,
    /// API key sent as `authorization: Bearer KEY`.
    #[arg(long, env = "SKILLMATCH_LOADGEN_KEY", hide_env_values = true)]
    key: Option<String>,
    /// PEM CA bundle to trust for an https server.
    #[arg(long)]
    tls_ca: Option<PathBuf>,
    /// Store this many synthetic candidates before measuring (needs the write role).
    #[arg(long, default_value_t = 0)]
    seed_candidates: usize,
    /// Print one JSON object instead of a line.
    #[arg(long)]
    json: bool,
}

/// Calls `loadgen` makes.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum LoadRpc {
    /// TaxonomyService.ExtractCompetencies on a job posting.
    Extract,
    /// MatchService.MatchCredentials (top 10) for an inline job posting.
    Match,
    /// MatchService.RankCandidates (top 10) for an inline job posting.
    Rank,
}

/// Flags of `backup`.
#[derive(Debug, clap::Args)]
struct BackupArgs {
    /// The backup folder to create; it must not exist or be empty.
    #[arg(long)]
    out: PathBuf,
}

/// Flags of `restore`.
#[derive(Debug, clap::Args)]
struct RestoreArgs {
    /// The backup folder (holding skillmatch.redb).
    #[arg(long)]
    from: PathBuf,
    /// The live data directory the backup was taken from (or its
    /// skillmatch.erasures file): records deleted there after the backup
    /// are erased from the restore too.
    #[arg(long)]
    erasure_log: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Create a random key for a tenant and role, print it once and append its digest to the file.
    Add(KeysAddArgs),
    /// List the keys of a file: id, tenant, role, created, expiry, revocation, last use (never the key).
    List(KeysListArgs),
    /// Revoke a key by id; a running server refuses it within a second, without a restart.
    Revoke(KeysRevokeArgs),
}

/// Flags of `keys list`.
#[derive(Debug, clap::Args)]
struct KeysListArgs {
    /// The API-key file.
    #[arg(long)]
    file: PathBuf,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// Flags of `keys revoke`.
#[derive(Debug, clap::Args)]
struct KeysRevokeArgs {
    /// The API-key file.
    #[arg(long)]
    file: PathBuf,
    /// Id of the key, as `keys list` shows it.
    #[arg(long)]
    id: String,
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
    /// When the key stops working: YYYY-MM-DD (midnight UTC) or YYYY-MM-DDTHH:MM:SSZ.
    #[arg(long)]
    expires: Option<String>,
}

#[derive(Debug, Subcommand)]
enum ImportCommand {
    /// Import microcredentials from a file, with a report per record
    /// (`--strict`: all or nothing).
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
    /// All or nothing: import nothing when any record is rejected. Without
    /// it the usable records are imported and the rejected ones reported.
    #[arg(long)]
    strict: bool,
    /// Also write the per-record import report as JSON to this file.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
}

/// Formats `import credentials` reads.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum CredentialFormat {
    /// Native JSON Lines, one credential per line (see README).
    Jsonl,
    /// Credential Engine CTDL JSON-LD (`ceterms:` credential classes,
    /// learning opportunities and assessments), as a document with `@graph`
    /// or as JSON Lines.
    Ctdl,
    /// Open Badges 3.0 achievements (or credentials awarding them, or CLR 2.0
    /// credentials holding them), as a JSON array or JSON Lines; price,
    /// hours and delivery mode are unknown unless the `skillmatch:cost`,
    /// `skillmatch:hours` and `skillmatch:deliveryMode` extension properties
    /// give them.
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
    /// Run the credential-standards evaluation instead (the CTDL and Open
    /// Badges records of `credential-standards/`), and replace or append
    /// only the "Credential standards" section of the report.
    #[arg(long, conflicts_with = "catalogue")]
    standards: bool,
    /// Run the tasks through the engine as `serve` runs it, in a scratch
    /// data directory: ESCO imported alone, then ESCO + O*NET with the
    /// crosswalk (with `taxonomy_ids: ["esco"]` and without a filter), and
    /// replace or add only the "Served configurations" section of the report.
    #[arg(long, conflicts_with_all = ["catalogue", "standards"])]
    served: bool,
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
    /// Also write the raw (uncalibrated) scores of the top 20 skills of
    /// every posting (of the held-out fold) and validation sentence, with
    /// their relevance, as JSON lines (read by `scripts/fit-calibration`).
    #[arg(long)]
    scores_out: Option<PathBuf>,
    /// Also write, for every titles.csv row (of the held-out fold), the
    /// features of its 100 best candidate occupations and where its gold
    /// occupation is among them, as JSON lines (read by
    /// `scripts/train-title-fusion`).
    #[arg(long)]
    occupation_features_out: Option<PathBuf>,
}

/// Runs the parsed command.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let file = match &cli.config {
        Some(path) => FileSettings::read(path)?,
        None => FileSettings::default(),
    };
    let common = cli.common.clone().over(file.common.clone());
    let data_dir = common.data_dir();
    let embedder = common.embedder();
    match cli.command {
        Command::Serve(serve) => serve::run(Settings::resolve(cli.common, *serve, file)),
        Command::Import(ImportCommand::Credentials(args)) => {
            import::credentials(&data_dir, &args, &embedder)
        }
        Command::Import(ImportCommand::Esco(args)) => {
            import_taxonomy::esco(&data_dir, &args, &embedder)
        }
        Command::Import(ImportCommand::Onet(args)) => {
            import_taxonomy::onet(&data_dir, &args, &embedder)
        }
        Command::Match(args) => match_cmd::run(&data_dir, &args, &embedder),
        Command::Eval(args) => eval_cmd::run(&args, &embedder),
        Command::Backup(args) => backup::backup(&data_dir, &args.out),
        Command::Loadgen(args) => loadgen::run(&args),
        Command::Restore(args) => {
            backup::restore(&args.from, &data_dir, args.erasure_log.as_deref())
        }
        Command::Keys(KeysCommand::Add(args)) => keys::add(&args),
        Command::Keys(KeysCommand::List(args)) => keys::list(&args),
        Command::Keys(KeysCommand::Revoke(args)) => keys::revoke(&args),
    }
}
