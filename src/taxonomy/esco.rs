//! Reads the official ESCO CSV release (v1.1.1 layout, English): skills,
//! occupations, occupation-skill relations, the skill hierarchy, skill-skill
//! relations and the skill collections.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use super::TaxonomyError;
use crate::domain::{Competency, CompetencyKind, Occupation};

/// Everything read from one ESCO release directory.
#[derive(Debug, Default)]
pub struct EscoRelease {
    /// Skills and knowledge concepts.
    pub competencies: Vec<Competency>,
    /// Occupations with their essential and optional skills.
    pub occupations: Vec<Occupation>,
}

#[derive(Debug, Deserialize)]
struct SkillRow {
    #[serde(rename = "conceptUri")]
    uri: String,
    #[serde(rename = "skillType")]
    skill_type: String,
    #[serde(rename = "reuseLevel")]
    reuse_level: String,
    #[serde(rename = "preferredLabel")]
    preferred_label: String,
    #[serde(rename = "altLabels")]
    alt_labels: String,
    #[serde(rename = "hiddenLabels")]
    hidden_labels: String,
    description: String,
}

#[derive(Debug, Deserialize)]
struct OccupationRow {
    #[serde(rename = "conceptUri")]
    uri: String,
    #[serde(rename = "iscoGroup")]
    isco_group: String,
    #[serde(rename = "preferredLabel")]
    preferred_label: String,
    #[serde(rename = "altLabels")]
    alt_labels: String,
    #[serde(rename = "hiddenLabels")]
    hidden_labels: String,
    description: String,
    code: String,
}

#[derive(Debug, Deserialize)]
struct OccupationSkillRow {
    #[serde(rename = "occupationUri")]
    occupation: String,
    #[serde(rename = "relationType")]
    relation: String,
    #[serde(rename = "skillUri")]
    skill: String,
}

#[derive(Debug, Deserialize)]
struct BroaderRow {
    #[serde(rename = "conceptUri")]
    uri: String,
    #[serde(rename = "broaderUri")]
    broader: String,
}

#[derive(Debug, Deserialize)]
struct SkillSkillRow {
    #[serde(rename = "originalSkillUri")]
    original: String,
    #[serde(rename = "relatedSkillUri")]
    related: String,
}

#[derive(Debug, Deserialize)]
struct CollectionRow {
    #[serde(rename = "conceptUri")]
    uri: String,
}

/// Collection files and the collection name each gives its members.
const COLLECTIONS: [(&str, &str); 6] = [
    ("digitalSkillsCollection_en.csv", "digital"),
    ("greenSkillsCollection_en.csv", "green"),
    ("transversalSkillsCollection_en.csv", "transversal"),
    ("languageSkillsCollection_en.csv", "language"),
    ("researchSkillsCollection_en.csv", "research"),
    ("digCompSkillsCollection_en.csv", "digcomp"),
];

fn rows<T: for<'de> Deserialize<'de>>(dir: &Path, file: &str) -> Result<Vec<T>, TaxonomyError> {
    let path = dir.join(file);
    let bad = |reason: String| TaxonomyError::BadFile {
        file: path.display().to_string(),
        reason,
    };
    let mut reader = csv::Reader::from_path(&path).map_err(|e| bad(e.to_string()))?;
    reader
        .deserialize()
        .map(|row| row.map_err(|e| bad(e.to_string())))
        .collect()
}

/// The rows of a file the release may omit; none when it is absent.
fn optional_rows<T: for<'de> Deserialize<'de>>(
    dir: &Path,
    file: &str,
) -> Result<Vec<T>, TaxonomyError> {
    if dir.join(file).exists() {
        rows(dir, file)
    } else {
        Ok(Vec::new())
    }
}

/// ESCO keeps several labels in one cell, one per line.
fn labels(cell: &str) -> Vec<String> {
    cell.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

fn kind(skill_type: &str) -> CompetencyKind {
    match skill_type {
        "knowledge" => CompetencyKind::Knowledge,
        _ => CompetencyKind::Skill,
    }
}

/// Reads an ESCO release directory. Optional files (collections, relations)
/// that are absent are skipped; skills and occupations are required.
pub fn read_esco_dir(dir: &Path) -> Result<EscoRelease, TaxonomyError> {
    let mut competencies: Vec<Competency> = rows::<SkillRow>(dir, "skills_en.csv")?
        .into_iter()
        .map(|row| Competency {
            uri: row.uri,
            preferred_label: row.preferred_label.trim().to_owned(),
            alt_labels: labels(&row.alt_labels),
            hidden_labels: labels(&row.hidden_labels),
            description: row.description,
            kind: kind(&row.skill_type),
            reuse_level: Some(row.reuse_level).filter(|r| !r.is_empty()),
            broader: Vec::new(),
            related: Vec::new(),
            collections: Vec::new(),
        })
        .collect();
    let position: HashMap<String, usize> = competencies
        .iter()
        .enumerate()
        .map(|(i, c)| (c.uri.clone(), i))
        .collect();
    for row in optional_rows::<BroaderRow>(dir, "broaderRelationsSkillPillar.csv")? {
        if let Some(&i) = position.get(&row.uri) {
            competencies[i].broader.push(row.broader);
        }
    }
    for row in optional_rows::<SkillSkillRow>(dir, "skillSkillRelations.csv")? {
        if let Some(&i) = position.get(&row.original) {
            competencies[i].related.push(row.related);
        }
    }
    for (file, name) in COLLECTIONS {
        for row in optional_rows::<CollectionRow>(dir, file)? {
            if let Some(&i) = position.get(&row.uri) {
                competencies[i].collections.push(name.to_owned());
            }
        }
    }
    let mut occupations: Vec<Occupation> = rows::<OccupationRow>(dir, "occupations_en.csv")?
        .into_iter()
        .map(|row| Occupation {
            uri: row.uri,
            preferred_label: row.preferred_label.trim().to_owned(),
            alt_labels: labels(&row.alt_labels),
            hidden_labels: labels(&row.hidden_labels),
            description: row.description,
            isco_group: row.isco_group,
            code: row.code,
            essential: Vec::new(),
            optional: Vec::new(),
            importance: Vec::new(),
            linked: Vec::new(),
        })
        .collect();
    let occupation_position: HashMap<String, usize> = occupations
        .iter()
        .enumerate()
        .map(|(i, o)| (o.uri.clone(), i))
        .collect();
    for row in rows::<OccupationSkillRow>(dir, "occupationSkillRelations.csv")? {
        if let Some(&i) = occupation_position.get(&row.occupation) {
            match row.relation.as_str() {
                "essential" => occupations[i].essential.push(row.skill),
                _ => occupations[i].optional.push(row.skill),
            }
        }
    }
    Ok(EscoRelease {
        competencies,
        occupations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads the real release from ../shared/data when it is there.
    #[test]
    fn reads_the_shared_esco_release() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/esco-v1.1.1");
        if !dir.exists() {
            eprintln!("skipping: {} is absent", dir.display());
            return;
        }
        let release = read_esco_dir(&dir).unwrap();
        assert_eq!(release.competencies.len(), 13_896);
        assert_eq!(release.occupations.len(), 3_007);
        let with_essentials = release
            .occupations
            .iter()
            .filter(|o| !o.essential.is_empty())
            .count();
        assert!(with_essentials > 2_900, "{with_essentials}");
        assert!(
            release
                .competencies
                .iter()
                .any(|c| c.collections.contains(&"digital".to_owned()))
        );
    }
}
