//! Record keys: crypto-shredding.
//!
//! Every stored candidate and job version is sealed (XChaCha20-Poly1305)
//! with a random 32-byte key of its own, kept in one slot of the key file
//! beside the database (`<store>.keys`): a 32-byte header, then slot `n` at
//! byte `32 + 32 n`. The sealed value carries its slot number. Erasing a
//! record overwrites its slot with zeros in place and syncs the file: the
//! ciphertext, wherever redb left copies of it (freed pages, old versions),
//! can no longer be opened. That costs one 32-byte write and one
//! `fdatasync`, whatever the size of the store.
//!
//! Slots are written and synced before the commit that refers to them, and
//! zeroed after the commit that stops referring to them. A crash in between
//! leaves an orphan slot, which [`KeyFile::open`] zeroes: at open, every
//! slot no stored record refers to is zeroed and free.
//!
//! Zeroing in place relies on the file system overwriting the block where
//! it lies (ext4, xfs); a copy-on-write file system (btrfs, zfs) or a
//! snapshotting volume keeps the old block, and erasure then needs those
//! snapshots handled too.

use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::io::Read as _;
use std::os::unix::fs::FileExt as _;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use super::StoreError;
use super::slots::SlotsInUse;

/// Bytes of a key, and of a slot.
pub(super) const KEY_BYTES: usize = 32;
/// The header of the key file: magic, then zeros.
const MAGIC: &[u8; 16] = b"SKILLMATCH-KEYS1";
const HEADER: u64 = 32;
/// Format byte a sealed value starts with.
const SEALED_FORMAT: u8 = 1;
const NONCE_BYTES: usize = 24;
/// Bytes before the ciphertext of a sealed value: format, slot, nonce.
const SEALED_HEAD: usize = 1 + 8 + NONCE_BYTES;

/// The key file of a store file.
pub(super) fn key_file_path(store: &Path) -> PathBuf {
    store.with_extension("keys")
}

fn file_error(path: &Path) -> impl Fn(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::File {
        path: path.display().to_string(),
        source,
    }
}

fn random<const N: usize>() -> Result<[u8; N], StoreError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|error| StoreError::File {
        path: "the operating system's random source".to_owned(),
        source: std::io::Error::other(error.to_string()),
    })?;
    Ok(bytes)
}

/// The slot file; one writer at a time, readers any time.
#[derive(Debug)]
pub(super) struct KeyFile {
    path: PathBuf,
    /// Reads slots (`pread`), without the lock.
    reader: File,
    state: Mutex<Slots>,
}

#[derive(Debug)]
struct Slots {
    file: File,
    /// Slots in the file.
    len: u64,
    /// Zeroed slots no record refers to.
    free: BTreeSet<u64>,
}

fn offset(slot: u64) -> u64 {
    HEADER + slot * KEY_BYTES as u64
}

impl KeyFile {
    /// Opens (or creates) the key file; `referenced` tells whether a slot
    /// is one a stored record refers to. Every other slot is zeroed (an
    /// orphan of a crash) and made free. Returns the file and the number of
    /// orphans it zeroed.
    pub(super) fn open(path: &Path, referenced: &SlotsInUse) -> Result<(Self, usize), StoreError> {
        let error = file_error(path);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(&error)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(&error)?;
        if bytes.is_empty() {
            let mut header = [0u8; HEADER as usize];
            header[..MAGIC.len()].copy_from_slice(MAGIC);
            file.write_all_at(&header, 0).map_err(&error)?;
            file.sync_all().map_err(&error)?;
            super::erasure::sync_directory(path)?;
            bytes = header.to_vec();
        }
        if bytes.len() < HEADER as usize || &bytes[..MAGIC.len()] != MAGIC {
            return Err(StoreError::Corrupt {
                key: path.display().to_string(),
                reason: "not a skillmatch key file".to_owned(),
            });
        }
        // A torn extension (a crash while the file grew) leaves a partial
        // slot at the end: no record can refer to it, so it is dropped.
        let len = (bytes.len() as u64 - HEADER) / KEY_BYTES as u64;
        if bytes.len() as u64 != offset(len) {
            file.set_len(offset(len)).map_err(&error)?;
        }
        let mut free = BTreeSet::new();
        let mut orphans = 0;
        let zero = [0u8; KEY_BYTES];
        // The slots in use are in increasing order, each once, so each one
        // below `len` comes up exactly when the walk reaches it.
        let mut referenced = referenced.as_slice().iter().peekable();
        for slot in 0..len {
            if referenced.next_if_eq(&&slot).is_some() {
                continue;
            }
            let start = offset(slot) as usize;
            if bytes[start..start + KEY_BYTES] != zero {
                file.write_all_at(&zero, offset(slot)).map_err(&error)?;
                orphans += 1;
            }
            free.insert(slot);
        }
        if orphans > 0 {
            file.sync_data().map_err(&error)?;
        }
        let reader = File::open(path).map_err(&error)?;
        Ok((
            Self {
                path: path.to_owned(),
                reader,
                state: Mutex::new(Slots { file, len, free }),
            },
            orphans,
        ))
    }

