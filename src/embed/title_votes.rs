//! Which occupations real vacancy titles with a given word or word pair
//! name, learnt with the trained token table (`title_votes.tsv` beside
//! `table.bin`, written by `scripts/train-embedder` from the training folds'
//! vacancy titles). Vacancy titles are labelled with occupations in ways no
//! taxonomy label says (`Sale Manager` for a marketing assistant, `HR
//! Assistance` for an accounting assistant); a title sharing words with
//! such titles gets those occupations' votes. The extractor adds the votes
//! to an occupation's fused score with the weight `title_vote_weight`,
//! except where the title is exactly one of the labels of an occupation
//! of the taxonomy the votes name (EVALUATION.md, "Title votes").
//!
//! The file holds, for each feature (an engine term, or two adjacent terms
//! joined by a space) used by at least two distinct training titles, the
//! share of those titles naming each occupation. A feature's vote for an
//! occupation is its idf over the training titles times that share over the
//! number of titles using it plus [`SMOOTHING`]: a word many titles use
//! votes little, and one seen in two titles votes less than one seen in
//! twenty that agree.

use rustc_hash::FxHashMap;

/// The shipped votes, for the default table (`assets/static-skills/`).
const SHIPPED: &str = include_str!("../../assets/static-skills/title_votes.tsv");

/// Titles added to a feature's count when its shares are turned into votes.
/// Set before the held-out runs; 1 to 20 move held-out titles MRR and
/// Recall@10 by at most 0.002 (EVALUATION.md, "Title votes").
const SMOOTHING: f32 = 5.0;

/// Votes per feature, by occupation URI.
#[derive(Debug, Clone, PartialEq)]
pub struct TitleVotes {
    occupations: Vec<String>,
    /// Per feature: (position in `occupations`, vote).
    features: FxHashMap<String, Vec<(u32, f32)>>,
}

/// A line of a votes file that is not one of its three kinds.
#[derive(Debug, thiserror::Error)]
#[error(
    "line {line}: expected `titles<TAB>N`, `occupation<TAB>uri` or `feature<TAB>terms<TAB>i:share ...`"
)]
pub struct BadVotesLine {
    /// One-based line number.
    pub line: usize,
}

/// Occupations' votes resolved to an index of the caller's (taxonomy order).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResolvedVotes {
    features: FxHashMap<String, Vec<(u32, f32)>>,
    /// The occupations the votes name, ascending.
    named: Vec<u32>,
}

impl ResolvedVotes {
    /// The votes of one feature: (occupation index, vote).
    pub fn of(&self, feature: &str) -> &[(u32, f32)] {
        self.features.get(feature).map_or(&[], Vec::as_slice)
    }

    /// The occupations the votes name, ascending.
    pub fn occupations(&self) -> &[u32] {
        &self.named
    }
}

impl TitleVotes {
    /// The votes compiled in with the default table.
    pub fn shipped() -> Self {
        Self::parse(SHIPPED).expect("compiled-in title votes")
    }

    /// Parses a votes file: `titles<TAB>N` (distinct training titles; a
    /// file without it is reported at line 1), then
    /// `occupation<TAB>uri` lines (numbered from 0 in order) and
    /// `feature<TAB>terms<TAB>i:share i:share ...` lines; blank lines skipped.
    pub fn parse(text: &str) -> Result<Self, BadVotesLine> {
        let mut titles: Option<f32> = None;
        let mut occupations = Vec::new();
        let mut shares: Vec<(String, Vec<(u32, f32)>)> = Vec::new();
        for (at, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let bad = || BadVotesLine { line: at + 1 };
            let mut fields = line.split('\t');
            match (fields.next(), fields.next(), fields.next()) {
                (Some("titles"), Some(n), None) => {
                    titles = Some(n.trim().parse::<u32>().map_err(|_| bad())? as f32);
                }
                (Some("occupation"), Some(uri), None) if !uri.trim().is_empty() => {
                    occupations.push(uri.trim().to_owned());
                }
                (Some("feature"), Some(terms), Some(list)) if !terms.trim().is_empty() => {
                    let parsed = list
                        .split_whitespace()
                        .map(|entry| {
                            let (i, share) = entry.split_once(':')?;
                            let i: u32 = i.parse().ok()?;
                            let share: f32 = share.parse().ok()?;
                            ((i as usize) < occupations.len() && share.is_finite() && share > 0.0)
                                .then_some((i, share))
                        })
                        .collect::<Option<Vec<_>>>()
                        .ok_or_else(bad)?;
                    shares.push((terms.trim().to_owned(), parsed));
                }
                _ => return Err(bad()),
            }
        }
        // Without the count every idf, so every vote, would be 0.
        let titles = titles.ok_or(BadVotesLine { line: 1 })?;
        let features = shares
            .into_iter()
            .map(|(feature, shares)| {
                let used: f32 = shares.iter().map(|&(_, s)| s).sum();
                let idf = (1.0 + (titles - used + 0.5).max(0.0) / (used + 0.5)).ln();
                let votes = shares
                    .into_iter()
                    .map(|(i, share)| (i, idf * share / (used + SMOOTHING)))
                    .collect();
                (feature, votes)
            })
            .collect();
        Ok(Self {
            occupations,
            features,
        })
    }

