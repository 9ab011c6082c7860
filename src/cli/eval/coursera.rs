//! Catalogue evaluation on the Coursera scrape of the shared data folder
//! (`coursera-catalogue-2023/coursera_courses.csv`): each row becomes a
//! [`Microcredential`] whose competencies are extracted from its own text,
//! the catalogue is matched against the hahu_dev postings, and the
//! extraction is compared with Coursera's skill tags mapped to ESCO.
//!
//! Assumptions of the conversion (the scrape states neither cost nor hours):
//! - hours: the midpoint of `course_time` at [`HOURS_PER_WEEK`] hours a
//!   week and 52/12 weeks a month ("1 - 4 Weeks" = 2.5 weeks = 12.5 h,
//!   "1 - 3 Months" ≈ 43.3 h, "3 - 6 Months" = 97.5 h); "Less Than N Hours"
//!   counts N/2 hours. Rows whose time cannot be read are skipped.
//! - cost: not in the data, so unknown (absent); no cost filter is evaluated.
//! - assessed: Course, Specialization and Professional Certificate carry
//!   graded assessments for the certificate; Guided Project does not.
//! - delivery online, language `en`; the id is `coursera:` followed by the
//!   URL path with `/` as `:`; later rows with an id already seen are skipped.
//! - competencies: never the skill tags (they are the gold of the extraction
//!   check), only [`add_extracted_competencies`] over description + outcomes.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use serde::Deserialize;

use super::{EvalError, datasets, first, load_extractor};
use skillmatch::catalog::{Catalog, CredentialFilter, MAX_INFERRED, add_extracted_competencies};
use skillmatch::domain::{
    AlignmentSource, CredentialId, CredentialKind, DeliveryMode, JobPosting, Microcredential,
};
use skillmatch::extract::{ExtractOptions, Extractor, TextKind, Tuning};
use skillmatch::matching::{MatchQuery, match_credentials};
use skillmatch::needs::CoverageKind;
use skillmatch::store::Store;
use skillmatch::taxonomy::{CompetencyIdx, Taxonomy};

/// The method and assumptions, for the report.
pub const METHOD: &str = "### Method\n\n\
Data: `coursera-catalogue-2023/coursera_courses.csv` (1,000 rows scraped from coursera.org in Nov 2023; no licence stated, used for internal evaluation only, never copied into the repository) and the hahu_dev postings of the job2skill task (gold = essential skills of the posting's ESCO occupation, postings without one skipped), ESCO v1.1.1 with O*NET titles as in `skillmatch eval`.\n\n\
Conversion (`src/cli/eval/coursera.rs`), one credential per row:\n\
- id `coursera:` + the URL path with `/` as `:` (e.g. `coursera:specializations:sscp-training`); a later row with an id already seen is skipped; title, provider = `course_organization`, description, learning outcomes = the items of `course_summary` (a Python list literal), url.\n\
- hours: not stated; the midpoint of `course_time` at an assumed 5 study hours a week and 52/12 weeks a month: `1 - 4 Weeks` = 12.5 h, `1 - 3 Months` ≈ 43.3 h, `3 - 6 Months` = 97.5 h, `Less Than 2 Hours` = 1 h.\n\
- cost: not in the data, so unknown (absent, never 0); no cost filter is evaluated.\n\
- assessed: true for Course, Specialization and Professional Certificate (the certificate requires graded assignments), false for Guided Project. Delivery online, language `en`, no accreditation, no stacking links (the scrape does not say which courses make up a specialization).\n\
- competencies: never the Coursera skill tags (they are the gold below); only `catalog::add_extracted_competencies` over description + outcomes (the production enrichment: the competencies the text names by a whole preferred, alternative or hidden label, at most 10, source `extracted`).\n\n\
Matching: the credentials are upserted into a catalogue in a temporary folder (`store::Store` + `catalog::Catalog::open(.., \"\")`, no seed), and every posting (title = first line, description = the rest, no explicit competencies) is matched with `matching::match_credentials`, top_k 5, once with no filter and once with `max_hours` 40 + `require_assessed`; both runs are made first without the vector score (a catalogue without an embedder) and then with it (`Catalog::with_embedder`, the extractor's embedder). A gold essential skill counts as covered when a need of the match explanation whose competency is that skill is covered exactly or through a narrower taught competency by any of the 5 credentials (broader and related coverage do not count). Per posting: covered gold / gold; reported as the mean over postings and as the share of postings with at least one covered. The job's needs are themselves extracted from the posting, so this measures posting extraction and credential extraction together.\n\n\
Extraction check: each distinct skill tag of a row is mapped to ESCO competencies whose preferred or alternative label equals it case-insensitively (after trimming; no hidden labels, no fuzzy matching; a label shared by several competencies maps to all of them). For the rows with at least one mapped tag, precision, recall and F1 of the extracted competencies against the mapped set, averaged over rows (macro; precision 0 for a row with no extraction): once for the competencies the enrichment keeps (those the text names by a whole preferred, alternative or hidden label, at most 10) and once for the extractor's top 10 with no threshold. Tags that do not map are not counted against recall, and extracted competencies that a tag did not name count as false positives even when correct, so precision is a lower bound.\n";

