//! Which taxonomies a request answers in, and how concepts of several loaded
//! taxonomies that name the same thing become one answer.
//!
//! A [`Scope`] restricts the candidates before they are scored against each
//! other, so a filter removes answers without changing how the rest rank:
//! occupation support is scaled to the best occupation in scope, only
//! occupations in scope lend their essential skills, and the nearest
//! concepts by cosine are looked for in scope only.
//!
//! [`Equivalents`] merges the answers of several taxonomies:
//! - an occupation whose crosswalk links (the ESCO–O*NET crosswalk is read on
//!   the O*NET side) point to an answer in scope is not a separate answer but
//!   an equivalent of that answer; an answer also carries every other
//!   crosswalk-linked candidate outside the answers (the other side of a
//!   filter, for example);
//! - a competency whose label is, once normalised, the preferred label of a
//!   competency of another taxonomy is the same competency: the better ranked
//!   of the two is the answer and carries the other.

use std::collections::{HashMap, HashSet};

use super::best_first::BestFirst;

use crate::taxonomy::{CompetencyIdx, Taxonomy};

/// The taxonomies a request answers in.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Per competency (taxonomy index order): in scope; `None`: all are.
    competencies: Option<Vec<bool>>,
    /// Per occupation: in scope; `None`: all are.
    occupations: Option<Vec<bool>>,
    /// The taxonomy ids asked for; `None`: all are.
    taxonomy_ids: Option<Vec<String>>,
}

impl Scope {
    /// Every loaded taxonomy.
    pub fn all() -> Self {
        Self::default()
    }

    /// The concepts of the taxonomies named by `ids` (all when empty).
    pub fn of(taxonomy: &Taxonomy, ids: &[String]) -> Self {
        if ids.is_empty() {
            return Self::all();
        }
        // One flag per release, then one lookup per concept: a request
        // builds its scope over every loaded concept, so no string is
        // compared per concept.
        let allowed: Vec<bool> = taxonomy
            .versions()
            .iter()
            .map(|v| ids.contains(&v.id))
            .collect();
        let mask = |releases: &[u16]| -> Vec<bool> {
            releases
                .iter()
                .map(|&release| allowed[usize::from(release)])
                .collect()
        };
        Self {
            competencies: Some(mask(taxonomy.competency_releases())),
            occupations: Some(mask(taxonomy.occupation_releases())),
            taxonomy_ids: Some(ids.to_vec()),
        }
    }

    /// The concepts of every taxonomy that holds one of `occupations` (by
    /// index; unknown ones are passed over), all when it holds none.
    pub fn holding(taxonomy: &Taxonomy, occupations: &[u32]) -> Self {
        let mut ids: Vec<String> = occupations
            .iter()
            .map(|&o| o as usize)
            .filter(|&o| o < taxonomy.occupations().len())
            .map(|o| taxonomy.occupation_version_of(o).id.clone())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        Self::of(taxonomy, &ids)
    }

    /// Whether the concepts of the taxonomy with this id are in scope.
    pub fn has_taxonomy(&self, id: &str) -> bool {
        self.taxonomy_ids
            .as_ref()
            .is_none_or(|ids| ids.iter().any(|known| known == id))
    }

    /// Whether every taxonomy is in scope.
    pub fn is_all(&self) -> bool {
        self.competencies.is_none() && self.occupations.is_none() && self.taxonomy_ids.is_none()
    }

    /// Whether the competency is in scope.
    pub fn has_competency(&self, competency: CompetencyIdx) -> bool {
        self.competencies
            .as_ref()
            .is_none_or(|mask| mask.get(competency.0 as usize).copied().unwrap_or(false))
    }

    /// Whether the occupation (by index) is in scope.
    pub fn has_occupation(&self, occupation: usize) -> bool {
        self.occupations
            .as_ref()
            .is_none_or(|mask| mask.get(occupation).copied().unwrap_or(false))
    }

