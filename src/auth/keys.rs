//! The API-key file: TOML with one `[[keys]]` table per key holding the
//! SHA-256 hex digest of the key, its tenant and its role.

use std::io::Write;
use std::path::Path;

use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{Caller, Role, TenantId};
use crate::domain::check_client_id;

/// Errors reading or writing a key file.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// The file could not be read or written.
    #[error("key file {path}: {source}")]
    Io {
        /// File.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// The file is not valid key TOML.
    #[error("key file {path}: {reason}")]
    Invalid {
        /// File.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// The system random source failed.
    #[error("cannot generate a random key: {0}")]
    Random(String),
}

/// One `[[keys]]` table as written in the file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyEntry {
    /// Lowercase hex SHA-256 digest of the key.
    pub sha256: String,
    /// Tenant the key acts for.
    pub tenant: String,
    /// Role of the key.
    pub role: Role,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    #[serde(default)]
    keys: Vec<KeyEntry>,
}

#[derive(Clone)]
struct Known {
    digest: [u8; 32],
    caller: Caller,
}

/// The keys a server accepts.
#[derive(Clone, Default)]
pub struct KeyRing {
    keys: Vec<Known>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing")
            .field("keys", &self.keys.len())
            .finish()
    }
}

fn sha256(key: &str) -> [u8; 32] {
    let digest = Sha256::digest(key.as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(&digest);
    out
}

impl KeyRing {
    /// Reads and checks a key file.
    pub fn read(path: &Path) -> Result<Self, KeyFileError> {
        let text = std::fs::read_to_string(path).map_err(|source| KeyFileError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text).map_err(|reason| KeyFileError::Invalid {
            path: path.display().to_string(),
            reason,
        })
    }

    /// Parses key-file TOML.
    pub fn parse(text: &str) -> Result<Self, String> {
        let file: KeyFile = toml::from_str(text).map_err(|error| error.to_string())?;
        let mut keys = Vec::with_capacity(file.keys.len());
        for (index, entry) in file.keys.into_iter().enumerate() {
            let bytes = hex::decode(entry.sha256.trim())
                .ok()
                .filter(|bytes| bytes.len() == 32)
                .ok_or_else(|| format!("keys[{index}].sha256 is not a 64-digit hex digest"))?;
            check_client_id(&entry.tenant)
                .map_err(|error| format!("keys[{index}].tenant: {error}"))?;
            let mut digest = [0u8; 32];
            digest.copy_from_slice(&bytes);
            keys.push(Known {
                digest,
                caller: Caller {
                    tenant: TenantId::new(&entry.tenant),
                    role: entry.role,
                },
            });
        }
        Ok(Self { keys })
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there are no keys.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The caller a key stands for. Every stored digest is compared in
    /// constant time, so timing reveals neither which digest nor how much of
    /// it matched.
    pub fn caller(&self, key: &str) -> Option<Caller> {
        let digest = sha256(key);
        let mut found = None;
        for known in &self.keys {
            if bool::from(known.digest.ct_eq(&digest)) {
                found = Some(known.caller.clone());
            }
        }
        found
    }
}

/// A new random key: `sm_` and 64 hex digits (256 bits).
pub fn generate_key() -> Result<String, KeyFileError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|error| KeyFileError::Random(error.to_string()))?;
    Ok(format!("sm_{}", hex::encode(bytes)))
}

/// Creates a key for `tenant` with `role`, appends its digest to the file
/// (creating it when absent) and returns the key, which is stored nowhere.
pub fn append_key(path: &Path, tenant: &str, role: Role) -> Result<String, KeyFileError> {
    let invalid = |reason: String| KeyFileError::Invalid {
        path: path.display().to_string(),
        reason,
    };
    check_client_id(tenant).map_err(|error| invalid(format!("tenant: {error}")))?;
    if path.exists() {
        KeyRing::read(path)?;
    }
    let key = generate_key()?;
    let entry = format!(
        "\n[[keys]]\nsha256 = \"{}\"\ntenant = \"{tenant}\"\nrole = \"{}\"\n",
        hex::encode(sha256(&key)),
        role.as_str()
    );
    let io = |source| KeyFileError::Io {
        path: path.display().to_string(),
        source,
    };
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(io)?;
    file.write_all(entry.as_bytes()).map_err(io)?;
    file.sync_all().map_err(io)?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appended_keys_authenticate_and_others_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.toml");
        let reader = append_key(&path, "acme", Role::Read).unwrap();
        let admin = append_key(&path, "globex", Role::Admin).unwrap();
        let ring = KeyRing::read(&path).unwrap();
        assert_eq!(ring.len(), 2);
        let caller = ring.caller(&reader).unwrap();
        assert_eq!(caller.tenant().as_str(), "acme");
        assert_eq!(caller.role(), Role::Read);
        assert_eq!(ring.caller(&admin).unwrap().role(), Role::Admin);
        assert!(ring.caller("sm_wrong").is_none());
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains(&reader), "the key itself is never stored");
    }

    #[test]
    fn bad_files_are_rejected() {
        assert!(
            KeyRing::parse("[[keys]]\nsha256 = \"zz\"\ntenant = \"a\"\nrole = \"read\"").is_err()
        );
        let digest = "00".repeat(32);
        assert!(
            KeyRing::parse(&format!(
                "[[keys]]\nsha256 = \"{digest}\"\ntenant = \"a b\"\nrole = \"read\""
            ))
            .is_err()
        );
        assert!(
            KeyRing::parse(&format!(
                "[[keys]]\nsha256 = \"{digest}\"\ntenant = \"a\"\nrole = \"root\""
            ))
            .is_err()
        );
    }
}