/// The catalogue file, relative to the data folder.
pub const CATALOGUE: &str = "coursera-catalogue-2023/coursera_courses.csv";
const POSTINGS: &str = "hahu-jobs-esco/hahu_dev.csv";
/// Study hours a week assumed for `course_time`.
pub const HOURS_PER_WEEK: f64 = 5.0;
const WEEKS_PER_MONTH: f64 = 52.0 / 12.0;
/// Credentials returned per posting.
pub const TOP_K: usize = 5;
/// Hours limit of the filtered run (with `require_assessed`).
pub const FILTER_MAX_HOURS: f64 = 40.0;
/// Depth of the threshold-free extraction check.
const TOP_N_EXTRACTED: usize = 10;

#[derive(Debug, Deserialize)]
struct Row {
    course_title: String,
    course_organization: String,
    course_certificate_type: String,
    course_time: String,
    course_url: String,
    course_skills: String,
    course_summary: String,
    course_description: String,
}

/// A converted row: the credential and the row's Coursera skill tags.
#[derive(Debug, Clone)]
pub struct CourseraItem {
    /// The credential, without competencies.
    pub credential: Microcredential,
    /// Coursera's "Skills you'll gain" tags, deduplicated, in order.
    pub skill_tags: Vec<String>,
}

/// The rows read and why some were skipped.
#[derive(Debug, Clone, Default)]
pub struct Converted {
    /// Converted rows.
    pub items: Vec<CourseraItem>,
    /// Rows skipped, with the reason.
    pub skipped: Vec<String>,
}

/// The items of a Python list literal of strings (`['a', "b's"]`).
pub fn parse_python_list(raw: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut chars = raw.trim().chars();
    while let Some(c) = chars.next() {
        if c != '\'' && c != '"' {
            continue;
        }
        let mut item = String::new();
        while let Some(d) = chars.next() {
            match d {
                '\\' => item.extend(chars.next()),
                d if d == c => break,
                d => item.push(d),
            }
        }
        let item = item.trim();
        if !item.is_empty() {
            items.push(item.to_owned());
        }
    }
    items
}

/// Notional hours of a `course_time` value (see the module assumptions).
pub fn hours(course_time: &str) -> Option<f64> {
    let lower = course_time.trim().to_lowercase();
    if let Some(rest) = lower.strip_prefix("less than ") {
        let n: f64 = rest.split_whitespace().next()?.parse().ok()?;
        return rest.contains("hour").then_some(n / 2.0);
    }
    let (range, unit) = lower.rsplit_once(' ')?;
    let (low, high) = range.split_once('-')?;
    let (low, high): (f64, f64) = (low.trim().parse().ok()?, high.trim().parse().ok()?);
    let mid = f64::midpoint(low, high);
    match unit.trim_end_matches('s') {
        "hour" => Some(mid),
        "week" => Some(mid * HOURS_PER_WEEK),
        "month" => Some(mid * WEEKS_PER_MONTH * HOURS_PER_WEEK),
        _ => None,
    }
}

