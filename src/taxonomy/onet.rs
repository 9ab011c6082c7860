//! Reads the O*NET database text files (tab-separated, header row; the
//! layout of ../shared/data/onet-29.3) into occupations and competencies.
//!
//! URIs (O*NET publishes none; these are skillmatch's scheme):
//! - occupation: `https://www.onetonline.org/link/summary/<O*NET-SOC code>`;
//! - skill or knowledge element:
//!   `https://www.onetonline.org/find/descriptor/result/<Element ID>`;
//! - technology skill (an `Example` of Technology Skills.txt):
//!   `urn:onet:technology:<example, percent-encoded>`, whose broader concept
//!   is its UNSPSC commodity `urn:onet:commodity:<Commodity Code>`; an
//!   example named as a commodity (`Accounting software`) is that commodity.
//!
//! Occupations carry their alternate and reported titles as alternative
//! labels and their tasks after the description. Skill and knowledge ratings
//! become competencies with importance (scale IM, 1-5, mapped onto [0, 1]):
//! essential when IM >= 3.5, optional when 2.5 <= IM < 3.5. Technology skills
//! are optional; `Hot Technology` and `In Demand` become collections.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Deserialize;

use super::TaxonomyError;
use super::crosswalk::CrosswalkLink;
use crate::domain::{Competency, CompetencyImportance, CompetencyKind, Occupation};

/// IM at or above which a rated element is essential for the occupation.
pub const ESSENTIAL_IMPORTANCE: f64 = 3.5;
/// IM at or above which a rated element is at least optional.
pub const OPTIONAL_IMPORTANCE: f64 = 2.5;

/// URI of an O*NET-SOC occupation.
pub fn occupation_uri(code: &str) -> String {
    format!("https://www.onetonline.org/link/summary/{code}")
}

/// URI of a skill or knowledge element of the O*NET content model.
pub fn element_uri(element_id: &str) -> String {
    format!("https://www.onetonline.org/find/descriptor/result/{element_id}")
}

/// URI of a technology skill (a product or tool named by O*NET).
pub fn technology_uri(example: &str) -> String {
    let mut uri = String::from(TECHNOLOGY_URI_PREFIX);
    for byte in example.trim().bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_') {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri
}

/// The URI prefix of every technology skill.
const TECHNOLOGY_URI_PREFIX: &str = "urn:onet:technology:";

/// Whether `uri` is a technology skill's: a product or tool, named by its
/// label (`Oracle Java`, `Lombardi Teamworks`).
pub fn is_technology_uri(uri: &str) -> bool {
    uri.starts_with(TECHNOLOGY_URI_PREFIX)
}

/// URI of a UNSPSC commodity grouping technology skills.
pub fn commodity_uri(code: &str) -> String {
    format!("urn:onet:commodity:{code}")
}

/// Everything read from one O*NET release directory.
#[derive(Debug, Default)]
pub struct OnetRelease {
    /// Skill and knowledge elements, technology skills and their commodities.
    pub competencies: Vec<Competency>,
    /// Occupations.
    pub occupations: Vec<Occupation>,
}

#[derive(Debug, Deserialize)]
struct OccupationRow {
    #[serde(rename = "O*NET-SOC Code")]
    code: String,
    #[serde(rename = "Title")]
    title: String,
    #[serde(rename = "Description")]
    description: String,
}

#[derive(Debug, Deserialize)]
struct TitleRow {
    #[serde(rename = "O*NET-SOC Code")]
    code: String,
    #[serde(rename = "Alternate Title", alias = "Reported Job Title")]
    title: String,
    #[serde(rename = "Short Title", default)]
    short_title: String,
}

#[derive(Debug, Deserialize)]
struct TaskRow {
    #[serde(rename = "O*NET-SOC Code")]
    code: String,
    #[serde(rename = "Task")]
    task: String,
}

#[derive(Debug, Deserialize)]
struct RatingRow {
    #[serde(rename = "O*NET-SOC Code")]
    code: String,
    #[serde(rename = "Element ID")]
    element_id: String,
    #[serde(rename = "Element Name")]
    element_name: String,
    #[serde(rename = "Scale ID")]
    scale: String,
    #[serde(rename = "Data Value")]
    value: f64,
    #[serde(rename = "Recommend Suppress", default)]
    suppress: String,
}

