//! The three evaluation sets of TARGETS.md, read from the shared data
//! folder and resolved against the loaded taxonomy.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::Deserialize;

use super::EvalError;
use super::folds::Folded;
use skillmatch::taxonomy::{CompetencyIdx, Taxonomy};

/// A posting and the essential skills of its occupation.
#[derive(Debug, Clone)]
pub struct PostingCase {
    /// `title + "\n" + description`.
    pub text: String,
    /// Essential skills of the gold occupation.
    pub gold: HashSet<CompetencyIdx>,
    /// Index of the gold occupation.
    pub occupation: usize,
}

/// A text and its gold skills: a sentence and the skills annotated in it,
/// or a title and the essential skills of its occupation.
#[derive(Debug, Clone)]
pub struct SkillCase {
    /// The text.
    pub text: String,
    /// Gold skills.
    pub gold: HashSet<CompetencyIdx>,
}

/// A vacancy title and its occupation.
#[derive(Debug, Clone)]
pub struct TitleCase {
    /// The title.
    pub text: String,
    /// Index of the gold occupation, `None` when the URI is not in the taxonomy.
    pub gold: Option<usize>,
}

/// Postings are folded by their title line.
impl Folded for PostingCase {
    fn fold_text(&self) -> &str {
        self.text.lines().next().unwrap_or_default()
    }
}

/// Titles are folded by their text.
impl Folded for TitleCase {
    fn fold_text(&self) -> &str {
        &self.text
    }
}

#[derive(Debug, Deserialize)]
struct PostingRow {
    title: String,
    description: String,
    esco_code: String,
}

#[derive(Debug, Deserialize)]
struct AnnotationRow {
    sentence: String,
    label: String,
}

#[derive(Debug, Deserialize)]
struct TitleRow {
    #[serde(rename = "vacancyTitle")]
    title: String,
    #[serde(rename = "conceptUri")]
    uri: String,
}

/// Labels of the annotation files that name no ESCO skill.
const NOT_A_SKILL: [&str; 2] = ["LABEL NOT PRESENT", "UNDERSPECIFIED"];

fn rows<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>, EvalError> {
    let bad = |reason: String| EvalError::Data {
        file: path.display().to_string(),
        reason,
    };
    let mut reader = csv::Reader::from_path(path).map_err(|e| bad(e.to_string()))?;
    reader
        .deserialize()
        .map(|row| row.map_err(|e| bad(e.to_string())))
        .collect()
}

/// job2skill: postings of `hahu_dev.csv`; gold = essential skills of the
/// occupation whose `code` equals `esco_code`. Postings whose code is not an
/// occupation, or whose occupation has no essential skill, are skipped.
pub fn postings(taxonomy: &Taxonomy, path: &Path) -> Result<Vec<PostingCase>, EvalError> {
    let by_code: HashMap<&str, usize> = taxonomy
        .occupations()
        .iter()
        .enumerate()
        .filter(|(_, o)| is_esco(&o.uri))
        .map(|(i, o)| (o.code.as_str(), i))
        .collect();
    let mut cases = Vec::new();
    for row in rows::<PostingRow>(path)? {
        let Some(&occupation) = by_code.get(row.esco_code.trim()) else {
            continue;
        };
        let gold = essential_skills(taxonomy, occupation);
        if gold.is_empty() {
            continue;
        }
        cases.push(PostingCase {
            text: format!("{}\n{}", row.title, row.description),
            gold,
            occupation,
        });
    }
    Ok(cases)
}

/// The essential skills of an occupation: the gold of job2skill and title2skill.
fn essential_skills(taxonomy: &Taxonomy, occupation: usize) -> HashSet<CompetencyIdx> {
    taxonomy.occupations()[occupation]
        .essential
        .iter()
        .filter_map(|uri| taxonomy.idx(uri))
        .collect()
}

/// title2skill: each title whose gold occupation has essential skills, with
/// those skills as gold (what a job asks for when all a caller sends is
/// its title).
pub fn title_skills(taxonomy: &Taxonomy, titles: &[TitleCase]) -> Vec<SkillCase> {
    titles
        .iter()
        .filter_map(|case| {
            let gold = essential_skills(taxonomy, case.gold?);
            (!gold.is_empty()).then(|| SkillCase {
                text: case.text.clone(),
                gold,
            })
        })
        .collect()
}

/// sentence2skill: rows grouped by sentence (in first-seen order); gold =
/// labels resolved by preferred label; sentences left without gold are dropped.
pub fn sentences(taxonomy: &Taxonomy, path: &Path) -> Result<Vec<SkillCase>, EvalError> {
    let by_label: HashMap<&str, CompetencyIdx> = taxonomy
        .competencies()
        .iter()
        .enumerate()
        .filter(|(_, c)| is_esco(&c.uri))
        .map(|(i, c)| (c.preferred_label.as_str(), CompetencyIdx(i as u32)))
        .collect();
    let mut order: Vec<String> = Vec::new();
    let mut gold: HashMap<String, HashSet<CompetencyIdx>> = HashMap::new();
    for row in rows::<AnnotationRow>(path)? {
        if row.sentence.trim().is_empty() || NOT_A_SKILL.contains(&row.label.as_str()) {
            continue;
        }
        let Some(&skill) = by_label.get(row.label.trim()) else {
            continue;
        };
        if !gold.contains_key(&row.sentence) {
            order.push(row.sentence.clone());
        }
        gold.entry(row.sentence).or_default().insert(skill);
    }
    Ok(order
        .into_iter()
        .map(|text| SkillCase {
            gold: gold.remove(&text).unwrap_or_default(),
            text,
        })
        .filter(|case| !case.gold.is_empty())
        .collect())
}

/// Whether a concept URI is ESCO's: gold is ESCO even when other taxonomies
/// (O*NET, the embedded sample) are loaded beside it.
fn is_esco(uri: &str) -> bool {
    uri.starts_with("http://data.europa.eu/esco/")
}

/// The normalised titles ([`skillmatch::text::normalize`]: case, accents,
/// punctuation and spacing ignored) that occur in more than one split: in
/// two held-out folds of `titles` ([`super::folds::fold_of`] splits by the
/// raw title, so variants of one title can fall in different folds), or in
/// `titles` and the other split's file `other` when it exists.
pub fn titles_in_other_splits(
    titles: &[TitleCase],
    other: &Path,
) -> Result<HashSet<String>, EvalError> {
    let mut folds: HashMap<String, HashSet<u64>> = HashMap::new();
    for case in titles {
        folds
            .entry(skillmatch::text::normalize(&case.text))
            .or_default()
            .insert(case.fold());
    }
    let mut overlapping: HashSet<String> = folds
        .into_iter()
        .filter(|(_, folds)| folds.len() > 1)
        .map(|(title, _)| title)
        .collect();
    if other.exists() {
        let mine: HashSet<String> = titles
            .iter()
            .map(|c| skillmatch::text::normalize(&c.text))
            .collect();
        for row in rows::<TitleRow>(other)? {
            let title = skillmatch::text::normalize(&row.title);
            if mine.contains(&title) {
                overlapping.insert(title);
            }
        }
    }
    Ok(overlapping)
}

/// title2occupation: every row of `titles.csv`.
pub fn titles(taxonomy: &Taxonomy, path: &Path) -> Result<Vec<TitleCase>, EvalError> {
    Ok(rows::<TitleRow>(path)?
        .into_iter()
        .map(|row| TitleCase {
            gold: taxonomy.occupation_index(row.uri.trim()),
            text: row.title,
        })
        .collect())
}