/// Whether a certificate type is assessed (see the module assumptions).
pub fn assessed(certificate_type: &str) -> bool {
    matches!(
        certificate_type.trim(),
        "Course" | "Specialization" | "Professional Certificate"
    )
}

fn credential_id(url: &str) -> Option<CredentialId> {
    let path = url
        .trim()
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .split_once('/')?
        .1
        .trim_matches('/');
    let slug: String = path
        .chars()
        .map(|c| match c {
            '/' => ':',
            c if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') => c,
            _ => '-',
        })
        .collect();
    CredentialId::parse(&format!("coursera:{slug}")).ok()
}

fn convert(row: Row) -> Result<CourseraItem, String> {
    let id = credential_id(&row.course_url).ok_or_else(|| format!("url {:?}", row.course_url))?;
    let hours = hours(&row.course_time).ok_or_else(|| format!("time {:?}", row.course_time))?;
    let mut skill_tags = Vec::new();
    for tag in parse_python_list(&row.course_skills) {
        if !skill_tags.contains(&tag) {
            skill_tags.push(tag);
        }
    }
    let credential = Microcredential {
        id,
        title: row.course_title.trim().to_owned(),
        provider: row.course_organization.trim().to_owned(),
        description: row.course_description.trim().to_owned(),
        learning_outcomes: parse_python_list(&row.course_summary),
        competencies: Vec::new(),
        kind: CredentialKind::LearningOpportunity,
        hours: Some(hours),
        min_hours: None,
        cost: None,
        cost_profiles: Vec::new(),
        delivery_mode: Some(DeliveryMode::Online),
        language: Some("en".to_owned()),
        assessed: assessed(&row.course_certificate_type),
        accredited_by: Vec::new(),
        frameworks: Vec::new(),
        part_of: Vec::new(),
        has_part: Vec::new(),
        prerequisites: Vec::new(),
        eqf_level: None,
        credits: None,
        validity_months: None,
        url: Some(row.course_url.trim().to_owned()),
        published_type: None,
        occupations: Vec::new(),
    };
    Ok(CourseraItem {
        credential,
        skill_tags,
    })
}

/// Converts the catalogue CSV. Rows that cannot be read or converted, and
/// later rows repeating an id, are skipped and listed.
pub fn read_catalogue(reader: impl Read) -> Result<Converted, String> {
    let mut out = Converted::default();
    let mut seen = HashSet::new();
    let mut csv = csv::Reader::from_reader(reader);
    for (line, row) in csv.deserialize::<Row>().enumerate() {
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                out.skipped.push(format!("row {}: {e}", line + 1));
                continue;
            }
        };
        match convert(row) {
            Ok(item) if seen.insert(item.credential.id.clone()) => out.items.push(item),
            Ok(item) => out.skipped.push(format!(
                "row {}: duplicate id {}",
                line + 1,
                item.credential.id.as_str()
            )),
            Err(reason) => out.skipped.push(format!("row {}: {reason}", line + 1)),
        }
    }
    Ok(out)
}

/// Coverage of the postings' essential skills by the top credentials.
#[derive(Debug, Clone, Copy, Default)]
pub struct CoverageFigures {
    /// Mean share of a posting's essential skills covered (exact or narrower)
    /// by the union of its top-k credentials.
    pub mean_share: f64,
    /// Share of postings with at least one essential skill covered.
    pub any_covered: f64,
    /// Mean number of credentials returned.
    pub mean_returned: f64,
}

/// Precision, recall and F1 (macro means over rows).
#[derive(Debug, Clone, Copy, Default)]
pub struct Prf {
    /// Precision.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// F1 of the row's precision and recall, averaged.
    pub f1: f64,
    /// Mean number of predicted competencies per row.
    pub mean_predicted: f64,
}

