//! Turning a gap and the catalogue into a plan search [`Problem`]: the
//! candidate credentials, their prerequisites, what each covers, and stacks.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::bits::Bits;
use super::constraints::PlanConstraints;
use super::problem::{Item, Problem, Stack};
use crate::catalog::{Catalog, CredentialFilter};
use crate::domain::{CredentialId, Microcredential};
use crate::needs::JobNeed;
use crate::taxonomy::Taxonomy;

/// A larger credential that plans may complete, with its parts.
#[derive(Debug, Clone)]
pub struct StackInfo {
    /// The larger credential.
    pub credential: Arc<Microcredential>,
    /// Its parts found in the catalogue.
    pub parts: Vec<Arc<Microcredential>>,
}

/// The search problem and what its indices stand for.
#[derive(Debug, Clone)]
pub struct Built {
    /// The problem.
    pub problem: Problem,
    /// The credential of each item.
    pub credentials: Vec<Arc<Microcredential>>,
    /// The larger credential of each of `problem.stacks`.
    pub stacks: Vec<StackInfo>,
    /// Targets some catalogue credential teaches, eligible or not.
    pub taught_anywhere: Bits,
    /// Targets some eligible credential teaches.
    pub taught_by_eligible: Bits,
}

/// The targets that teaching each competency URI covers: a target is
/// covered by teaching it exactly or one of its direct narrower
/// competencies (the relations [`crate::needs::relate_looked_up`] calls `Exact` and
/// `Narrower`; a URI names one competency, so no other URI is related so).
/// Only these URIs cover anything, so the catalogue is asked for their
/// teachers alone.
struct TaughtCoverage<'a> {
    by_uri: FxHashMap<&'a str, Bits>,
}

impl<'a> TaughtCoverage<'a> {
    fn new(taxonomy: &'a Taxonomy, targets: &'a [JobNeed]) -> Self {
        let mut by_uri: FxHashMap<&'a str, Bits> = FxHashMap::default();
        let mut add = |uri: &'a str, position: usize| {
            by_uri
                .entry(uri)
                .or_insert_with(|| Bits::new(targets.len()))
                .insert(position);
        };
        for (position, target) in targets.iter().enumerate() {
            add(&target.uri, position);
            if let Some(idx) = target.idx {
                add(&taxonomy.get(idx).uri, position);
                for child in taxonomy.narrower(idx) {
                    add(&taxonomy.get(*child).uri, position);
                }
            }
        }
        Self { by_uri }
    }

    /// The URIs whose teaching covers some target.
    fn uris(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.by_uri.keys().copied()
    }

    /// Adds to `covers` the targets that teaching `uri` covers.
    fn add_covered_by(&self, uri: &str, covers: &mut Bits) {
        if let Some(covered) = self.by_uri.get(uri) {
            covers.union_with(covered);
        }
    }
}

/// The problem's universe (its credentials, in id order, each once), to
/// find a credential's position by id.
#[derive(Clone, Copy)]
struct Universe<'a>(&'a [Arc<Microcredential>]);

impl Universe<'_> {
    fn position(self, id: &CredentialId) -> Option<usize> {
        self.0
            .binary_search_by(|credential| credential.id.cmp(id))
            .ok()
    }
}

struct Builder<'a> {
    catalog: &'a Catalog,
    targets: &'a [JobNeed],
    taught: TaughtCoverage<'a>,
    filter: CredentialFilter,
    constraints: &'a PlanConstraints,
    /// Whether a credential with prerequisites is eligible, once worked out
    /// (prerequisites are shared; a credential without any is checked
    /// directly).
    eligible_with_prerequisites: FxHashMap<CredentialId, bool>,
}

/// Builds the problem for covering `targets` under `constraints`.
///
/// A credential covers a target it teaches exactly or through a narrower
/// competency; a larger credential also covers what its parts teach (parts
/// it lists in `has_part` or that list it in `part_of`). It is eligible when
/// it and every prerequisite (transitively) exist, pass the quality
/// requirements, have a convertible price and form no prerequisite cycle.
/// Candidates are the eligible credentials that cover at least one target;
/// the larger credentials their teachers stack into are considered too.
pub fn build(
    taxonomy: &Taxonomy,
    catalog: &Catalog,
    targets: &[JobNeed],
    constraints: &PlanConstraints,
) -> Built {
    let mut builder = Builder {
        catalog,
        targets,
        taught: TaughtCoverage::new(taxonomy, targets),
        filter: constraints.quality_filter(),
        constraints,
        eligible_with_prerequisites: FxHashMap::default(),
    };
    let teachers = catalog.teaching_any(builder.taught.uris());
    let pool = candidate_pool(catalog, teachers);
    let mut taught_anywhere = Bits::new(targets.len());
    let mut taught_by_eligible = Bits::new(targets.len());
    let mut chosen = Vec::new();
    let mut chosen_covers = Vec::new();
    for credential in pool {
        let covers = builder.covers(&credential);
        if covers.is_empty() {
            continue;
        }
        taught_anywhere.union_with(&covers);
        if builder.is_eligible(&credential, &mut Vec::new()) {
            taught_by_eligible.union_with(&covers);
            chosen.push(credential);
            chosen_covers.push(covers);
        }
    }
    builder.assemble(&chosen, chosen_covers, taught_anywhere, taught_by_eligible)
}