#[derive(Debug, Deserialize)]
struct TechnologyRow {
    #[serde(rename = "O*NET-SOC Code")]
    code: String,
    #[serde(rename = "Example")]
    example: String,
    #[serde(rename = "Commodity Code")]
    commodity_code: String,
    #[serde(rename = "Commodity Title")]
    commodity_title: String,
    #[serde(rename = "Hot Technology", default)]
    hot: String,
    #[serde(rename = "In Demand", default)]
    in_demand: String,
}

#[derive(Debug, Deserialize)]
struct ElementRow {
    #[serde(rename = "Element ID")]
    element_id: String,
    #[serde(rename = "Description")]
    description: String,
}

/// Reads the rows of one TSV file; `None` when an optional file is absent.
fn rows<T: for<'de> Deserialize<'de>>(
    dir: &Path,
    file: &str,
    required: bool,
) -> Result<Option<Vec<T>>, TaxonomyError> {
    let path = dir.join(file);
    if !required && !path.exists() {
        return Ok(None);
    }
    let bad = |reason: String| TaxonomyError::BadFile {
        file: path.display().to_string(),
        reason,
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .flexible(true)
        .from_path(&path)
        .map_err(|e| bad(e.to_string()))?;
    reader
        .deserialize()
        .map(|row| row.map_err(|e| bad(e.to_string())))
        .collect::<Result<Vec<T>, _>>()
        .map(Some)
}

fn plain_competency(uri: String, label: &str, kind: CompetencyKind) -> Competency {
    Competency {
        uri,
        preferred_label: label.trim().to_owned(),
        alt_labels: Vec::new(),
        hidden_labels: Vec::new(),
        description: String::new(),
        kind,
        reuse_level: None,
        broader: Vec::new(),
        related: Vec::new(),
        collections: Vec::new(),
    }
}

/// Reads an O*NET release directory and links its occupations to the
/// crosswalk's ESCO URIs. `Occupation Data.txt` is required; every other
/// file is used when present.
pub fn read_onet_dir(
    dir: &Path,
    crosswalk: &[CrosswalkLink],
) -> Result<OnetRelease, TaxonomyError> {
    let mut occupations: Vec<Occupation> = rows::<OccupationRow>(dir, "Occupation Data.txt", true)?
        .unwrap_or_default()
        .into_iter()
        .map(|row| Occupation {
            uri: occupation_uri(row.code.trim()),
            preferred_label: row.title.trim().to_owned(),
            description: row.description.trim().to_owned(),
            code: row.code.trim().to_owned(),
            ..Occupation::default()
        })
        .collect();
    let position: HashMap<String, usize> = occupations
        .iter()
        .enumerate()
        .map(|(i, o)| (o.code.clone(), i))
        .collect();
    for file in ["Alternate Titles.txt", "Sample of Reported Titles.txt"] {
        for row in rows::<TitleRow>(dir, file, false)?.unwrap_or_default() {
            if let Some(&i) = position.get(row.code.trim()) {
                add_label(&mut occupations[i], &row.title);
                add_label(&mut occupations[i], &row.short_title);
            }
        }
    }
    for row in rows::<TaskRow>(dir, "Task Statements.txt", false)?.unwrap_or_default() {
        if let Some(&i) = position.get(row.code.trim()) {
            let description = &mut occupations[i].description;
            description.push_str(if description.contains("\nTasks:") {
                "\n- "
            } else {
                "\nTasks:\n- "
            });
            description.push_str(row.task.trim());
        }
    }
    let mut competencies: BTreeMap<String, Competency> = BTreeMap::new();
    for (file, kind) in [
        ("Skills.txt", CompetencyKind::Skill),
        ("Knowledge.txt", CompetencyKind::Knowledge),
    ] {
        for row in rows::<RatingRow>(dir, file, false)?.unwrap_or_default() {
            let uri = element_uri(row.element_id.trim());
            competencies
                .entry(uri.clone())
                .or_insert_with(|| plain_competency(uri.clone(), &row.element_name, kind));
            let Some(&i) = position.get(row.code.trim()) else {
                continue;
            };
            if row.scale.trim() != "IM" || row.suppress.trim() == "Y" {
                continue;
            }
            rate(&mut occupations[i], uri, row.value);
        }
    }
    read_technology(dir, &position, &mut occupations, &mut competencies)?;
    if let Some(elements) = rows::<ElementRow>(dir, "Content Model Reference.txt", false)? {
        for row in elements {
            if let Some(competency) = competencies.get_mut(&element_uri(row.element_id.trim())) {
                competency.description = row.description.trim().to_owned();
            }
        }
    }
    for link in crosswalk {
        if let Some(&i) = position.get(&link.onet_code) {
            if !occupations[i].linked.contains(&link.esco_uri) {
                occupations[i].linked.push(link.esco_uri.clone());
            }
        }
    }
    Ok(OnetRelease {
        competencies: competencies.into_values().collect(),
        occupations,
    })
}

fn read_technology(
    dir: &Path,
    position: &HashMap<String, usize>,
    occupations: &mut [Occupation],
    competencies: &mut BTreeMap<String, Competency>,
) -> Result<(), TaxonomyError> {
    let rows = rows::<TechnologyRow>(dir, "Technology Skills.txt", false)?.unwrap_or_default();
    let mut commodities: HashMap<String, String> = HashMap::new();
    for row in &rows {
        let uri = commodity_uri(row.commodity_code.trim());
        commodities.insert(crate::text::normalize(&row.commodity_title), uri.clone());
        competencies.entry(uri.clone()).or_insert_with(|| {
            let mut c = plain_competency(uri, &row.commodity_title, CompetencyKind::Knowledge);
            c.collections.push("technology".into());
            c
        });
    }
    for row in &rows {
        let example = row.example.trim();
        if example.is_empty() {
            continue;
        }
        let commodity = commodity_uri(row.commodity_code.trim());
        // O*NET lists `Accounting software` as an example of the commodity
        // `Accounting software`: an example named as a commodity (by the
        // same-label rule, `text::normalize`) is that commodity, not a
        // second concept with the same label.
        let uri = match commodities.get(&crate::text::normalize(example)) {
            Some(named) => named.clone(),
            None => technology_uri(example),
        };
        let technology = competencies.entry(uri.clone()).or_insert_with(|| {
            let mut c = plain_competency(uri.clone(), example, CompetencyKind::Knowledge);
            c.description = format!("Technology skill: {}.", row.commodity_title.trim());
            c.collections.push("technology".into());
            c
        });
        if technology.uri != commodity && !technology.broader.contains(&commodity) {
            technology.broader.push(commodity);
        }
        for (flag, collection) in [(&row.hot, "hot-technology"), (&row.in_demand, "in-demand")] {
            if flag.trim() == "Y" && !technology.collections.iter().any(|c| c == collection) {
                technology.collections.push(collection.into());
            }
        }
        if let Some(&i) = position.get(row.code.trim()) {
            if !occupations[i].optional.contains(&uri) {
                occupations[i].optional.push(uri);
            }
        }
    }
    Ok(())
}

/// Records an importance rating (IM, 1-5) of an element for an occupation.
fn rate(occupation: &mut Occupation, uri: String, importance: f64) {
    if importance >= ESSENTIAL_IMPORTANCE {
        occupation.essential.push(uri.clone());
    } else if importance >= OPTIONAL_IMPORTANCE {
        occupation.optional.push(uri.clone());
    }
    occupation.importance.push(CompetencyImportance {
        uri,
        importance: ((importance - 1.0) / 4.0).clamp(0.0, 1.0),
    });
}

fn add_label(occupation: &mut Occupation, label: &str) {
    let label = label.trim();
    if label.is_empty()
        || label.eq_ignore_ascii_case(&occupation.preferred_label)
        || occupation
            .alt_labels
            .iter()
            .any(|l| l.eq_ignore_ascii_case(label))
    {
        return;
    }
    occupation.alt_labels.push(label.to_owned());
}