/// Figures of the catalogue evaluation.
#[derive(Debug, Clone, Default)]
pub struct CatalogueReport {
    /// Credentials in the catalogue.
    pub credentials: usize,
    /// Rows skipped by the converter.
    pub skipped: usize,
    /// Mean extracted competencies per credential.
    pub mean_extracted: f64,
    /// Credentials with no extracted competency.
    pub without_competency: usize,
    /// Postings evaluated.
    pub postings: usize,
    /// No filter.
    pub unfiltered: CoverageFigures,
    /// `max_hours` [`FILTER_MAX_HOURS`] and `require_assessed`.
    pub filtered: CoverageFigures,
    /// [`Self::unfiltered`] without the vector score (no catalogue embedder).
    pub unfiltered_lexical: CoverageFigures,
    /// [`Self::filtered`] without the vector score.
    pub filtered_lexical: CoverageFigures,
    /// Credentials passing the filter.
    pub passing_filter: usize,
    /// Distinct skill tags over the evaluated rows.
    pub distinct_tags: usize,
    /// Distinct tags mapped to ESCO.
    pub distinct_tags_mapped: usize,
    /// Tag occurrences (per row, deduplicated) and how many mapped.
    pub tag_occurrences: (usize, usize),
    /// Rows with at least one mapped tag.
    pub rows_with_mapped_tag: usize,
    /// At the enrichment threshold.
    pub at_threshold: Prf,
    /// Top 10 regardless of threshold.
    pub top10: Prf,
    /// Seconds: taxonomy and extractor, enrichment and index, matching.
    pub seconds: (f64, f64, f64),
}

fn tag_map(taxonomy: &Taxonomy) -> HashMap<String, Vec<CompetencyIdx>> {
    let mut map: HashMap<String, Vec<CompetencyIdx>> = HashMap::new();
    for competency in taxonomy.competencies() {
        let Some(idx) = taxonomy.idx(&competency.uri) else {
            continue;
        };
        for label in std::iter::once(&competency.preferred_label).chain(&competency.alt_labels) {
            let entry = map.entry(label.trim().to_lowercase()).or_default();
            if !entry.contains(&idx) {
                entry.push(idx);
            }
        }
    }
    map
}

fn credential_text(credential: &Microcredential) -> String {
    std::iter::once(credential.description.as_str())
        .chain(credential.learning_outcomes.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join("\n")
}

#[derive(Default)]
struct PrfSum {
    p: f64,
    r: f64,
    f: f64,
    predicted: f64,
    rows: usize,
}

impl PrfSum {
    fn add(&mut self, predicted: &HashSet<CompetencyIdx>, gold: &HashSet<CompetencyIdx>) {
        #[allow(clippy::cast_precision_loss)]
        let (hit, np, ng) = (
            predicted.intersection(gold).count() as f64,
            predicted.len() as f64,
            gold.len() as f64,
        );
        let p = if np > 0.0 { hit / np } else { 0.0 };
        let r = if ng > 0.0 { hit / ng } else { 0.0 };
        self.p += p;
        self.r += r;
        self.f += if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        };
        self.predicted += np;
        self.rows += 1;
    }

    fn mean(&self) -> Prf {
        #[allow(clippy::cast_precision_loss)]
        let n = self.rows.max(1) as f64;
        Prf {
            precision: self.p / n,
            recall: self.r / n,
            f1: self.f / n,
            mean_predicted: self.predicted / n,
        }
    }
}

fn coverage(
    taxonomy: &Taxonomy,
    extractor: &Extractor,
    catalog: &Catalog,
    postings: &[datasets::PostingCase],
    filter: &CredentialFilter,
) -> Result<CoverageFigures, EvalError> {
    let (mut share, mut any, mut returned) = (0.0, 0usize, 0usize);
    for case in postings {
        let (title, description) = case.text.split_once('\n').unwrap_or((&case.text, ""));
        let query = MatchQuery {
            job: JobPosting {
                id: String::new(),
                title: title.to_owned(),
                description: description.to_owned(),
                competencies: Vec::new(),
                location: String::new(),
                remote: true,
            },
            filter: filter.clone(),
            top_k: TOP_K,
            offset: 0,
        };
        let outcome = match_credentials(taxonomy, extractor, catalog, &query).map_err(|e| {
            EvalError::Data {
                file: CATALOGUE.to_owned(),
                reason: e.to_string(),
            }
        })?;
        returned += outcome.matches.len();
        let covered: HashSet<CompetencyIdx> = outcome
            .matches
            .iter()
            .flat_map(|m| &m.covered)
            .filter(|c| matches!(c.kind, CoverageKind::Exact | CoverageKind::Narrower))
            .filter_map(|c| outcome.needs[c.need].idx)
            .filter(|idx| case.gold.contains(idx))
            .collect();
        #[allow(clippy::cast_precision_loss)]
        {
            share += covered.len() as f64 / case.gold.len() as f64;
        }
        any += usize::from(!covered.is_empty());
    }
    #[allow(clippy::cast_precision_loss)]
    let n = postings.len().max(1) as f64;
    #[allow(clippy::cast_precision_loss)]
    Ok(CoverageFigures {
        mean_share: share / n,
        any_covered: any as f64 / n,
        mean_returned: returned as f64 / n,
    })
}

