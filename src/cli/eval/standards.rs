//! `skillmatch eval --standards`: imports the real CTDL and Open Badges
//! records of `credential-standards/` into a fresh engine (embedded
//! taxonomy and catalogue) and measures what they yield: the share
//! imported, the share with a taxonomy competency, how many published
//! competency names resolve, which markers are known, and the top
//! credentials a handful of job postings are recommended with these records
//! in the catalogue.

use std::fmt::Write as _;
use std::path::Path;

use super::EvalError;
use skillmatch::catalog::{
    CredentialFilter, ParsedCredentials, RecordStatus, parse_credentials_ctdl,
    parse_credentials_openbadges,
};
use skillmatch::domain::{AlignmentSource, JobPosting, Microcredential};
use skillmatch::engine::{Engine, EngineConfig};
use skillmatch::matching::MatchQuery;

/// The folder of the records, relative to the data folder.
pub const FOLDER: &str = "credential-standards";

/// How the figures are made, for the report.
pub const METHOD: &str = "Each file of `credential-standards/ctdl` and `credential-standards/openbadges` \
is read by its reader and imported with `Engine::import_parsed` into a fresh data directory holding \
the embedded sample taxonomy and the embedded catalogue (no ESCO or O*NET release imported, so SOC \
codes stay unresolved and names resolve only to sample competencies). A record *has a competency* when \
at least one of its competencies is a taxonomy URI. The postings below are written for the records' \
fields and matched with MatchCredentials' ranking (no filter, top 5).\n\n\
The threshold for resolving a published competency name (`MIN_RESOLUTION_SCORE`, 0.15) was set on \
these records by judging each resolution by hand (2026-12-01): of the 21 names resolved at 0.15 or \
more, 20 were plausible (the miss: \"Prioritize patient collections based on order request (e.g., \
STAT ...)\" read as *statistics*); of the 21 more that 0.10 would add, only 12 were (misses such as \
\"Perform cleaning and disinfection of equipment\" read as *perform data cleansing* and equipment \
selection read as *test electrical equipment*). Most names stay unresolved because the embedded \
sample taxonomy has no concept for them (sociology courses, machining, senior-care topics); with \
ESCO imported the share would be measured again.\n";

/// Job postings that the records' fields are about.
const POSTINGS: [(&str, &str); 5] = [
    (
        "Health data analyst",
        "Analyse health data, build reports and dashboards, keep data quality and data models in order.",
    ),
    (
        "Phlebotomy technician",
        "Draw blood by venipuncture, handle and process specimens, follow infection control procedures.",
    ),
    (
        "Instructional designer",
        "Design online courses and learning materials, evaluate course design against quality standards.",
    ),
    (
        "IT support technician",
        "Support users with computers, software and networks; troubleshoot hardware and databases.",
    ),
    (
        "Senior care advisor",
        "Advise older adults and their families on eldercare planning, health, finances and end of life.",
    ),
];

/// One imported record.
#[derive(Debug, Clone)]
pub struct ImportedRecord {
    /// Its status.
    pub status: RecordStatus,
    /// The credential as stored, when imported.
    pub credential: Option<Microcredential>,
    /// Published competency names, and how many resolved.
    pub names: (usize, usize),
}

/// What the evaluation measured.
#[derive(Debug, Clone)]
pub struct StandardsReport {
    /// Every record.
    pub records: Vec<ImportedRecord>,
    /// Per posting, the top credentials.
    pub recommendations: Vec<(String, Vec<Recommended>)>,
}

/// One recommended credential.
#[derive(Debug, Clone)]
pub struct Recommended {
    /// Its id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Whether it is one of the imported records.
    pub record: bool,
    /// Its unknown markers.
    pub unknown: Vec<&'static str>,
}

fn failed(file: &str, reason: impl ToString) -> EvalError {
    EvalError::Data {
        file: file.to_owned(),
        reason: reason.to_string(),
    }
}

