//! The credentials table: id -> JSON of a [`Microcredential`].

use redb::{ReadableDatabase, ReadableTable, TableDefinition};

use super::{Store, StoreError, bump_meta_u64, set_meta};
use crate::domain::{CredentialId, Microcredential};

pub(super) const CREDENTIALS: TableDefinition<&str, &[u8]> = TableDefinition::new("credentials");

/// Meta key of the catalogue generation, bumped by every committed change.
pub const CATALOG_GENERATION: &str = "catalog_generation";

/// A change to the catalogue, applied atomically.
#[derive(Debug, Default)]
pub struct CatalogChange<'a> {
    /// Credentials to insert or replace.
    pub upserts: &'a [Microcredential],
    /// Ids to delete.
    pub deletes: &'a [CredentialId],
    /// Meta values to set in the same transaction.
    pub meta: Vec<(&'a str, Vec<u8>)>,
}

impl Store {
    /// Commits a catalogue change durably and returns the new catalogue generation.
    pub fn apply_catalog_change(&self, change: &CatalogChange<'_>) -> Result<u64, StoreError> {
        let txn = self.write()?;
        {
            let mut table = txn.open_table(CREDENTIALS)?;
            for credential in change.upserts {
                let json = serde_json::to_vec(credential).map_err(|error| StoreError::Corrupt {
                    key: credential.id.to_string(),
                    reason: error.to_string(),
                })?;
                table.insert(credential.id.as_str(), json.as_slice())?;
            }
            for id in change.deletes {
                table.remove(id.as_str())?;
            }
        }
        for (key, value) in &change.meta {
            set_meta(&txn, key, value)?;
        }
        let generation = bump_meta_u64(&txn, CATALOG_GENERATION)?;
        fail::fail_point!("store-credentials-commit", |_| Err(StoreError::Storage(
            std::io::Error::other("failpoint").into()
        )));
        txn.commit()?;
        Ok(generation)
    }

    /// Whether a credential is stored.
    pub fn has_credential(&self, id: &CredentialId) -> Result<bool, StoreError> {
        let db = self.read();
        let txn = db.begin_read()?;
        let table = txn.open_table(CREDENTIALS)?;
        Ok(table.get(id.as_str())?.is_some())
    }

    /// Every stored credential, in id order. A row that cannot be decoded,
    /// or decodes to a credential that breaks its invariants, is moved into
    /// quarantine (and reported there) instead of failing the whole load.
    pub fn all_credentials(&self) -> Result<Vec<Microcredential>, StoreError> {
        let mut credentials = Vec::new();
        let mut unreadable = Vec::new();
        {
            let db = self.read();
            let txn = db.begin_read()?;
            let table = txn.open_table(CREDENTIALS)?;
            for entry in table.iter()? {
                let (key, value) = entry?;
                match decode_credential(value.value()) {
                    Ok(credential) => credentials.push(credential),
                    Err(reason) => unreadable.push((key.value().to_owned(), reason)),
                }
            }
        }
        for (id, reason) in unreadable {
            self.quarantine_credential(&id, &reason)?;
        }
        Ok(credentials)
    }
}

fn decode_credential(bytes: &[u8]) -> Result<Microcredential, String> {
    let credential: Microcredential =
        serde_json::from_slice(bytes).map_err(|error| error.to_string())?;
    credential.validate().map_err(|error| error.to_string())?;
    Ok(credential)
}