    /// The votes with each occupation URI replaced by `index(uri)`;
    /// occupations it does not know are dropped.
    pub fn resolve(&self, index: impl Fn(&str) -> Option<u32>) -> ResolvedVotes {
        let at: Vec<Option<u32>> = self.occupations.iter().map(|uri| index(uri)).collect();
        let mut named: Vec<u32> = at.iter().flatten().copied().collect();
        named.sort_unstable();
        named.dedup();
        let features = self
            .features
            .iter()
            .filter_map(|(feature, votes)| {
                let votes: Vec<(u32, f32)> = votes
                    .iter()
                    .filter_map(|&(i, vote)| Some((at[i as usize]?, vote)))
                    .collect();
                (!votes.is_empty()).then(|| (feature.clone(), votes))
            })
            .collect();
        ResolvedVotes { features, named }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "titles\t100\noccupation\tocc:a\noccupation\tocc:b\n\n\
                          feature\tsale\t0:3 1:1\nfeature\tsale manager\t1:2\n";

    #[test]
    fn votes_weigh_shares_by_idf_over_smoothed_counts() {
        let votes = TitleVotes::parse(SAMPLE).unwrap();
        let resolved = votes.resolve(|uri| match uri {
            "occ:a" => Some(7),
            "occ:b" => Some(9),
            _ => None,
        });
        let idf = |used: f32| (1.0f32 + (100.0 - used + 0.5) / (used + 0.5)).ln();
        let sale = resolved.of("sale");
        assert_eq!(sale.len(), 2);
        assert_eq!(sale[0].0, 7);
        assert!((sale[0].1 - idf(4.0) * 3.0 / 9.0).abs() < 1e-6);
        assert!((sale[1].1 - idf(4.0) / 9.0).abs() < 1e-6);
        let pair = resolved.of("sale manager");
        assert_eq!(pair[0].0, 9);
        assert!((pair[0].1 - idf(2.0) * 2.0 / 7.0).abs() < 1e-6);
        assert!(resolved.of("manager").is_empty());
    }

    #[test]
    fn unknown_occupations_are_dropped_when_resolved() {
        let votes = TitleVotes::parse(SAMPLE).unwrap();
        let resolved = votes.resolve(|uri| (uri == "occ:a").then_some(0));
        assert_eq!(resolved.of("sale").len(), 1);
        assert!(resolved.of("sale manager").is_empty());
        assert_eq!(resolved.occupations(), [0]);
    }

    #[test]
    fn malformed_lines_are_reported_by_number() {
        let line = |text: &str| TitleVotes::parse(text).unwrap_err().line;
        assert_eq!(line("titles\tx"), 1);
        assert_eq!(line("titles\t3\nfeature\tsale\t0:1"), 2, "no occupation 0");
        assert_eq!(line("titles\t3\noccupation\tocc:a\nfeature\tsale\t0:-1"), 3);
        assert_eq!(line("titles\t3\noccupation\tocc:a\nfeature\tsale\t0"), 3);
        assert_eq!(line("titles\t3\noccupation\t \n"), 2);
        assert_eq!(line("weights\t3"), 1);
        assert_eq!(
            line("occupation\tocc:a\nfeature\tsale\t0:1"),
            1,
            "no title count"
        );
        assert_eq!(line(""), 1);
    }

    #[test]
    fn the_shipped_votes_name_esco_occupations() {
        let votes = TitleVotes::shipped();
        assert!(votes.features.len() > 1000);
        assert!(
            votes
                .occupations
                .iter()
                .all(|uri| uri.starts_with("http://data.europa.eu/esco/occupation/"))
        );
    }
}