/// Runs the evaluation on `data/credential-standards`, in `work` (a fresh
/// data directory).
pub fn run(data: &Path, work: &Path) -> Result<StandardsReport, EvalError> {
    let folder = data.join(FOLDER);
    let (engine, _) = Engine::open(&EngineConfig::new(work)).map_err(|e| failed("engine", e))?;
    let mut records = Vec::new();
    for format in ["ctdl", "openbadges"] {
        let dir = folder.join(format);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .map_err(|e| failed(&dir.display().to_string(), e))?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        for path in files {
            let name = format!(
                "{format}/{}",
                path.file_name().unwrap_or_default().to_string_lossy()
            );
            let text = std::fs::read_to_string(&path).map_err(|e| failed(&name, e))?;
            let mut parsed: ParsedCredentials = if format == "ctdl" {
                parse_credentials_ctdl(&text)
            } else {
                parse_credentials_openbadges(&text)
            };
            engine
                .import_parsed(&mut parsed)
                .map_err(|e| failed(&name, e))?;
            for report in &parsed.reports {
                let credential = report.id.as_deref().and_then(|id| {
                    parsed
                        .credentials
                        .iter()
                        .find(|c| c.id.as_str() == id && report.status != RecordStatus::Rejected)
                        .cloned()
                });
                records.push(ImportedRecord {
                    status: report.status,
                    credential,
                    names: (
                        report.named_competencies.len(),
                        report
                            .named_competencies
                            .iter()
                            .filter(|n| n.resolved.is_some())
                            .count(),
                    ),
                });
            }
        }
    }
    let ids: Vec<String> = records
        .iter()
        .filter_map(|r| r.credential.as_ref().map(|c| c.id.to_string()))
        .collect();
    let mut recommendations = Vec::new();
    for (title, description) in POSTINGS {
        let outcome = engine
            .match_credentials(&MatchQuery {
                job: JobPosting {
                    title: title.to_owned(),
                    description: description.to_owned(),
                    ..JobPosting::default()
                },
                filter: CredentialFilter::default(),
                top_k: 5,
                offset: 0,
            })
            .map_err(|e| failed(title, e))?;
        let top = outcome
            .matches
            .iter()
            .map(|m| {
                let id = m.credential.id.to_string();
                Recommended {
                    record: ids.contains(&id),
                    title: m.credential.title.clone(),
                    unknown: m.credential.unknown_markers(),
                    id,
                }
            })
            .collect();
        recommendations.push((title.to_owned(), top));
    }
    Ok(StandardsReport {
        records,
        recommendations,
    })
}

impl StandardsReport {
    /// The figures and tables, as Markdown.
    pub fn markdown_figures(&self) -> String {
        let total = self.records.len();
        let imported: Vec<&Microcredential> = self
            .records
            .iter()
            .filter_map(|r| r.credential.as_ref())
            .collect();
        let share = |count: usize| {
            if total == 0 {
                0.0
            } else {
                100.0 * count as f64 / total as f64
            }
        };
        let taxonomy_uri = |uri: &str| {
            uri.starts_with("http://data.europa.eu/esco/")
                || uri.starts_with("https://www.onetonline.org/")
        };
        let with_competency = imported
            .iter()
            .filter(|c| c.competencies.iter().any(|t| taxonomy_uri(&t.uri)))
            .count();
        let with_named = imported
            .iter()
            .filter(|c| c.competencies.iter().any(|t| t.resolved_from.is_some()))
            .count();
        let from_text = imported
            .iter()
            .filter(|c| {
                c.competencies
                    .iter()
                    .any(|t| t.source == AlignmentSource::Extracted && t.resolved_from.is_none())
            })
            .count();
        let (names, resolved) = self.records.iter().fold((0, 0), |(n, r), record| {
            (n + record.names.0, r + record.names.1)
        });
        let warned = self
            .records
            .iter()
            .filter(|r| r.status == RecordStatus::ImportedWithWarnings)
            .count();
        let known =
            |pick: &dyn Fn(&Microcredential) -> bool| imported.iter().filter(|c| pick(c)).count();
        let mut text = String::new();
        let _ = writeln!(text, "| figure | value |\n|---|---|");
        let _ = writeln!(text, "| records | {total} |");
        let _ = writeln!(
            text,
            "| imported | {} ({:.0} %), {warned} of them with warnings |",
            imported.len(),
            share(imported.len())
        );
        let _ = writeln!(
            text,
            "| with at least one taxonomy competency | {with_competency} ({:.0} %) |",
            share(with_competency)
        );
        let _ = writeln!(
            text,
            "| ... from a published competency name | {with_named} ({:.0} %) |",
            share(with_named)
        );
        let _ = writeln!(
            text,
            "| ... from the description (extracted) | {from_text} ({:.0} %) |",
            share(from_text)
        );
        let _ = writeln!(
            text,
            "| published competency names resolved | {resolved} of {names} |"
        );
        for (label, count) in [
            ("hours known", known(&|c| c.hours.is_some())),
            ("cost known", known(&|c| c.cost.is_some())),
            ("delivery mode known", known(&|c| c.delivery_mode.is_some())),
            ("language known", known(&|c| c.language.is_some())),
        ] {
            let _ = writeln!(text, "| {label} | {count} ({:.0} %) |", share(count));
        }
        let _ = writeln!(text, "\n### Top credentials for a handful of postings\n");
        let _ = writeln!(
            text,
            "Embedded catalogue plus the imported records; *record* marks one of them, with its unknown markers.\n"
        );
        for (posting, top) in &self.recommendations {
            let _ = writeln!(text, "**{posting}**\n");
            for (rank, found) in top.iter().enumerate() {
                let Recommended {
                    id,
                    title,
                    record,
                    unknown,
                } = found;
                let marker = if *record {
                    if unknown.is_empty() {
                        " — *record*".to_owned()
                    } else {
                        format!(" — *record*, unknown: {}", unknown.join(", "))
                    }
                } else {
                    String::new()
                };
                let _ = writeln!(text, "{}. {title} (`{id}`){marker}", rank + 1);
            }
            text.push('\n');
        }
        text
    }
}
