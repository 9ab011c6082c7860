//! Reference checks on upsert: credentials named in `part_of`, `has_part` and
//! `prerequisites` that exist neither in the catalogue nor in the batch are
//! reported; prerequisite cycles through a batch credential are rejected.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use crate::domain::{CredentialId, Microcredential, ValidationError, Violations};

/// A reference to a credential that is not in the catalogue. The credential
/// is stored anyway; a dangling prerequisite keeps it out of upskilling plans
/// until the prerequisite is added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DanglingReference {
    /// The credential holding the reference.
    pub credential: CredentialId,
    /// `part_of`, `has_part` or `prerequisites`.
    pub field: &'static str,
    /// The id it names.
    pub target: CredentialId,
}

/// What an upsert stored and what it reported.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpsertReport {
    /// Credentials stored.
    pub upserted: usize,
    /// References to credentials that are not in the catalogue.
    pub dangling: Vec<DanglingReference>,
    /// The catalogue generation the change committed as.
    pub generation: u64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Visit {
    InProgress,
    Done,
}

struct CycleSearch<'a> {
    batch: HashMap<&'a CredentialId, (usize, &'a Microcredential)>,
    existing: &'a BTreeMap<CredentialId, Arc<Microcredential>>,
    visits: HashMap<&'a CredentialId, Visit>,
    path: Vec<&'a CredentialId>,
    cycles: BTreeMap<usize, String>,
}

impl<'a> CycleSearch<'a> {
    fn prerequisites(&self, id: &CredentialId) -> &'a [CredentialId] {
        if let Some((_, credential)) = self.batch.get(id) {
            return &credential.prerequisites;
        }
        self.existing
            .get(id)
            .map_or(&[], |credential| credential.prerequisites.as_slice())
    }

    fn visit(&mut self, id: &'a CredentialId) {
        self.visits.insert(id, Visit::InProgress);
        self.path.push(id);
        for prerequisite in self.prerequisites(id) {
            match self.visits.get(prerequisite) {
                None => self.visit(prerequisite),
                Some(Visit::InProgress) => self.record_cycle(prerequisite),
                Some(Visit::Done) => {}
            }
        }
        self.path.pop();
        self.visits.insert(id, Visit::Done);
    }

    /// Records the cycle from `back_to` along the path, at the first batch
    /// credential on it; cycles among stored credentials alone predate this batch.
    fn record_cycle(&mut self, back_to: &CredentialId) {
        let start = self
            .path
            .iter()
            .position(|id| *id == back_to)
            .unwrap_or_default();
        let cycle = &self.path[start..];
        let Some(index) = cycle
            .iter()
            .filter_map(|id| self.batch.get(*id).map(|(index, _)| *index))
            .min()
        else {
            return;
        };
        let names: Vec<&str> = cycle
            .iter()
            .map(|id| id.as_str())
            .chain([back_to.as_str()])
            .collect();
        self.cycles
            .entry(index)
            .or_insert_with(|| format!("forms a prerequisite cycle: {}", names.join(" -> ")));
    }
}

/// Checks a batch against the catalogue it will be merged into.
pub(super) fn check_references(
    batch: &[Microcredential],
    existing: &BTreeMap<CredentialId, Arc<Microcredential>>,
) -> Result<Vec<DanglingReference>, ValidationError> {
    let in_batch: HashSet<&CredentialId> = batch.iter().map(|c| &c.id).collect();
    let mut dangling = Vec::new();
    for credential in batch {
        for (field, ids) in [
            ("part_of", &credential.part_of),
            ("has_part", &credential.has_part),
            ("prerequisites", &credential.prerequisites),
        ] {
            for target in ids {
                if !in_batch.contains(target) && !existing.contains_key(target) {
                    dangling.push(DanglingReference {
                        credential: credential.id.clone(),
                        field,
                        target: target.clone(),
                    });
                }
            }
        }
    }
    let mut search = CycleSearch {
        batch: batch
            .iter()
            .enumerate()
            .map(|(index, credential)| (&credential.id, (index, credential)))
            .collect(),
        existing,
        visits: HashMap::new(),
        path: Vec::new(),
        cycles: BTreeMap::new(),
    };
    for credential in batch {
        if !search.visits.contains_key(&credential.id) {
            search.visit(&credential.id);
        }
    }
    let mut violations = Violations::default();
    for (index, description) in search.cycles {
        violations.add(format!("credentials[{index}].prerequisites"), description);
    }
    violations.finish(dangling)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credential(id: &str, prerequisites: &[&str], part_of: &[&str]) -> Microcredential {
        let ids = |raw: &[&str]| {
            raw.iter()
                .map(|r| CredentialId::parse(r).unwrap())
                .collect()
        };
        serde_json::from_value(serde_json::json!({
            "id": id, "title": id, "hours": 1, "cost": {"amount": 0, "currency": "EUR"},
            "delivery_mode": "online", "language": "en",
        }))
        .map(|c: Microcredential| Microcredential {
            prerequisites: ids(prerequisites),
            part_of: ids(part_of),
            ..c
        })
        .unwrap()
    }

    fn stored(credentials: &[Microcredential]) -> BTreeMap<CredentialId, Arc<Microcredential>> {
        credentials
            .iter()
            .map(|c| (c.id.clone(), Arc::new(c.clone())))
            .collect()
    }

    #[test]
    fn reports_dangling_references() {
        let existing = stored(&[credential("a", &[], &[])]);
        let batch = [credential("b", &["a", "gone"], &["bundle-missing"])];
        let dangling = check_references(&batch, &existing).unwrap();
        let found: Vec<(&str, &str)> = dangling
            .iter()
            .map(|d| (d.field, d.target.as_str()))
            .collect();
        assert_eq!(
            found,
            [("part_of", "bundle-missing"), ("prerequisites", "gone")]
        );
    }

    #[test]
    fn rejects_cycles_through_the_batch_and_with_stored_credentials() {
        let existing = stored(&[credential("a", &["b"], &[])]);
        let batch = [credential("c", &[], &[]), credential("b", &["a"], &[])];
        let error = check_references(&batch, &existing).unwrap_err();
        let violation = &error.violations()[0];
        assert_eq!(violation.field, "credentials[1].prerequisites");
        assert!(
            violation.description.contains("b -> a -> b"),
            "{violation:?}"
        );

        let in_batch = [credential("x", &["y"], &[]), credential("y", &["x"], &[])];
        let error = check_references(&in_batch, &BTreeMap::new()).unwrap_err();
        assert_eq!(error.violations().len(), 1);
        assert_eq!(error.violations()[0].field, "credentials[0].prerequisites");

        // Replacing a credential can also break a cycle.
        let fixed = [credential("b", &[], &[])];
        assert!(check_references(&fixed, &existing).unwrap().is_empty());
    }
}
