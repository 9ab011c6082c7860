//! The keys a server accepts, re-read when the key file changes: a key added
//! works and a key revoked (or removed) stops working within
//! [`RECHECK`] of the change, without a restart. A file that no longer
//! parses is logged and the keys read before stay in force.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant, SystemTime};

use subtle::ConstantTimeEq;

use super::Caller;
use super::keys::{
    Checked, KeyFileError, parse_entries, read_entries, read_usage, sha256, usage_path,
    write_atomically,
};
use super::stamp::Timestamp;

/// How often, at most, the key file's modification time is checked.
pub const RECHECK: Duration = Duration::from_millis(200);

/// A key and when it was last accepted (Unix seconds; 0 for never).
struct Known {
    key: Checked,
    last_used: Arc<AtomicU64>,
}

struct Source {
    path: PathBuf,
    /// Modification time and length at the last read, and when they were
    /// last checked.
    state: Mutex<(Option<(SystemTime, u64)>, Instant)>,
}

struct Shared {
    keys: RwLock<Arc<Vec<Known>>>,
    source: Option<Source>,
}

/// The keys a server accepts.
#[derive(Clone)]
pub struct KeyRing {
    shared: Arc<Shared>,
}

impl Default for KeyRing {
    fn default() -> Self {
        Self::from_checked(Vec::new(), None)
    }
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing")
            .field("keys", &self.len())
            .finish()
    }
}

fn file_stamp(path: &Path) -> Option<(SystemTime, u64)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

impl KeyRing {
    fn from_checked(keys: Vec<Checked>, source: Option<Source>) -> Self {
        let keys = keys
            .into_iter()
            .map(|key| Known {
                key,
                last_used: Arc::new(AtomicU64::new(0)),
            })
            .collect();
        Self {
            shared: Arc::new(Shared {
                keys: RwLock::new(Arc::new(keys)),
                source,
            }),
        }
    }

    /// Reads and checks a key file, and follows its changes from then on.
    pub fn read(path: &Path) -> Result<Self, KeyFileError> {
        let stamp = file_stamp(path);
        let keys = read_entries(path)?;
        let ring = Self::from_checked(
            keys,
            Some(Source {
                path: path.to_owned(),
                state: Mutex::new((stamp, Instant::now())),
            }),
        );
        // Carry over the last-use times a previous run saved.
        let usage = read_usage(path);
        for known in ring.current().iter() {
            if let Some(when) = usage.get(&known.key.id) {
                known.last_used.store(when.unix(), Ordering::Relaxed);
            }
        }
        Ok(ring)
    }

    /// Parses key-file TOML (a ring that follows no file).
    pub fn parse(text: &str) -> Result<Self, String> {
        Ok(Self::from_checked(parse_entries(text)?, None))
    }

