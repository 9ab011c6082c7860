//! The extractor `skillmatch eval` and the extraction bench build from the
//! shared data folder (`../shared/data`): ESCO v1.1.1 read from its CSV
//! files, with extra job titles for ESCO occupations from O*NET 29.3
//! (occupation titles, alternate titles, reported titles) linked through the
//! official ESCO–O*NET crosswalk when both folders are present. The server
//! never calls it: it serves the releases `import` installed.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use crate::domain::TaxonomyVersion;
use crate::embed::{Embedder, default_embedder};
use crate::extract::{ConceptSpace, Extractor, ReleaseVectors, Tuning};
use crate::taxonomy::{Taxonomy, TaxonomyError, TaxonomyPart, esco, vectors};

/// The ESCO release's folder in the data folder.
pub const ESCO_DIR: &str = "esco-v1.1.1";

const CROSSWALK: &str = "esco-onet-crosswalk/crosswalk_esco_onet.csv";
const ONET: &str = "onet-29.3";
/// O*NET files and the columns holding titles.
const TITLE_FILES: [(&str, &[&str]); 3] = [
    ("Occupation Data.txt", &["Title"]),
    ("Alternate Titles.txt", &["Alternate Title", "Short Title"]),
    ("Sample of Reported Titles.txt", &["Reported Job Title"]),
];

fn bad(path: &Path, reason: impl ToString) -> TaxonomyError {
    TaxonomyError::BadFile {
        file: path.display().to_string(),
        reason: reason.to_string(),
    }
}

/// Reads ESCO from `data/esco-v1.1.1` and builds the taxonomy and an
/// extractor, with O*NET titles for occupations when `data` holds O*NET and
/// the crosswalk, and the vector score of the default embedder.
pub fn load_extractor(data: &Path, tuning: Tuning) -> Result<(Taxonomy, Extractor), TaxonomyError> {
    load_extractor_with(data, tuning, Some(default_embedder()), None)
}

/// [`load_extractor`] with another embedder (or none: no vector score) and
/// optionally a folder where concept vectors are kept between runs (named
/// after the embedder, recomputed when stale, as at import).
pub fn load_extractor_with(
    data: &Path,
    tuning: Tuning,
    embedder: Option<Arc<dyn Embedder>>,
    vector_cache: Option<&Path>,
) -> Result<(Taxonomy, Extractor), TaxonomyError> {
    let release = esco::read_esco_dir(&data.join(ESCO_DIR))?;
    let part = TaxonomyPart {
        version: TaxonomyVersion {
            id: "esco".into(),
            version: "v1.1.1".into(),
        },
        competencies: release.competencies,
        occupations: release.occupations,
    };
    let concept_vectors = match &embedder {
        Some(embedder) => Some(match vector_cache {
            Some(folder) => {
                let path = folder.join(format!("esco-v1.1.1-{}.bin", embedder.id()));
                vectors::load_or_compute(&path, embedder.as_ref(), &part)?.0
            }
            None => vectors::compute(embedder.as_ref(), &part),
        }),
        None => None,
    };
    let release_vectors = concept_vectors.map(|v| ReleaseVectors::new(&part, v));
    let taxonomy = Taxonomy::assemble(vec![part])?;
    let titles = occupation_titles(data, &taxonomy)?;
    let mut extractor = Extractor::with_occupation_titles(&taxonomy, tuning, &titles);
    if let (Some(embedder), Some(release)) = (embedder, release_vectors) {
        extractor = extractor.with_space(ConceptSpace::assemble(embedder, &taxonomy, &[release]));
    }
    Ok((taxonomy, extractor))
}

/// O*NET-SOC code -> titles.
fn onet_titles(dir: &Path) -> Result<HashMap<String, Vec<String>>, TaxonomyError> {
    let mut titles: HashMap<String, Vec<String>> = HashMap::new();
    for (file, columns) in TITLE_FILES {
        let path = dir.join(file);
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(b'\t')
            .quoting(false)
            .flexible(true)
            .from_path(&path)
            .map_err(|e| bad(&path, e))?;
        let headers = reader.headers().map_err(|e| bad(&path, e))?.clone();
        let position = |name: &str| headers.iter().position(|h| h == name);
        let code = position("O*NET-SOC Code").ok_or_else(|| bad(&path, "no O*NET-SOC Code"))?;
        let wanted: Vec<usize> = columns.iter().filter_map(|c| position(c)).collect();
        for record in reader.records() {
            let record = record.map_err(|e| bad(&path, e))?;
            let entry = titles
                .entry(record.get(code).unwrap_or_default().to_owned())
                .or_default();
            for &column in &wanted {
                if let Some(title) = record.get(column).map(str::trim).filter(|t| !t.is_empty()) {
                    entry.push(title.to_owned());
                }
            }
        }
    }
    Ok(titles)
}

/// Titles per occupation (in taxonomy order) from every crosswalk row
/// (exact, close, narrow or broad match); empty lists when the O*NET or
/// crosswalk folder is absent.
fn occupation_titles(data: &Path, taxonomy: &Taxonomy) -> Result<Vec<Vec<String>>, TaxonomyError> {
    let mut out = vec![Vec::new(); taxonomy.occupations().len()];
    let crosswalk = data.join(CROSSWALK);
    if !crosswalk.exists() || !data.join(ONET).exists() {
        return Ok(out);
    }
    let titles = onet_titles(&data.join(ONET))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(&crosswalk)
        .map_err(|e| bad(&crosswalk, e))?;
    let mut in_table = false;
    for record in reader.records() {
        let record = record.map_err(|e| bad(&crosswalk, e))?;
        if !in_table {
            in_table = record.get(0) == Some("O*NET Id");
            continue;
        }
        let (Some(code), Some(uri)) = (record.get(0), record.get(3)) else {
            continue;
        };
        if let (Some(occupation), Some(list)) = (
            taxonomy.occupation_index(uri.trim()),
            titles.get(code.trim()),
        ) {
            out[occupation].extend(list.iter().cloned());
        }
    }
    for list in &mut out {
        list.sort();
        list.dedup();
    }
    Ok(out)
}