/// The credentials that may cover a target, in id order: the teachers (in
/// id order, as the catalogue finds them) and the larger credentials they
/// stack into, merged in.
fn candidate_pool(
    catalog: &Catalog,
    teachers: Vec<Arc<Microcredential>>,
) -> Vec<Arc<Microcredential>> {
    let mut larger: Vec<CredentialId> = teachers
        .iter()
        .flat_map(|teacher| catalog.larger_of(&teacher.id))
        .collect();
    if larger.is_empty() {
        return teachers;
    }
    larger.sort_unstable();
    larger.dedup();
    let bundles: Vec<Arc<Microcredential>> = larger
        .iter()
        .filter_map(|id| catalog.get(id).ok())
        .collect();
    merge_by_id(&teachers, bundles)
}

/// The credentials of two lists in id order, each once (the first list's on
/// equal ids); both lists are in id order without repeats.
fn merge_by_id(
    first: &[Arc<Microcredential>],
    second: Vec<Arc<Microcredential>>,
) -> Vec<Arc<Microcredential>> {
    let mut merged = Vec::with_capacity(first.len() + second.len());
    let mut second = second.into_iter().peekable();
    for credential in first {
        while let Some(before) = second.next_if(|other| other.id < credential.id) {
            merged.push(before);
        }
        second.next_if(|other| other.id == credential.id);
        merged.push(credential.clone());
    }
    merged.extend(second);
    merged
}