    /// Sets the cosines of out-of-scope occupations to -1, so that they are
    /// neither near neighbours nor given a vector score.
    pub(super) fn mask_occupations(&self, cosines: &mut ndarray::Array1<f32>) {
        if let Some(mask) = &self.occupations {
            for (cosine, &keep) in cosines.iter_mut().zip(mask) {
                if !keep {
                    *cosine = -1.0;
                }
            }
        }
    }

    /// Sets the cosines of out-of-scope competencies to -1.
    pub(super) fn mask_competencies(&self, cosines: &mut ndarray::Array1<f32>) {
        if let Some(mask) = &self.competencies {
            for (cosine, &keep) in cosines.iter_mut().zip(mask) {
                if !keep {
                    *cosine = -1.0;
                }
            }
        }
    }
}

/// Concepts of different taxonomies that are one answer.
#[derive(Debug, Default)]
pub struct Equivalents {
    /// Per occupation: the occupations its own crosswalk links point to.
    links_to: Vec<Vec<usize>>,
    /// Per occupation: crosswalk-linked occupations, in either direction.
    linked: Vec<Vec<usize>>,
    /// Whether any occupation is linked.
    any_linked: bool,
    /// Per competency with any: competencies of other taxonomies with the
    /// same normalised label.
    same_label: HashMap<CompetencyIdx, Vec<CompetencyIdx>>,
}

/// One occupation answer, the candidates merged into it and the share it
/// carries of theirs.
#[derive(Debug, Clone, PartialEq)]
pub struct OccupationAnswer {
    /// The occupation answered.
    pub occupation: u32,
    /// The equivalents of other taxonomies found among the candidates, best first.
    pub equivalents: Vec<usize>,
    /// The shares it carries of its equivalents (see [`Equivalents::occupations`]).
    pub carried: f32,
}

/// One answer and the candidates merged into it.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged<T> {
    /// Position of the answer in the ranked candidates.
    pub at: usize,
    /// The equivalents of other taxonomies found among the candidates, best first.
    pub equivalents: Vec<T>,
}

impl Equivalents {
    /// Reads the crosswalk links and the labels shared across taxonomies.
    pub fn new(taxonomy: &Taxonomy) -> Self {
        let occupations = taxonomy.occupations();
        let links_to = occupations
            .iter()
            .enumerate()
            .map(|(index, o)| {
                o.linked
                    .iter()
                    .filter_map(|uri| taxonomy.occupation_index(uri))
                    .filter(|&other| other != index)
                    .collect()
            })
            .collect();
        let linked: Vec<Vec<usize>> = (0..occupations.len())
            .map(|i| taxonomy.linked_occupations(i).to_vec())
            .collect();
        Self {
            links_to,
            any_linked: linked.iter().any(|l| !l.is_empty()),
            linked,
            same_label: same_label(taxonomy),
        }
    }

