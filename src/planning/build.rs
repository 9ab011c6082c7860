//! Turning a gap and the catalogue into a plan search [`Problem`]: the
//! candidate credentials, their prerequisites, what each covers, and stacks.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::bits::Bits;
use super::constraints::PlanConstraints;
use super::problem::{Item, Problem, Stack};
use crate::catalog::{Catalog, CredentialFilter};
use crate::domain::{CredentialId, Microcredential};
use crate::needs::{CoverageKind, JobNeed, relate_looked_up};
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

/// The targets each taught competency URI covers, worked out once per URI
/// for one problem (credentials share taught competencies).
struct TaughtCoverage<'a> {
    taxonomy: &'a Taxonomy,
    targets: &'a [JobNeed],
    by_uri: RefCell<FxHashMap<String, Bits>>,
}

impl TaughtCoverage<'_> {
    /// Adds to `covers` the targets that teaching `uri` covers: exactly or
    /// through a narrower competency.
    fn add_covered_by(&self, uri: &str, covers: &mut Bits) {
        if let Some(known) = self.by_uri.borrow().get(uri) {
            covers.union_with(known);
            return;
        }
        let covered = self.covered_by(uri);
        covers.union_with(&covered);
        self.by_uri.borrow_mut().insert(uri.to_owned(), covered);
    }

    /// The targets that teaching `uri` covers (exactly or through a narrower
    /// competency), with the taught URI looked up in the taxonomy once.
    fn covered_by(&self, uri: &str) -> Bits {
        let mut covered = Bits::new(self.targets.len());
        let taught = self.taxonomy.idx(uri);
        for (position, target) in self.targets.iter().enumerate() {
            if matches!(
                relate_looked_up(self.taxonomy, uri, taught, target),
                Some(CoverageKind::Exact | CoverageKind::Narrower)
            ) {
                covered.insert(position);
            }
        }
        covered
    }
}

/// The position of each credential of the problem's universe.
type CredentialIndex = FxHashMap<CredentialId, usize>;

struct Builder<'a> {
    catalog: &'a Catalog,
    targets: &'a [JobNeed],
    taught: TaughtCoverage<'a>,
    /// The targets each credential covers, once worked out.
    covers_by_credential: RefCell<FxHashMap<CredentialId, Bits>>,
    filter: CredentialFilter,
    constraints: &'a PlanConstraints,
    eligible: FxHashMap<CredentialId, bool>,
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
        taught: TaughtCoverage {
            taxonomy,
            targets,
            by_uri: RefCell::default(),
        },
        covers_by_credential: RefCell::default(),
        filter: constraints.quality_filter(),
        constraints,
        eligible: FxHashMap::default(),
    };
    let teachers =
        catalog.teaching_any(teaching_uris(taxonomy, targets).iter().map(String::as_str));
    let pool = candidate_pool(catalog, teachers);
    let mut taught_anywhere = Bits::new(targets.len());
    let mut taught_by_eligible = Bits::new(targets.len());
    let mut chosen = Vec::new();
    for credential in &pool {
        let covers = builder.covers(credential);
        if covers.is_empty() {
            continue;
        }
        taught_anywhere.union_with(&covers);
        if builder.is_eligible(credential, &mut Vec::new()) {
            taught_by_eligible.union_with(&covers);
            chosen.push(credential.clone());
        }
    }
    builder.assemble(&chosen, taught_anywhere, taught_by_eligible)
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

/// URIs whose teaching covers a target: the target and its narrower competencies.
fn teaching_uris(taxonomy: &Taxonomy, targets: &[JobNeed]) -> BTreeSet<String> {
    let mut uris = BTreeSet::new();
    for target in targets {
        uris.insert(target.uri.clone());
        if let Some(idx) = target.idx {
            uris.extend(
                taxonomy
                    .narrower(idx)
                    .iter()
                    .map(|child| taxonomy.get(*child).uri.clone()),
            );
        }
    }
    uris
}