/// Runs the catalogue evaluation on the shared data folder, on the first
/// `limit` catalogue rows and the first `limit` postings when given. The
/// catalogue lives in a temporary folder under `work_dir`.
pub fn run(
    data: &Path,
    limit: Option<usize>,
    work_dir: &Path,
) -> Result<CatalogueReport, EvalError> {
    let bad = |file: &str, reason: String| EvalError::Data {
        file: file.to_owned(),
        reason,
    };
    let started = Instant::now();
    let (taxonomy, extractor) = load_extractor(data, Tuning::default())?;
    let taxonomy = Arc::new(taxonomy);
    let setup = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let file =
        std::fs::File::open(data.join(CATALOGUE)).map_err(|e| bad(CATALOGUE, e.to_string()))?;
    let converted = read_catalogue(std::io::BufReader::new(file)).map_err(|e| bad(CATALOGUE, e))?;
    let skipped = converted.skipped.len();
    let mut items = first(converted.items, limit);
    for item in &mut items {
        add_extracted_competencies(&taxonomy, &extractor, &mut item.credential);
    }
    let store_err = |e: String| bad("catalogue store", e);
    std::fs::create_dir_all(work_dir).map_err(|e| store_err(e.to_string()))?;
    let store =
        Store::open(&work_dir.join("catalogue.redb")).map_err(|e| store_err(e.to_string()))?;
    let (catalog, _) = Catalog::open(
        Arc::new(store),
        taxonomy.clone(),
        &work_dir.join("index"),
        "",
    )
    .map_err(|e| store_err(e.to_string()))?;
    catalog
        .upsert(items.iter().map(|i| i.credential.clone()).collect())
        .map_err(|e| store_err(e.to_string()))?;
    let enrich = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let postings = first(datasets::postings(&taxonomy, &data.join(POSTINGS))?, limit);
    let filter = CredentialFilter {
        max_hours: Some(FILTER_MAX_HOURS),
        require_assessed: true,
        ..CredentialFilter::default()
    };
    let both = |catalog: &Catalog| -> Result<(CoverageFigures, CoverageFigures), EvalError> {
        let unfiltered = coverage(
            &taxonomy,
            &extractor,
            catalog,
            &postings,
            &CredentialFilter::default(),
        )?;
        let filtered = coverage(&taxonomy, &extractor, catalog, &postings, &filter)?;
        Ok((unfiltered, filtered))
    };
    let (unfiltered_lexical, filtered_lexical) = both(&catalog)?;
    let catalog = match extractor.space() {
        Some(space) => catalog.with_embedder(space.embedder().clone()),
        None => catalog,
    };
    let (unfiltered, filtered) = both(&catalog)?;
    let matching = started.elapsed().as_secs_f64();

    let labels = tag_map(&taxonomy);
    let (mut distinct, mut distinct_mapped) = (HashSet::new(), HashSet::new());
    let (mut occurrences, mut mapped_occurrences, mut rows_mapped) = (0, 0, 0);
    let (mut at_threshold, mut top10) = (PrfSum::default(), PrfSum::default());
    let top10_options = ExtractOptions {
        top_k: TOP_N_EXTRACTED,
        min_score: 0.0,
        kind: TextKind::Sentence,
    };
    for item in &items {
        let mut gold = HashSet::new();
        for tag in &item.skill_tags {
            let key = tag.trim().to_lowercase();
            occurrences += 1;
            distinct.insert(key.clone());
            if let Some(found) = labels.get(&key) {
                mapped_occurrences += 1;
                distinct_mapped.insert(key);
                gold.extend(found.iter().copied());
            }
        }
        if gold.is_empty() {
            continue;
        }
        rows_mapped += 1;
        let extracted: HashSet<CompetencyIdx> = item
            .credential
            .competencies
            .iter()
            .filter(|t| t.source == AlignmentSource::Extracted)
            .filter_map(|t| taxonomy.idx(&t.uri))
            .collect();
        at_threshold.add(&extracted, &gold);
        let top: HashSet<CompetencyIdx> = extractor
            .extract(&credential_text(&item.credential), &top10_options)
            .into_iter()
            .map(|e| e.competency)
            .collect();
        top10.add(&top, &gold);
    }

    let extracted_counts: Vec<usize> = items
        .iter()
        .map(|i| i.credential.competencies.len())
        .collect();
    #[allow(clippy::cast_precision_loss)]
    let mean_extracted = extracted_counts.iter().sum::<usize>() as f64 / items.len().max(1) as f64;
    Ok(CatalogueReport {
        credentials: catalog.len(),
        skipped,
        mean_extracted,
        without_competency: extracted_counts.iter().filter(|&&n| n == 0).count(),
        postings: postings.len(),
        unfiltered,
        filtered,
        unfiltered_lexical,
        filtered_lexical,
        passing_filter: items
            .iter()
            .filter(|i| filter.accepts(&i.credential))
            .count(),
        distinct_tags: distinct.len(),
        distinct_tags_mapped: distinct_mapped.len(),
        tag_occurrences: (occurrences, mapped_occurrences),
        rows_with_mapped_tag: rows_mapped,
        at_threshold: at_threshold.mean(),
        top10: top10.mean(),
        seconds: (setup, enrich, matching),
    })
}