    /// The answers among ranked occupation candidates (best first), at most
    /// `limit`: those in scope that do not link to another answer in scope,
    /// each with its linked candidates that are not answers (ranked ones
    /// first, then those of `outside`, candidates outside the scope), and
    /// the shares it carries of them (`share` of each candidate; 0 where the
    /// scores are not shares), each split among every answer linked to it in
    /// proportion to the answers' own shares (evenly where none has one):
    /// split evenly, held-out postings' first answers without a filter were
    /// right 54 % of the time at 0.1-0.2 (EVALUATION.md, "Carried shares in
    /// proportion to the carriers' own"). Answers keep their own order, and
    /// neither what an answer carries nor which answers come first depends
    /// on `limit`: ordered by what they carry too, held-out postings without
    /// a filter had their gold occupation first 0.587 / 0.423 / 0.543 of the
    /// time by fold instead of 0.640 / 0.465 / 0.586 (EVALUATION.md,
    /// "InferOccupations answers in their own order, whatever `top_k`").
    pub fn occupations(
        &self,
        ranked: &mut BestFirst,
        outside: &[usize],
        scope: &Scope,
        limit: usize,
        share: &dyn Fn(usize) -> f32,
    ) -> Vec<OccupationAnswer> {
        if !self.any_linked {
            return ranked
                .iter()
                .filter(|&o| scope.has_occupation(o as usize))
                .take(limit)
                .map(|o| OccupationAnswer {
                    occupation: o,
                    equivalents: Vec::new(),
                    carried: 0.0,
                })
                .collect();
        }
        let mut place = vec![Place::Absent; self.linked.len()];
        for (o, key) in ranked.unordered() {
            if let Some(slot) = place.get_mut(o as usize) {
                *slot = Place::Ranked(key);
            }
        }
        for (at, &o) in outside.iter().enumerate() {
            if let Some(slot) = place.get_mut(o) {
                *slot = Place::Outside(at);
            }
        }
        let candidate = |o: usize| place.get(o).is_some_and(|&p| p != Place::Absent);
        let in_scope = |o: usize| scope.has_occupation(o);
        let is_answer = |o: usize| {
            in_scope(o)
                && !self.links_to[o]
                    .iter()
                    .any(|&target| candidate(target) && in_scope(target))
        };
        let equivalents_of = |o: usize| -> Vec<usize> {
            let mut equivalents: Vec<usize> = self.linked[o]
                .iter()
                .copied()
                .filter(|&other| candidate(other) && !is_answer(other))
                .collect();
            equivalents.sort_by_key(|&other| place[other]);
            equivalents
        };
        // Every answer linked to an equivalent carries it, returned or not:
        // in proportion to the answers' own shares (evenly where none has one).
        let carried_part = |e: usize, o: usize| -> f32 {
            let (total, count) = self.linked[e]
                .iter()
                .filter(|&&c| candidate(c) && is_answer(c))
                .fold((0.0f32, 0usize), |(total, count), &c| {
                    (total + share(c), count + 1)
                });
            if total > 0.0 {
                share(o) / total
            } else {
                1.0 / count.max(1) as f32
            }
        };
        ranked
            .iter()
            .map(|o| o as usize)
            .filter(|&o| is_answer(o))
            .take(limit)
            .map(|o| {
                let equivalents = equivalents_of(o);
                let carried = equivalents
                    .iter()
                    .map(|&e| {
                        let shared = share(e);
                        if shared > 0.0 {
                            shared * carried_part(e, o)
                        } else {
                            0.0
                        }
                    })
                    .sum();
                OccupationAnswer {
                    occupation: o as u32,
                    equivalents,
                    carried,
                }
            })
            .collect()
    }

    /// The answers among ranked competency candidates (best first): those in
    /// scope not already carried by a better answer, each with the
    /// candidates of the same label it carries.
    pub fn competencies(
        &self,
        ranked: &[CompetencyIdx],
        scope: &Scope,
    ) -> Vec<Merged<CompetencyIdx>> {
        if self.same_label.is_empty() {
            return (0..ranked.len())
                .filter(|&at| scope.has_competency(ranked[at]))
                .map(|at| Merged {
                    at,
                    equivalents: Vec::new(),
                })
                .collect();
        }
        let position: HashMap<CompetencyIdx, usize> =
            ranked.iter().enumerate().map(|(at, &c)| (c, at)).collect();
        let mut carried: HashSet<CompetencyIdx> = HashSet::new();
        let mut out = Vec::new();
        for (at, &c) in ranked.iter().enumerate() {
            if !scope.has_competency(c) || carried.contains(&c) {
                continue;
            }
            let mut equivalents: Vec<CompetencyIdx> = self
                .same_label
                .get(&c)
                .map(|list| {
                    list.iter()
                        .copied()
                        .filter(|other| {
                            position
                                .get(other)
                                .is_some_and(|&p| p > at || !scope.has_competency(*other))
                        })
                        .filter(|other| !carried.contains(other))
                        .collect()
                })
                .unwrap_or_default();
            equivalents.sort_by_key(|other| position[other]);
            carried.extend(equivalents.iter().copied());
            out.push(Merged { at, equivalents });
        }
        out
    }
}

