//! The API-key file: TOML with one `[[keys]]` table per key holding the
//! SHA-256 hex digest of the key, its tenant and its role, and optionally
//! when it was created, when it expires and when it was revoked. A key's id
//! is the first 12 hex digits of its digest: it names the key in `keys
//! list` and `keys revoke` and in the log, and reveals nothing of the key.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::stamp::Timestamp;
use super::{Caller, Role, TenantId};
use crate::domain::check_client_id;

/// Hex digits of the digest that make a key's id.
pub const KEY_ID_DIGITS: usize = 12;

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
    /// When the key was made (`YYYY-MM-DDTHH:MM:SSZ`).
    #[serde(default)]
    pub created: Option<String>,
    /// When the key stops working (`YYYY-MM-DDTHH:MM:SSZ` or `YYYY-MM-DD`).
    #[serde(default)]
    pub expires: Option<String>,
    /// When the key was revoked; a revoked key never works again.
    #[serde(default)]
    pub revoked: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    #[serde(default)]
    keys: Vec<KeyEntry>,
}

/// A checked entry of the file.
#[derive(Debug, Clone)]
pub(super) struct Checked {
    pub(super) id: String,
    pub(super) digest: [u8; 32],
    pub(super) caller: Caller,
    pub(super) created: Option<Timestamp>,
    pub(super) expires: Option<Timestamp>,
    pub(super) revoked: Option<Timestamp>,
}

impl Checked {
    /// Whether the key may be used at `now`.
    pub(super) fn usable(&self, now: Timestamp) -> bool {
        self.revoked.is_none() && self.expires.is_none_or(|expires| now < expires)
    }
}

/// What `keys list` shows of a key: never the key itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    /// The key's id (first digits of its digest).
    pub id: String,
    /// Tenant.
    pub tenant: String,
    /// Role.
    pub role: Role,
    /// When it was made, when the file says.
    pub created: Option<Timestamp>,
    /// When it expires, if ever.
    pub expires: Option<Timestamp>,
    /// When it was revoked, if it was.
    pub revoked: Option<Timestamp>,
    /// When a server last accepted it, as of the server's last usage save.
    pub last_used: Option<Timestamp>,
}

pub(super) fn sha256(key: &str) -> [u8; 32] {
    let digest = Sha256::digest(key.as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(&digest);
    out
}

fn key_id(digest: &[u8; 32]) -> String {
    let mut id = hex::encode(digest);
    id.truncate(KEY_ID_DIGITS);
    id
}

fn moment(index: usize, field: &str, raw: Option<&String>) -> Result<Option<Timestamp>, String> {
    raw.map(|raw| {
        Timestamp::parse(raw).ok_or_else(|| {
            format!("keys[{index}].{field} must be YYYY-MM-DDTHH:MM:SSZ or YYYY-MM-DD")
        })
    })
    .transpose()
}

/// Parses and checks key-file TOML.
pub(super) fn parse_entries(text: &str) -> Result<Vec<Checked>, String> {
    let file: KeyFile = toml::from_str(text).map_err(|error| error.to_string())?;
    let mut keys = Vec::with_capacity(file.keys.len());
    for (index, entry) in file.keys.into_iter().enumerate() {
        let bytes = hex::decode(entry.sha256.trim())
            .ok()
            .filter(|bytes| bytes.len() == 32)
            .ok_or_else(|| format!("keys[{index}].sha256 is not a 64-digit hex digest"))?;
        check_client_id(&entry.tenant).map_err(|error| format!("keys[{index}].tenant: {error}"))?;
        let mut digest = [0u8; 32];
        digest.copy_from_slice(&bytes);
        let id = key_id(&digest);
        if keys.iter().any(|known: &Checked| known.id == id) {
            return Err(format!("keys[{index}] repeats key {id}"));
        }
        keys.push(Checked {
            id,
            digest,
            caller: Caller {
                tenant: TenantId::new(&entry.tenant),
                role: entry.role,
            },
            created: moment(index, "created", entry.created.as_ref())?,
            expires: moment(index, "expires", entry.expires.as_ref())?,
            revoked: moment(index, "revoked", entry.revoked.as_ref())?,
        });
    }
    Ok(keys)
}

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> KeyFileError + '_ {
    move |source| KeyFileError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn invalid(path: &Path, reason: String) -> KeyFileError {
    KeyFileError::Invalid {
        path: path.display().to_string(),
        reason,
    }
}

/// Reads and checks a key file.
pub(super) fn read_entries(path: &Path) -> Result<Vec<Checked>, KeyFileError> {
    let text = std::fs::read_to_string(path).map_err(io_error(path))?;
    parse_entries(&text).map_err(|reason| invalid(path, reason))
}

/// A new random key: `sm_` and 64 hex digits (256 bits).
pub fn generate_key() -> Result<String, KeyFileError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|error| KeyFileError::Random(error.to_string()))?;
    Ok(format!("sm_{}", hex::encode(bytes)))
}

