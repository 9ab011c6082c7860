//! Which credentials stack into which: a link exists when the larger one
//! lists the smaller in `has_part` or the smaller lists the larger in
//! `part_of` (either declaration suffices).

use std::collections::BTreeSet;

use foldhash::HashMap;

use crate::domain::{CredentialId, Microcredential};

/// Stack links in both directions, counting declarations so a link stays
/// while either side still declares it. The maps hash ids with a seeded
/// fast hash: planning looks up every candidate's links.
#[derive(Debug, Default)]
pub(super) struct StackIndex {
    declarations: HashMap<(CredentialId, CredentialId), u8>,
    larger_of: HashMap<CredentialId, BTreeSet<CredentialId>>,
    parts_of: HashMap<CredentialId, BTreeSet<CredentialId>>,
}

/// The (larger, part) pairs a credential declares.
fn declared(
    credential: &Microcredential,
) -> impl Iterator<Item = (CredentialId, CredentialId)> + '_ {
    let id = &credential.id;
    credential
        .has_part
        .iter()
        .map(move |part| (id.clone(), part.clone()))
        .chain(
            credential
                .part_of
                .iter()
                .map(move |larger| (larger.clone(), id.clone())),
        )
}

impl StackIndex {
    /// Records the links a credential declares.
    pub(super) fn insert(&mut self, credential: &Microcredential) {
        for (larger, part) in declared(credential) {
            let count = self
                .declarations
                .entry((larger.clone(), part.clone()))
                .or_insert(0);
            *count += 1;
            if *count == 1 {
                self.larger_of
                    .entry(part.clone())
                    .or_default()
                    .insert(larger.clone());
                self.parts_of.entry(larger).or_default().insert(part);
            }
        }
    }

    /// Forgets the links a credential declared.
    pub(super) fn remove(&mut self, credential: &Microcredential) {
        for (larger, part) in declared(credential) {
            let key = (larger.clone(), part.clone());
            let Some(count) = self.declarations.get_mut(&key) else {
                continue;
            };
            *count -= 1;
            if *count == 0 {
                self.declarations.remove(&key);
                if let Some(set) = self.larger_of.get_mut(&part) {
                    set.remove(&larger);
                }
                if let Some(set) = self.parts_of.get_mut(&larger) {
                    set.remove(&part);
                }
            }
        }
    }

    /// Ids of the larger credentials `id` stacks into.
    pub(super) fn larger_of(&self, id: &CredentialId) -> Vec<CredentialId> {
        self.larger_of
            .get(id)
            .map(|set| set.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Ids of the parts of `id`.
    pub(super) fn parts_of(&self, id: &CredentialId) -> Vec<CredentialId> {
        self.parts_of
            .get(id)
            .map(|set| set.iter().cloned().collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credential(id: &str, has_part: &[&str], part_of: &[&str]) -> Microcredential {
        let ids = |raw: &[&str]| {
            raw.iter()
                .map(|r| CredentialId::parse(r).unwrap())
                .collect()
        };
        let base: Microcredential = serde_json::from_value(serde_json::json!({
            "id": id, "title": id, "hours": 1, "cost": {"amount": 0, "currency": "EUR"},
            "delivery_mode": "online", "language": "en",
        }))
        .unwrap();
        Microcredential {
            has_part: ids(has_part),
            part_of: ids(part_of),
            ..base
        }
    }

    fn names(ids: Vec<CredentialId>) -> Vec<String> {
        ids.into_iter().map(String::from).collect()
    }

    #[test]
    fn links_hold_while_either_side_declares_them() {
        let bundle = credential("bundle", &["a"], &[]);
        let part_b = credential("b", &[], &["bundle"]);
        let part_a = credential("a", &[], &["bundle"]);
        let mut index = StackIndex::default();
        for credential in [&bundle, &part_a, &part_b] {
            index.insert(credential);
        }
        let bundle_id = CredentialId::parse("bundle").unwrap();
        let a = CredentialId::parse("a").unwrap();
        assert_eq!(names(index.parts_of(&bundle_id)), ["a", "b"]);
        assert_eq!(names(index.larger_of(&a)), ["bundle"]);

        // "a" still declares part_of after the bundle drops it from has_part.
        index.remove(&bundle);
        assert_eq!(names(index.parts_of(&bundle_id)), ["a", "b"]);
        index.remove(&part_a);
        assert_eq!(names(index.parts_of(&bundle_id)), ["b"]);
        assert!(index.larger_of(&a).is_empty());
    }
}