impl CatalogueReport {
    /// Every figure that is a share, named, for checks.
    #[cfg(test)]
    pub fn shares(&self) -> Vec<(&'static str, f64)> {
        let prf = |p: &Prf| [p.precision, p.recall, p.f1];
        let [tp, tr, tf] = prf(&self.at_threshold);
        let [p10, r10, f10] = prf(&self.top10);
        vec![
            ("coverage share", self.unfiltered.mean_share),
            ("any covered", self.unfiltered.any_covered),
            ("coverage share (filtered)", self.filtered.mean_share),
            ("any covered (filtered)", self.filtered.any_covered),
            ("precision at threshold", tp),
            ("recall at threshold", tr),
            ("F1 at threshold", tf),
            ("precision top-10", p10),
            ("recall top-10", r10),
            ("F1 top-10", f10),
        ]
    }

    /// The figures as Markdown tables (no heading).
    pub fn markdown_figures(&self) -> String {
        let cov = |name: &str, c: &CoverageFigures| {
            format!(
                "| {name} | {:.3} | {:.3} | {:.2} |\n",
                c.mean_share, c.any_covered, c.mean_returned
            )
        };
        let prf = |name: &str, p: &Prf| {
            format!(
                "| {name} | {:.3} | {:.3} | {:.3} | {:.2} |\n",
                p.precision, p.recall, p.f1, p.mean_predicted
            )
        };
        let (occ, occ_mapped) = self.tag_occurrences;
        let mut out = format!(
            "Catalogue: {} credentials ({} rows skipped by the converter), {:.2} extracted competencies per credential on average, {} with none. Postings: {}.\n\n",
            self.credentials,
            self.skipped,
            self.mean_extracted,
            self.without_competency,
            self.postings
        );
        out.push_str(&format!(
            "Essential-skill coverage by the union of the top {TOP_K} credentials (exact or narrower):\n\n"
        ));
        out.push_str("| Run | Mean share of essential skills covered | Postings with ≥ 1 covered | Credentials returned per posting |\n|---|---|---|---|\n");
        out.push_str(&cov("no filter", &self.unfiltered));
        out.push_str(&cov(
            &format!(
                "max_hours {FILTER_MAX_HOURS} + require_assessed ({} credentials pass)",
                self.passing_filter
            ),
            &self.filtered,
        ));
        out.push_str(&cov(
            "no filter, without the vector score",
            &self.unfiltered_lexical,
        ));
        out.push_str(&cov(
            &format!("max_hours {FILTER_MAX_HOURS} + require_assessed, without the vector score"),
            &self.filtered_lexical,
        ));
        out.push_str(&format!(
            "\nSkill tags: {} distinct, {} mapped to ESCO by exact label ({:.1} %); {} of {} per-row tag occurrences mapped; {} rows with ≥ 1 mapped tag.\n\n",
            self.distinct_tags,
            self.distinct_tags_mapped,
            100.0 * ratio(self.distinct_tags_mapped, self.distinct_tags),
            occ_mapped,
            occ,
            self.rows_with_mapped_tag
        ));
        out.push_str("| Extraction vs mapped tags (macro over rows) | Precision | Recall | F1 | Predicted per row |\n|---|---|---|---|---|\n");
        out.push_str(&prf(
            &format!("as enriched (named by a whole label, ≤ {MAX_INFERRED})"),
            &self.at_threshold,
        ));
        out.push_str(&prf("top 10, no threshold", &self.top10));
        let (setup, enrich, matching) = self.seconds;
        out.push_str(&format!(
            "\nTime: {setup:.1} s taxonomy and extractor, {enrich:.1} s conversion, extraction and indexing, {matching:.1} s matching (four runs: without, then with the vector score).\n"
        ));
        out
    }
}