impl Builder<'_> {
    /// Targets the credential or its parts teach exactly or through a
    /// narrower one. Each credential of the problem is worked out once.
    fn covers(&self, credential: &Microcredential) -> Bits {
        let mut covers = Bits::new(self.targets.len());
        self.add_own_covers(credential, &mut covers);
        for part in self.catalog.parts_of(&credential.id) {
            if let Ok(part) = self.catalog.get(&part) {
                self.add_own_covers(&part, &mut covers);
            }
        }
        covers
    }

    /// Adds to `covers` the targets the credential itself teaches.
    fn add_own_covers(&self, credential: &Microcredential, covers: &mut Bits) {
        for taught in &credential.competencies {
            self.taught.add_covered_by(&taught.uri, covers);
        }
    }

    /// Whether the credential and its prerequisites can be in a plan; `path`
    /// holds the credentials being checked, to detect cycles.
    fn is_eligible(&mut self, credential: &Microcredential, path: &mut Vec<CredentialId>) -> bool {
        let admitted = self.filter.accepts(credential) && self.constraints.admits(credential);
        if !admitted || credential.prerequisites.is_empty() {
            return admitted;
        }
        if let Some(known) = self.eligible_with_prerequisites.get(&credential.id) {
            return *known;
        }
        if path.contains(&credential.id) {
            return false;
        }
        path.push(credential.id.clone());
        let ok = credential.prerequisites.iter().all(|prerequisite| {
            match self.catalog.get(prerequisite) {
                Ok(prerequisite) => self.is_eligible(&prerequisite, path),
                Err(_) => false,
            }
        });
        path.pop();
        self.eligible_with_prerequisites
            .insert(credential.id.clone(), ok);
        ok
    }

    /// A credential's transitive prerequisites, itself included, as found in the catalogue.
    fn closure(&self, id: &CredentialId, into: &mut BTreeMap<CredentialId, Arc<Microcredential>>) {
        if into.contains_key(id) {
            return;
        }
        let Ok(credential) = self.catalog.get(id) else {
            return;
        };
        into.insert(id.clone(), credential.clone());
        for prerequisite in &credential.prerequisites {
            self.closure(prerequisite, into);
        }
    }

    /// The candidates (in id order) and their transitive prerequisites, in
    /// id order: only the closures of candidates with prerequisites are walked.
    fn universe(&self, candidates: &[Arc<Microcredential>]) -> Vec<Arc<Microcredential>> {
        let mut with_prerequisites = BTreeMap::new();
        for candidate in candidates {
            if !candidate.prerequisites.is_empty() {
                self.closure(&candidate.id, &mut with_prerequisites);
            }
        }
        if with_prerequisites.is_empty() {
            return candidates.to_vec();
        }
        merge_by_id(candidates, with_prerequisites.into_values().collect())
    }

    /// The items of the closure of `credential` (at `position` of the
    /// universe), as increasing positions; a credential without
    /// prerequisites is its own closure.
    fn closure_items(
        &self,
        position: usize,
        credential: &Microcredential,
        universe: Universe<'_>,
    ) -> Vec<usize> {
        if credential.prerequisites.is_empty() {
            return vec![position];
        }
        let mut closure = BTreeMap::new();
        self.closure(&credential.id, &mut closure);
        let mut items: Vec<usize> = closure
            .keys()
            .filter_map(|id| universe.position(id))
            .collect();
        items.sort_unstable();
        items
    }

    /// What each credential of the universe covers, in its order, and the
    /// candidates' positions in it: the candidates' coverage as already
    /// worked out (both lists are in id order), the prerequisites' worked
    /// out now.
    fn universe_covers(
        &self,
        universe: &[Arc<Microcredential>],
        candidates: &[Arc<Microcredential>],
        candidate_covers: Vec<Bits>,
    ) -> (Vec<Bits>, Vec<usize>) {
        let mut known = candidates.iter().zip(candidate_covers).peekable();
        let mut positions = Vec::with_capacity(candidates.len());
        let covers = universe
            .iter()
            .enumerate()
            .map(|(position, credential)| {
                match known.next_if(|(candidate, _)| candidate.id == credential.id) {
                    Some((_, covers)) => {
                        positions.push(position);
                        covers
                    }
                    None => self.covers(credential),
                }
            })
            .collect();
        (covers, positions)
    }

    fn assemble(
        &self,
        candidates: &[Arc<Microcredential>],
        candidate_covers: Vec<Bits>,
        taught_anywhere: Bits,
        taught_by_eligible: Bits,
    ) -> Built {
        let credentials = self.universe(candidates);
        let (covers, candidates) = self.universe_covers(&credentials, candidates, candidate_covers);
        let universe = Universe(&credentials);
        let items: Vec<Item> = credentials
            .iter()
            .zip(covers)
            .enumerate()
            .map(|(position, (credential, covers))| {
                let closure = self.closure_items(position, credential, universe);
                let cost = credential.cost.and_then(|c| self.constraints.price(&c));
                Item {
                    cost: cost.unwrap_or(0.0),
                    hours: credential.hours.unwrap_or(0.0),
                    unknown_cost: cost.is_none(),
                    unknown_hours: credential.hours.is_none(),
                    covers,
                    closure,
                }
            })
            .collect();
        let (stacks, stack_infos) = self.stacks(universe);
        Built {
            problem: Problem {
                target_weights: self.targets.iter().map(|t| t.weight).collect(),
                items,
                candidates,
                stacks,
                max_cost: self.constraints.max_total_cost.map(|money| money.amount),
                max_hours: self.constraints.max_total_hours,
            },
            credentials,
            stacks: stack_infos,
            taught_anywhere,
            taught_by_eligible,
        }
    }

    /// The larger credentials of the universe's credentials, and those they are part of.
    fn stacks(&self, universe: Universe<'_>) -> (Vec<Stack>, Vec<StackInfo>) {
        let credentials = universe.0;
        let mut larger: BTreeSet<CredentialId> = BTreeSet::new();
        for credential in credentials {
            larger.extend(self.catalog.larger_of(&credential.id));
            if !self.catalog.parts_of(&credential.id).is_empty() {
                larger.insert(credential.id.clone());
            }
        }
        let mut stacks = Vec::new();
        let mut infos = Vec::new();
        for id in larger {
            let Ok(bundle) = self.catalog.get(&id) else {
                continue;
            };
            let part_ids = self.catalog.parts_of(&id);
            let parts_in_universe: Option<Vec<usize>> = part_ids
                .iter()
                .map(|part| universe.position(part))
                .collect();
            let parts = parts_in_universe.filter(|p| !p.is_empty()).map(|p| {
                let mut bits = Bits::new(credentials.len());
                bits.insert_all(p);
                bits
            });
            let stack = Stack {
                bundle: universe.position(&id),
                parts,
            };
            if stack.bundle.is_none() && stack.parts.is_none() {
                continue;
            }
            stacks.push(stack);
            infos.push(StackInfo {
                parts: part_ids
                    .iter()
                    .filter_map(|part| self.catalog.get(part).ok())
                    .collect(),
                credential: bundle,
            });
        }
        (stacks, infos)
    }
}