fn entry_text(key: &Checked) -> String {
    let mut text = format!(
        "\n[[keys]]\nsha256 = \"{}\"\ntenant = \"{}\"\nrole = \"{}\"\n",
        hex::encode(key.digest),
        key.caller.tenant,
        key.caller.role.as_str()
    );
    for (field, value) in [
        ("created", key.created),
        ("expires", key.expires),
        ("revoked", key.revoked),
    ] {
        if let Some(value) = value {
            text.push_str(&format!("{field} = \"{value}\"\n"));
        }
    }
    text
}

/// Creates a key for `tenant` with `role`, appends its digest to the file
/// (creating it when absent) and returns the key, which is stored nowhere.
pub fn append_key(path: &Path, tenant: &str, role: Role) -> Result<String, KeyFileError> {
    append_key_expiring(path, tenant, role, None)
}

/// Like [`append_key`], for a key that stops working at `expires`.
pub fn append_key_expiring(
    path: &Path,
    tenant: &str,
    role: Role,
    expires: Option<Timestamp>,
) -> Result<String, KeyFileError> {
    check_client_id(tenant).map_err(|error| invalid(path, format!("tenant: {error}")))?;
    if path.exists() {
        read_entries(path)?;
    }
    let key = generate_key()?;
    let digest = sha256(&key);
    let entry = entry_text(&Checked {
        id: key_id(&digest),
        digest,
        caller: Caller {
            tenant: TenantId::new(tenant),
            role,
        },
        created: Some(Timestamp::now()),
        expires,
        revoked: None,
    });
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(io_error(path))?;
    file.write_all(entry.as_bytes()).map_err(io_error(path))?;
    file.sync_all().map_err(io_error(path))?;
    Ok(key)
}

/// Marks the key `id` revoked in the file, which is rewritten atomically (a
/// running server notices the change and refuses the key from then on).
/// Revoking a revoked key changes nothing. Comments in the file are not kept.
pub fn revoke_key(path: &Path, id: &str) -> Result<KeyInfo, KeyFileError> {
    let mut keys = read_entries(path)?;
    let key = keys
        .iter_mut()
        .find(|key| key.id == id)
        .ok_or_else(|| invalid(path, format!("no key with id {id}")))?;
    if key.revoked.is_none() {
        key.revoked = Some(Timestamp::now());
    }
    let revoked = info(key, None);
    let text: String = keys.iter().map(entry_text).collect();
    write_atomically(path, text.trim_start().as_bytes())?;
    Ok(revoked)
}

/// Every key of the file, with when a server last accepted it.
pub fn list_keys(path: &Path) -> Result<Vec<KeyInfo>, KeyFileError> {
    let keys = read_entries(path)?;
    let usage = read_usage(path);
    Ok(keys
        .iter()
        .map(|key| info(key, usage.get(&key.id).copied()))
        .collect())
}