    fn lock(&self) -> MutexGuard<'_, Slots> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes `count` free slots (growing the file when none is left), puts
    /// a fresh random key in each and syncs the file: call it before the
    /// commit that stores records sealed with them.
    pub(super) fn allocate(&self, count: usize) -> Result<Vec<(u64, [u8; KEY_BYTES])>, StoreError> {
        let error = file_error(&self.path);
        let mut slots = self.lock();
        let mut taken = Vec::with_capacity(count);
        for _ in 0..count {
            let slot = match slots.free.pop_first() {
                Some(slot) => slot,
                None => {
                    slots.len += 1;
                    slots.len - 1
                }
            };
            let key = random::<KEY_BYTES>()?;
            if let Err(failure) = slots.file.write_all_at(&key, offset(slot)) {
                slots.free.insert(slot);
                let slots_taken: Vec<u64> = taken.iter().map(|(slot, _)| *slot).collect();
                drop(slots);
                let _ = self.erase(&slots_taken);
                return Err(error(failure));
            }
            taken.push((slot, key));
        }
        if count > 0 {
            slots.file.sync_data().map_err(&error)?;
        }
        Ok(taken)
    }

    /// Overwrites `erased` slots with zeros, syncs the file and frees them:
    /// whatever was sealed with their keys can no longer be opened.
    pub(super) fn erase(&self, erased: &[u64]) -> Result<(), StoreError> {
        if erased.is_empty() {
            return Ok(());
        }
        fail::fail_point!("store-key-erase", |_| Err(file_error(&self.path)(
            std::io::Error::other("failpoint")
        )));
        let error = file_error(&self.path);
        let mut slots = self.lock();
        let zero = [0u8; KEY_BYTES];
        for slot in erased {
            if *slot < slots.len {
                slots
                    .file
                    .write_all_at(&zero, offset(*slot))
                    .map_err(&error)?;
            }
        }
        slots.file.sync_data().map_err(&error)?;
        for slot in erased {
            if *slot < slots.len {
                slots.free.insert(*slot);
            }
        }
        Ok(())
    }

    /// The key in `slot`; `None` when it was erased or never written.
    pub(super) fn key(&self, slot: u64) -> Result<Option<[u8; KEY_BYTES]>, StoreError> {
        let mut key = [0u8; KEY_BYTES];
        match self.reader.read_exact_at(&mut key, offset(slot)) {
            Ok(()) => Ok((key != [0u8; KEY_BYTES]).then_some(key)),
            Err(error) if error.kind() == std::io::ErrorKind::UnexpectedEof => Ok(None),
            Err(error) => Err(file_error(&self.path)(error)),
        }
    }

    /// Runs `copy` while no slot is allocated or erased, handing it the
    /// file's bytes as they are: a backup takes its read transaction in
    /// there, so the keys it copies are exactly those its records need.
    pub(super) fn frozen<T>(
        &self,
        copy: impl FnOnce(Vec<u8>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let slots = self.lock();
        let bytes = read_all(&slots.file, offset(slots.len)).map_err(file_error(&self.path))?;
        copy(bytes)
    }

    /// Slots in the file and how many of them are free.
    #[cfg(test)]
    pub(super) fn counts(&self) -> (u64, usize) {
        let slots = self.lock();
        (slots.len, slots.free.len())
    }
}

fn read_all(file: &File, len: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = vec![0u8; usize::try_from(len).map_err(std::io::Error::other)?];
    file.read_exact_at(&mut bytes, 0)?;
    Ok(bytes)
}

/// The slot a sealed value was sealed with, when it is one.
pub(super) fn sealed_slot(value: &[u8]) -> Option<u64> {
    if value.len() < SEALED_HEAD || value[0] != SEALED_FORMAT {
        return None;
    }
    let slot: [u8; 8] = value[1..9].try_into().ok()?;
    Some(u64::from_le_bytes(slot))
}

/// Seals `plaintext` with `key` of `slot`, bound to `context` (the row it
/// is stored under): format byte, slot, nonce, ciphertext.
pub(super) fn seal(
    slot: u64,
    key: &[u8; KEY_BYTES],
    context: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, StoreError> {
    let nonce = random::<NONCE_BYTES>()?;
    let cipher = XChaCha20Poly1305::new(key.into());
    let sealed = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad: context,
            },
        )
        .map_err(|_| StoreError::Corrupt {
            key: format!("slot {slot}"),
            reason: "sealing failed".to_owned(),
        })?;
    let mut value = Vec::with_capacity(SEALED_HEAD + sealed.len());
    value.push(SEALED_FORMAT);
    value.extend_from_slice(&slot.to_le_bytes());
    value.extend_from_slice(&nonce);
    value.extend_from_slice(&sealed);
    Ok(value)
}