impl Builder<'_> {
    /// Targets the credential or its parts teach exactly or through a narrower one.
    fn covers(&self, credential: &Microcredential) -> Bits {
        if let Some(known) = self.covers_by_credential.borrow().get(&credential.id) {
            return known.clone();
        }
        let covers = self.covers_uncached(credential);
        self.covers_by_credential
            .borrow_mut()
            .insert(credential.id.clone(), covers.clone());
        covers
    }

    /// [`Builder::covers`], worked out.
    fn covers_uncached(&self, credential: &Microcredential) -> Bits {
        let mut covers = self.own_covers(credential);
        for part in self.catalog.parts_of(&credential.id) {
            if let Ok(part) = self.catalog.get(&part) {
                covers.union_with(&self.own_covers(&part));
            }
        }
        covers
    }

    fn own_covers(&self, credential: &Microcredential) -> Bits {
        let mut covers = Bits::new(self.targets.len());
        for taught in &credential.competencies {
            self.taught.add_covered_by(&taught.uri, &mut covers);
        }
        covers
    }

    /// Whether the credential and its prerequisites can be in a plan; `path`
    /// holds the credentials being checked, to detect cycles.
    fn is_eligible(&mut self, credential: &Microcredential, path: &mut Vec<CredentialId>) -> bool {
        if let Some(known) = self.eligible.get(&credential.id) {
            return *known;
        }
        if path.contains(&credential.id) {
            return false;
        }
        let mut ok = self.filter.accepts(credential) && self.constraints.admits(credential);
        path.push(credential.id.clone());
        for prerequisite in &credential.prerequisites {
            if !ok {
                break;
            }
            ok = match self.catalog.get(prerequisite) {
                Ok(prerequisite) => self.is_eligible(&prerequisite, path),
                Err(_) => false,
            };
        }
        path.pop();
        self.eligible.insert(credential.id.clone(), ok);
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

    /// The items of `credential`'s closure, as positions in `index`; a
    /// credential without prerequisites is its own closure.
    fn closure_items(&self, credential: &Microcredential, index: &CredentialIndex) -> Bits {
        let mut bits = Bits::new(index.len());
        if credential.prerequisites.is_empty() {
            if let Some(&position) = index.get(&credential.id) {
                bits.insert(position);
            }
            return bits;
        }
        let mut closure = BTreeMap::new();
        self.closure(&credential.id, &mut closure);
        for id in closure.keys() {
            if let Some(&position) = index.get(id) {
                bits.insert(position);
            }
        }
        bits
    }

    fn assemble(
        &self,
        candidates: &[Arc<Microcredential>],
        taught_anywhere: Bits,
        taught_by_eligible: Bits,
    ) -> Built {
        let credentials = self.universe(candidates);
        let index: CredentialIndex = credentials
            .iter()
            .enumerate()
            .map(|(position, credential)| (credential.id.clone(), position))
            .collect();
        let items: Vec<Item> = credentials
            .iter()
            .map(|credential| {
                let bits = self.closure_items(credential, &index);
                let cost = credential.cost.and_then(|c| self.constraints.price(&c));
                Item {
                    cost: cost.unwrap_or(0.0),
                    hours: credential.hours.unwrap_or(0.0),
                    unknown_cost: cost.is_none(),
                    unknown_hours: credential.hours.is_none(),
                    covers: self.covers(credential),
                    closure: bits,
                }
            })
            .collect();
        let candidates = candidates
            .iter()
            .filter_map(|candidate| index.get(&candidate.id).copied())
            .collect();
        let (stacks, stack_infos) = self.stacks(&credentials, &index);
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
    fn stacks(
        &self,
        credentials: &[Arc<Microcredential>],
        index: &CredentialIndex,
    ) -> (Vec<Stack>, Vec<StackInfo>) {
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
                .map(|part| index.get(part).copied())
                .collect();
            let parts = parts_in_universe.filter(|p| !p.is_empty()).map(|p| {
                let mut bits = Bits::new(credentials.len());
                p.into_iter().for_each(|i| bits.insert(i));
                bits
            });
            let stack = Stack {
                bundle: index.get(&id).copied(),
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