/// Where an occupation stands among the candidates: ranked ones first (by
/// rank key), then those outside the scope (in their order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Place {
    Ranked(u64),
    Outside(usize),
    Absent,
}

/// Competencies of other taxonomies whose preferred label equals, once
/// normalised, a label of this one (both ways).
fn same_label(taxonomy: &Taxonomy) -> HashMap<CompetencyIdx, Vec<CompetencyIdx>> {
    let mut out: HashMap<CompetencyIdx, Vec<CompetencyIdx>> = HashMap::new();
    if taxonomy.versions().len() < 2 {
        return out;
    }
    let idx = |i: usize| CompetencyIdx(u32::try_from(i).expect("fewer than 2^32"));
    let mut preferred: HashMap<String, Vec<CompetencyIdx>> = HashMap::new();
    for (i, c) in taxonomy.competencies().iter().enumerate() {
        let label = crate::text::normalize(&c.preferred_label);
        if !label.is_empty() {
            preferred.entry(label).or_default().push(idx(i));
        }
    }
    for (i, c) in taxonomy.competencies().iter().enumerate() {
        let this = idx(i);
        let id = &taxonomy.version_of(this).id;
        for label in std::iter::once(&c.preferred_label).chain(&c.alt_labels) {
            let Some(same) = preferred.get(&crate::text::normalize(label)) else {
                continue;
            };
            for &other in same {
                if other == this || &taxonomy.version_of(other).id == id {
                    continue;
                }
                for (a, b) in [(this, other), (other, this)] {
                    let list = out.entry(a).or_default();
                    if !list.contains(&b) {
                        list.push(b);
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::best_first::rank_key;
    use super::*;

    /// Occupations 0-2 of one taxonomy; 3 and 4 of another, both linked to
    /// 0 by a crosswalk on their side; 5 linked to 1.
    fn crosswalked() -> Equivalents {
        let links_to = vec![vec![], vec![], vec![], vec![0], vec![0], vec![1]];
        let linked = vec![vec![3, 4], vec![5], vec![], vec![0], vec![0], vec![1]];
        Equivalents {
            links_to,
            linked,
            any_linked: true,
            same_label: HashMap::new(),
        }
    }

    fn ranked(scores: &[(f32, u32)]) -> BestFirst {
        BestFirst::new(scores.iter().map(|&(s, o)| rank_key(s, o)).collect())
    }

    #[test]
    fn the_taxonomies_holding_occupations_are_every_occupation_of_theirs() {
        use crate::domain::{Occupation, TaxonomyVersion};
        use crate::taxonomy::TaxonomyPart;
        let part = |id: &str, uris: &[&str]| TaxonomyPart {
            version: TaxonomyVersion {
                id: id.into(),
                version: "1".into(),
            },
            competencies: Vec::new(),
            occupations: uris
                .iter()
                .map(|&uri| Occupation {
                    uri: uri.into(),
                    preferred_label: uri.into(),
                    ..Occupation::default()
                })
                .collect(),
        };
        let taxonomy =
            Taxonomy::assemble(vec![part("a", &["a:1", "a:2"]), part("b", &["b:1"])]).unwrap();
        let of = |uri: &str| taxonomy.occupation_index(uri).unwrap();
        let scope = Scope::holding(&taxonomy, &[of("a:2") as u32, 99]);
        assert!(scope.has_occupation(of("a:1")) && scope.has_occupation(of("a:2")));
        assert!(!scope.has_occupation(of("b:1")));
        assert!(Scope::holding(&taxonomy, &[]).is_all());
    }

    fn answer(occupation: u32, equivalents: Vec<usize>, carried: f32) -> OccupationAnswer {
        OccupationAnswer {
            occupation,
            equivalents,
            carried,
        }
    }

    #[test]
    fn linked_candidates_merge_into_their_answer_ranked_ones_first_then_outside() {
        let equivalents = crosswalked();
        let scope = Scope {
            competencies: None,
            occupations: Some(vec![true, true, true, true, false, true]),
            taxonomy_ids: None,
        };
        // 3 ranks first but links to 0, an answer in scope; 5 links to 1.
        let mut candidates = ranked(&[(0.1, 1), (0.9, 3), (0.5, 0), (0.7, 5), (0.2, 2)]);
        let none = |_: usize| 0.0;
        let merged = equivalents.occupations(&mut candidates, &[4], &scope, 10, &none);
        assert_eq!(
            merged,
            vec![
                answer(0, vec![3, 4], 0.0),
                answer(2, vec![], 0.0),
                answer(1, vec![5], 0.0),
            ]
        );
        // The places are the full order's: 3, 5, 0, 2, 1.
        assert_eq!(candidates.iter().collect::<Vec<_>>(), vec![3, 5, 0, 2, 1]);

        let mut candidates = ranked(&[(0.1, 1), (0.9, 3), (0.5, 0), (0.7, 5), (0.2, 2)]);
        let first = equivalents.occupations(&mut candidates, &[4], &scope, 1, &none);
        assert_eq!(first, merged[..1]);
    }

    #[test]
    fn answers_carry_shares_split_in_proportion_among_every_answer_linked_whatever_the_limit() {
        // 0 and 1 both link to 2 (one O*NET occupation linked to two ESCO
        // ones); 3 links to nothing.
        let equivalents = Equivalents {
            links_to: vec![vec![], vec![], vec![0, 1], vec![]],
            linked: vec![vec![2], vec![2], vec![0, 1], vec![]],
            any_linked: true,
            same_label: HashMap::new(),
        };
        let shares = [0.3, 0.05, 0.4, 0.25];
        let share = |o: usize| shares[o];
        let scope = Scope::all();
        let answers = |limit: usize| {
            let mut candidates = ranked(&[(0.3, 0), (0.05, 1), (0.4, 2), (0.25, 3)]);
            equivalents.occupations(&mut candidates, &[], &scope, limit, &share)
        };
        // In their own order (0, 3, 1), 0 and 1 carrying 2's share in
        // proportion to their own, 0.3 and 0.05.
        let all = answers(10);
        assert_eq!(
            all,
            vec![
                answer(0, vec![2], 0.4 * (0.3 / (0.3 + 0.05))),
                answer(3, vec![], 0.0),
                answer(1, vec![2], 0.4 * (0.05 / (0.3 + 0.05))),
            ]
        );
        let total: f32 = all
            .iter()
            .map(|a| share(a.occupation as usize) + a.carried)
            .sum();
        assert!((total - 1.0).abs() < 1e-6, "{total}");
        // Fewer asked for: the same first answers carrying the same shares.
        for limit in 1..=3 {
            assert_eq!(answers(limit), all[..limit], "limit {limit}");
        }
        // Carriers without a share of their own split it evenly.
        let shares = [0.0, 0.0, 0.4, 0.6];
        let share = |o: usize| shares[o];
        let mut candidates = ranked(&[(0.0, 0), (0.0, 1), (0.4, 2), (0.6, 3)]);
        let carried: Vec<f32> = equivalents
            .occupations(&mut candidates, &[], &scope, 10, &share)
            .iter()
            .filter(|a| a.occupation != 3)
            .map(|a| a.carried)
            .collect();
        assert_eq!(carried, vec![0.2, 0.2]);
    }

    #[test]
    fn without_links_the_answers_are_the_best_in_scope() {
        let equivalents = Equivalents::default();
        let scope = Scope {
            competencies: None,
            occupations: Some(vec![true, false, true]),
            taxonomy_ids: None,
        };
        let mut candidates = ranked(&[(0.3, 0), (0.9, 1), (0.5, 2)]);
        let answers: Vec<u32> = equivalents
            .occupations(&mut candidates, &[], &scope, 5, &|_| 0.0)
            .into_iter()
            .map(|a| a.occupation)
            .collect();
        // 1 ranks first but is outside the scope.
        assert_eq!(answers, vec![2, 0]);
    }
}
