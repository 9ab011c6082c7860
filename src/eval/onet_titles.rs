//! Extra job titles for ESCO occupations from O*NET 29.3 (occupation titles,
//! alternate titles, reported titles), linked through the official
//! ESCO–O*NET crosswalk. Used by the evaluation when both folders are present.

use std::collections::HashMap;
use std::path::Path;

use super::EvalError;
use crate::taxonomy::Taxonomy;

const CROSSWALK: &str = "esco-onet-crosswalk/crosswalk_esco_onet.csv";
const ONET: &str = "onet-29.3";
/// O*NET files and the columns holding titles.
const TITLE_FILES: [(&str, &[&str]); 3] = [
    ("Occupation Data.txt", &["Title"]),
    ("Alternate Titles.txt", &["Alternate Title", "Short Title"]),
    ("Sample of Reported Titles.txt", &["Reported Job Title"]),
];

fn bad(path: &Path, reason: impl ToString) -> EvalError {
    EvalError::Data {
        file: path.display().to_string(),
        reason: reason.to_string(),
    }
}

/// O*NET-SOC code -> titles.
fn onet_titles(dir: &Path) -> Result<HashMap<String, Vec<String>>, EvalError> {
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
pub fn occupation_titles(data: &Path, taxonomy: &Taxonomy) -> Result<Vec<Vec<String>>, EvalError> {
    let mut out = vec![Vec::new(); taxonomy.occupations().len()];
    let crosswalk = data.join(CROSSWALK);
    if !crosswalk.exists() || !data.join(ONET).exists() {
        return Ok(out);
    }
    let titles = onet_titles(&data.join(ONET))?;
    let by_uri: HashMap<&str, usize> = taxonomy
        .occupations()
        .iter()
        .enumerate()
        .map(|(i, o)| (o.uri.as_str(), i))
        .collect();
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
        if let (Some(&occupation), Some(list)) = (by_uri.get(uri.trim()), titles.get(code.trim())) {
            out[occupation].extend(list.iter().cloned());
        }
    }
    for list in &mut out {
        list.sort();
        list.dedup();
    }
    Ok(out)
}