fn info(key: &Checked, last_used: Option<Timestamp>) -> KeyInfo {
    KeyInfo {
        id: key.id.clone(),
        tenant: key.caller.tenant.to_string(),
        role: key.caller.role,
        created: key.created,
        expires: key.expires,
        revoked: key.revoked,
        last_used,
    }
}

/// The file where a server keeps when each key was last used: the key
/// file's path with `.usage` appended (JSON, id to time).
pub fn usage_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".usage");
    PathBuf::from(name)
}

/// The last-use times saved beside the key file; empty when there are none.
pub(super) fn read_usage(path: &Path) -> std::collections::HashMap<String, Timestamp> {
    std::fs::read(usage_path(path))
        .ok()
        .and_then(|bytes| {
            serde_json::from_slice::<std::collections::HashMap<String, String>>(&bytes).ok()
        })
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(id, when)| Some((id, Timestamp::parse(&when)?)))
        .collect()
}

/// Writes `bytes` to a temporary file beside `path`, syncs it and renames it
/// over `path`.
pub(super) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), KeyFileError> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    let temporary = PathBuf::from(temporary);
    let mut file = std::fs::File::create(&temporary).map_err(io_error(&temporary))?;
    file.write_all(bytes).map_err(io_error(&temporary))?;
    file.sync_all().map_err(io_error(&temporary))?;
    std::fs::rename(&temporary, path).map_err(io_error(path))?;
    if let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        if let Ok(folder) = std::fs::File::open(parent) {
            // Best effort: not every platform can sync a folder.
            let _ = folder.sync_all();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::KeyRing;
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
            parse_entries("[[keys]]\nsha256 = \"zz\"\ntenant = \"a\"\nrole = \"read\"").is_err()
        );
        let digest = "00".repeat(32);
        let entry = |extra: &str| {
            format!("[[keys]]\nsha256 = \"{digest}\"\ntenant = \"a\"\nrole = \"read\"\n{extra}")
        };
        assert!(parse_entries(&entry("")).is_ok());
        assert!(
            parse_entries(&format!(
                "[[keys]]\nsha256 = \"{digest}\"\ntenant = \"a b\"\nrole = \"read\""
            ))
            .is_err()
        );
        assert!(
            parse_entries(&format!(
                "[[keys]]\nsha256 = \"{digest}\"\ntenant = \"a\"\nrole = \"root\""
            ))
            .is_err()
        );
        assert!(parse_entries(&entry("expires = \"soon\"")).is_err());
        assert!(parse_entries(&entry("revoked = \"2026-01-01T00:00:00Z\"")).is_ok());
        assert!(parse_entries(&format!("{}\n{}", entry(""), entry(""))).is_err());
    }

    #[test]
    fn listing_shows_ids_and_dates_and_revoking_keeps_the_entry() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.toml");
        let key = append_key(&path, "acme", Role::Write).unwrap();
        let expires = Timestamp::parse("2099-01-01").unwrap();
        append_key_expiring(&path, "acme", Role::Read, Some(expires)).unwrap();
        let listed = list_keys(&path).unwrap();
        assert_eq!(listed.len(), 2);
        let first = &listed[0];
        assert_eq!(first.id, hex::encode(sha256(&key))[..KEY_ID_DIGITS]);
        assert!(first.created.is_some());
        assert_eq!(listed[1].expires, Some(expires));
        assert!(listed.iter().all(|info| info.revoked.is_none()));

        let revoked = revoke_key(&path, &first.id).unwrap();
        assert!(revoked.revoked.is_some());
        let listed = list_keys(&path).unwrap();
        assert_eq!(listed.len(), 2, "a revoked key stays listed");
        assert!(listed[0].revoked.is_some());
        assert_eq!(listed[1].expires, Some(expires), "other entries are kept");
        assert!(KeyRing::read(&path).unwrap().caller(&key).is_none());
        assert!(revoke_key(&path, "000000000000").is_err());
    }
}