/// Why a sealed value could not be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Unsealed {
    /// The plaintext.
    Open(Vec<u8>),
    /// Its key was erased: the record is gone.
    Erased,
    /// Not a sealed value, or it fails authentication.
    Corrupt(&'static str),
}

impl KeyFile {
    /// Opens a sealed value stored under `context`.
    pub(super) fn open_sealed(&self, context: &[u8], value: &[u8]) -> Result<Unsealed, StoreError> {
        let Some(slot) = sealed_slot(value) else {
            return Ok(Unsealed::Corrupt("not a sealed record"));
        };
        let Some(key) = self.key(slot)? else {
            return Ok(Unsealed::Erased);
        };
        let cipher = XChaCha20Poly1305::new((&key).into());
        let nonce = &value[9..SEALED_HEAD];
        Ok(
            match cipher.decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: &value[SEALED_HEAD..],
                    aad: context,
                },
            ) {
                Ok(plaintext) => Unsealed::Open(plaintext),
                Err(_) => Unsealed::Corrupt("the sealed record fails authentication"),
            },
        )
    }
}

/// The secret the record keys of a store are hashed with (kept in its meta
/// table), and the hash: what a record's row is keyed by instead of its id.
pub(super) fn record_hash(secret: &[u8; 32], tenant: &str, id: &str) -> [u8; 32] {
    let mut hasher = blake3::Hasher::new_keyed(secret);
    hasher.update(&(tenant.len() as u64).to_le_bytes());
    hasher.update(tenant.as_bytes());
    hasher.update(id.as_bytes());
    *hasher.finalize().as_bytes()
}

/// A fresh random secret.
pub(super) fn fresh_secret() -> Result<[u8; 32], StoreError> {
    random::<32>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_erased_slot_no_longer_opens_what_it_sealed_and_is_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.keys");
        let (keys, orphans) = KeyFile::open(&path, &SlotsInUse::default()).unwrap();
        assert_eq!(orphans, 0);
        let taken = keys.allocate(2).unwrap();
        let (slot, key) = taken[0];
        let sealed = seal(slot, &key, b"row", b"secret words").unwrap();
        assert!(!sealed.windows(6).any(|w| w == b"secret"));
        assert_eq!(
            keys.open_sealed(b"row", &sealed).unwrap(),
            Unsealed::Open(b"secret words".to_vec())
        );
        assert!(matches!(
            keys.open_sealed(b"other row", &sealed).unwrap(),
            Unsealed::Corrupt(_)
        ));
        keys.erase(&[slot]).unwrap();
        assert_eq!(keys.open_sealed(b"row", &sealed).unwrap(), Unsealed::Erased);
        let bytes = std::fs::read(&path).unwrap();
        assert!(!bytes.windows(KEY_BYTES).any(|w| w == key));
        assert_eq!(keys.counts(), (2, 1));
        assert_eq!(
            keys.allocate(1).unwrap()[0].0,
            slot,
            "a free slot is reused"
        );
        assert_eq!(keys.counts(), (2, 0));
        drop(keys);

        // At open, a slot no record refers to is an orphan: zeroed, free.
        let referenced = SlotsInUse::from(BTreeSet::from([taken[1].0]));
        let (keys, orphans) = KeyFile::open(&path, &referenced).unwrap();
        assert_eq!(orphans, 1);
        assert_eq!(keys.counts(), (2, 1));
        assert_eq!(keys.key(slot).unwrap(), None);
        assert_eq!(keys.key(taken[1].0).unwrap(), Some(taken[1].1));
    }
}