#[allow(clippy::cast_precision_loss)]
fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    #[test]
    fn converts_the_two_row_fixture() {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/coursera_two_rows.csv");
        let converted = read_catalogue(std::fs::File::open(path).unwrap()).unwrap();
        assert!(converted.skipped.is_empty(), "{:?}", converted.skipped);
        let [a, b] = converted.items.as_slice() else {
            panic!("{} items", converted.items.len());
        };
        assert_eq!(
            a.credential.id.as_str(),
            "coursera:specializations:data-basics"
        );
        assert_eq!(a.credential.title, "Data Basics");
        assert_eq!(a.credential.provider, "Example University");
        assert_eq!(
            a.credential.learning_outcomes,
            ["Clean data with Python", "Write SQL queries"]
        );
        assert_eq!(
            a.skill_tags,
            ["Python Programming", "SQL", "Data's Analysis"]
        );
        assert!((a.credential.hours.unwrap() - 97.5).abs() < 1e-9);
        assert!(a.credential.assessed);
        assert_eq!(a.credential.delivery_mode, Some(DeliveryMode::Online));
        assert_eq!(a.credential.language.as_deref(), Some("en"));
        assert!(a.credential.description.contains("second line"));
        assert!(a.credential.competencies.is_empty());
        assert_eq!(b.credential.id.as_str(), "coursera:projects:quick-chart");
        assert!(!b.credential.assessed);
        assert!((b.credential.hours.unwrap() - 1.0).abs() < 1e-9);
        assert!(b.skill_tags.is_empty());
        assert!(b.credential.learning_outcomes.is_empty());
    }

    #[test]
    fn reads_course_times() {
        assert_eq!(hours("1 - 4 Weeks"), Some(12.5));
        assert_eq!(hours("Less Than 2 Hours"), Some(1.0));
        assert!((hours("1 - 3 Months").unwrap() - 2.0 * 52.0 / 12.0 * 5.0).abs() < 1e-9);
        assert_eq!(hours("someday"), None);
    }

    /// Runs the catalogue evaluation on a few rows and postings when the
    /// shared data folder is there; figures are checked to be shares only.
    #[test]
    fn evaluates_a_subset_of_the_coursera_catalogue() {
        let data = std::env::var_os("SKILLMATCH_SHARED_DATA").map_or_else(
            || Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"),
            PathBuf::from,
        );
        if !data.join(CATALOGUE).exists() || !data.join(super::super::ESCO_DIR).exists() {
            eprintln!("skipping: {} lacks the catalogue or ESCO", data.display());
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let report = run(&data, Some(30), dir.path()).unwrap();
        assert!(report.credentials > 0 && report.postings > 0);
        for (name, value) in report.shares() {
            assert!((0.0..=1.0).contains(&value), "{name} = {value}");
        }
        assert!(report.markdown_figures().contains("no filter"));
    }
}
