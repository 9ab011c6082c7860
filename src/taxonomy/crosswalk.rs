//! Reads the ESCO<->O*NET occupation crosswalk (`crosswalk_esco_onet.csv` of
//! the ESCO Secretariat and US DOL/ETA): metadata lines first, then a header
//! row starting with `O*NET Id`, then one row per link.

use std::path::Path;

use serde::Deserialize;

use super::TaxonomyError;

/// One link between an O*NET-SOC occupation and an ESCO occupation (or ISCO group).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrosswalkLink {
    /// O*NET-SOC code, e.g. `15-1252.00`.
    pub onet_code: String,
    /// ESCO occupation URI (or ISCO group URI).
    pub esco_uri: String,
    /// SKOS match type: `exactMatch`, `closeMatch`, `broadMatch`, `narrowMatch`, ...
    pub match_type: String,
}

#[derive(Debug, Deserialize)]
struct Row {
    #[serde(rename = "O*NET Id")]
    onet: String,
    #[serde(rename = "ESCO or ISCO URI")]
    esco: String,
    #[serde(rename = "Type of Match")]
    match_type: String,
}

/// Reads the crosswalk file.
pub fn read_crosswalk(path: &Path) -> Result<Vec<CrosswalkLink>, TaxonomyError> {
    let bad = |reason: String| TaxonomyError::BadFile {
        file: path.display().to_string(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
    let header = text
        .match_indices('\n')
        .map(|(at, _)| at + 1)
        .chain(std::iter::once(0))
        .find(|&at| {
            text[at..]
                .trim_start_matches('\u{feff}')
                .starts_with("O*NET Id")
        })
        .ok_or_else(|| bad("no header row starting with `O*NET Id`".into()))?;
    let body = text[header..].trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(body.as_bytes());
    let mut links = Vec::new();
    for row in reader.deserialize::<Row>() {
        let row = row.map_err(|e| bad(e.to_string()))?;
        let (onet_code, esco_uri) = (row.onet.trim(), row.esco.trim());
        if onet_code.is_empty() || esco_uri.is_empty() {
            continue;
        }
        links.push(CrosswalkLink {
            onet_code: onet_code.to_owned(),
            esco_uri: esco_uri.to_owned(),
            match_type: row.match_type.trim().to_owned(),
        });
    }
    Ok(links)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_fixture_crosswalk() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/esco-onet-crosswalk/crosswalk_esco_onet.csv");
        let links = read_crosswalk(&path).unwrap();
        assert_eq!(links.len(), 3);
        assert_eq!(links[0].onet_code, "15-1252.00");
        assert!(
            links[0]
                .esco_uri
                .starts_with("http://data.europa.eu/esco/occupation/")
        );
        assert_eq!(links[0].match_type, "exactMatch");
    }

    #[test]
    fn reads_the_shared_crosswalk() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/data/esco-onet-crosswalk/crosswalk_esco_onet.csv");
        if !path.exists() {
            eprintln!("skipping: {} is absent", path.display());
            return;
        }
        assert_eq!(read_crosswalk(&path).unwrap().len(), 4_253);
    }
}