    fn current(&self) -> Arc<Vec<Known>> {
        self.shared
            .keys
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Number of keys, revoked and expired ones included.
    pub fn len(&self) -> usize {
        self.current().len()
    }

    /// Whether there are no keys.
    pub fn is_empty(&self) -> bool {
        self.current().is_empty()
    }

    /// Re-reads the file when its modification time or length changed,
    /// checking at most every [`RECHECK`]. A stat on the caller's thread;
    /// the file is read only when it changed.
    fn refresh(&self) {
        let Some(source) = &self.shared.source else {
            return;
        };
        // Another call is checking: use the keys as they are.
        let Ok(mut state) = source.state.try_lock() else {
            return;
        };
        if state.1.elapsed() < RECHECK {
            return;
        }
        state.1 = Instant::now();
        let stamp = file_stamp(&source.path);
        if stamp == state.0 {
            return;
        }
        state.0 = stamp;
        match read_entries(&source.path) {
            Ok(keys) => {
                let old = self.current();
                let kept: HashMap<&str, &Arc<AtomicU64>> = old
                    .iter()
                    .map(|known| (known.key.id.as_str(), &known.last_used))
                    .collect();
                let keys: Vec<Known> = keys
                    .into_iter()
                    .map(|key| {
                        let last_used = kept
                            .get(key.id.as_str())
                            .map_or_else(|| Arc::new(AtomicU64::new(0)), |used| (*used).clone());
                        Known { key, last_used }
                    })
                    .collect();
                tracing::info!(
                    keys = keys.len(),
                    file = %source.path.display(),
                    "API keys reloaded"
                );
                *self
                    .shared
                    .keys
                    .write()
                    .unwrap_or_else(PoisonError::into_inner) = Arc::new(keys);
            }
            Err(error) => tracing::error!(
                %error,
                "API-key file not reloaded; the keys read before stay in force"
            ),
        }
    }

    /// The caller a key stands for, unless it is unknown, revoked or
    /// expired. Every stored digest is compared in constant time, so timing
    /// reveals neither which digest nor how much of it matched.
    pub fn caller(&self, key: &str) -> Option<Caller> {
        self.refresh();
        let digest = sha256(key);
        let keys = self.current();
        let mut found = None;
        for known in keys.iter() {
            if bool::from(known.key.digest.ct_eq(&digest)) {
                found = Some(known);
            }
        }
        let known = found?;
        let now = Timestamp::now();
        if !known.key.usable(now) {
            tracing::info!(key = %known.key.id, "refused a revoked or expired API key");
            return None;
        }
        known.last_used.store(now.unix(), Ordering::Relaxed);
        Some(known.key.caller.clone())
    }

    /// Writes when each key was last accepted beside the key file (see
    /// `keys::usage_path`), for `keys list`. Blocking file I/O; nothing to do
    /// for a ring that follows no file.
    pub fn save_usage(&self) -> Result<(), KeyFileError> {
        let Some(source) = &self.shared.source else {
            return Ok(());
        };
        let mut usage: HashMap<String, String> = read_usage(&source.path)
            .into_iter()
            .map(|(id, when)| (id, when.to_string()))
            .collect();
        for known in self.current().iter() {
            let used = known.last_used.load(Ordering::Relaxed);
            if used > 0 {
                usage.insert(known.key.id.clone(), Timestamp::from_unix(used).to_string());
            }
        }
        let bytes = serde_json::to_vec_pretty(&usage).map_err(|error| KeyFileError::Invalid {
            path: usage_path(&source.path).display().to_string(),
            reason: error.to_string(),
        })?;
        write_atomically(&usage_path(&source.path), &bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::super::Role;
    use super::super::keys::{append_key, append_key_expiring, list_keys, revoke_key};
    use super::*;

    #[test]
    fn revoked_and_added_keys_take_effect_without_a_new_ring() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.toml");
        let kept = append_key(&path, "acme", Role::Read).unwrap();
        let revoked = append_key(&path, "acme", Role::Write).unwrap();
        let ring = KeyRing::read(&path).unwrap();
        assert!(ring.caller(&revoked).is_some());

        let id = hex::encode(sha256(&revoked))[..super::super::keys::KEY_ID_DIGITS].to_owned();
        revoke_key(&path, &id).unwrap();
        let added = append_key(&path, "globex", Role::Read).unwrap();
        std::thread::sleep(RECHECK + Duration::from_millis(50));
        assert!(
            ring.caller(&revoked).is_none(),
            "revocation applies without a restart"
        );
        assert!(ring.caller(&kept).is_some());
        assert_eq!(ring.caller(&added).unwrap().tenant().as_str(), "globex");

        // A broken file keeps the keys in force.
        std::fs::write(&path, "[[keys]]\nsha256 = 1").unwrap();
        std::thread::sleep(RECHECK + Duration::from_millis(50));
        assert!(ring.caller(&kept).is_some());
    }

    #[test]
    fn expired_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.toml");
        let past = Timestamp::parse("2001-01-01").unwrap();
        let future = Timestamp::parse("2999-01-01").unwrap();
        let old = append_key_expiring(&path, "acme", Role::Read, Some(past)).unwrap();
        let current = append_key_expiring(&path, "acme", Role::Read, Some(future)).unwrap();
        let ring = KeyRing::read(&path).unwrap();
        assert!(ring.caller(&old).is_none());
        assert!(ring.caller(&current).is_some());
    }

    #[test]
    fn last_use_is_saved_for_the_listing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.toml");
        let used = append_key(&path, "acme", Role::Read).unwrap();
        append_key(&path, "acme", Role::Read).unwrap();
        let ring = KeyRing::read(&path).unwrap();
        ring.caller(&used).unwrap();
        ring.save_usage().unwrap();
        let listed = list_keys(&path).unwrap();
        assert!(listed[0].last_used.is_some());
        assert!(listed[1].last_used.is_none());
        // A new ring (a restart) keeps the times.
        let again = KeyRing::read(&path).unwrap();
        again.save_usage().unwrap();
        assert!(list_keys(&path).unwrap()[0].last_used.is_some());
    }
}
