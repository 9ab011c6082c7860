//! The posting-list index on disk, so a restart loads it instead of
//! rebuilding it from every stored record. The file holds a stamp (what the
//! index reflects, chosen by the caller), the taxonomy size, the interned
//! URIs and credential ids and, per tenant, the ids, keys and held
//! credentials (one section) and the posting
//! lists (one section per block), all little-endian, each section prefixed
//! with its length so a reader decodes them in parallel; then a BLAKE3 hash
//! of everything before it. It is written to a temporary file, synced and
//! renamed over the old one, so a reader sees a whole snapshot or none.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::ordinals::Ordinals;
use super::plan::CompetencyKey;
use super::postings::{BLOCK, Block, POSTING_BYTES, Posting};
use super::state::{CredentialCode, State};
use super::tenant::TenantPostings;
use crate::domain::{CredentialId, RecordId};

const MAGIC: &[u8; 8] = b"SMCANDIX";
const FORMAT: u32 = 3;
const HASH_BYTES: usize = 32;

/// Why a snapshot could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// The file system failed.
    #[error("candidate index snapshot {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// The file is not a whole, well-formed snapshot.
    #[error("candidate index snapshot {path} is corrupt: {reason}")]
    Corrupt {
        /// The file.
        path: String,
        /// What is wrong.
        reason: &'static str,
    },
}

/// The temporary file a snapshot is written to before it is renamed.
pub fn temporary_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(".tmp");
    path.with_file_name(name)
}

/// Writes into a file and the running hash at once.
struct Hashed<W: Write> {
    out: W,
    hasher: blake3::Hasher,
}

impl<W: Write> Hashed<W> {
    fn bytes(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.hasher.update(bytes);
        self.out.write_all(bytes)
    }

    fn u32(&mut self, value: usize) -> std::io::Result<()> {
        let value = u32::try_from(value).map_err(std::io::Error::other)?;
        self.bytes(&value.to_le_bytes())
    }

    fn text(&mut self, text: &str) -> std::io::Result<()> {
        self.u32(text.len())?;
        self.bytes(text.as_bytes())
    }
}

fn u32_bytes(value: usize, out: &mut Vec<u8>) -> std::io::Result<()> {
    let value = u32::try_from(value).map_err(std::io::Error::other)?;
    out.extend_from_slice(&value.to_le_bytes());
    Ok(())
}

/// The ids section: per ordinal, the id (empty when free), its keys and
/// the codes of the credentials it holds.
fn ids_section(tenant: &TenantPostings) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    for ((id, keys), held) in tenant.ids.iter().zip(&tenant.keys).zip(&tenant.held) {
        let id = id.as_ref().map_or("", RecordId::as_str);
        u32_bytes(id.len(), &mut out)?;
        out.extend_from_slice(id.as_bytes());
        for numbers in [keys, held] {
            u32_bytes(numbers.len(), &mut out)?;
            for number in numbers.iter() {
                out.extend_from_slice(&number.to_le_bytes());
            }
        }
    }
    Ok(out)
}

/// One block: its lists, each a key, a length and the postings.
fn block_section(block: &Block, out: &mut Vec<u8>) -> std::io::Result<()> {
    out.clear();
    u32_bytes(block.lists.len(), out)?;
    for (key, list) in &block.lists {
        out.extend_from_slice(&key.to_le_bytes());
        u32_bytes(list.len(), out)?;
        for posting in list {
            posting.encode(out);
        }
    }
    Ok(())
}

/// Sections are prefixed with their byte length, so a reader can split the
/// file first and decode the sections in parallel.
fn write_tenant<W: Write>(out: &mut Hashed<W>, tenant: &TenantPostings) -> std::io::Result<()> {
    out.u32(tenant.ids.len())?;
    let ids = ids_section(tenant)?;
    out.bytes(&(ids.len() as u64).to_le_bytes())?;
    out.bytes(&ids)?;
    drop(ids);
    out.u32(tenant.blocks.len())?;
    let mut buffer = Vec::new();
    for block in &tenant.blocks {
        block_section(block, &mut buffer)?;
        out.bytes(&(buffer.len() as u64).to_le_bytes())?;
        out.bytes(&buffer)?;
    }
    Ok(())
}

fn write_state<W: Write>(
    out: &mut Hashed<W>,
    stamp: &[u8],
    taxonomy_len: u32,
    state: &State,
) -> std::io::Result<()> {
    out.bytes(MAGIC)?;
    out.bytes(&FORMAT.to_le_bytes())?;
    out.u32(stamp.len())?;
    out.bytes(stamp)?;
    out.bytes(&taxonomy_len.to_le_bytes())?;
    out.u32(state.unknown_uris.len())?;
    for (uri, key) in &state.unknown_uris {
        out.text(uri)?;
        out.bytes(&key.to_le_bytes())?;
    }
    out.u32(state.credentials.len())?;
    for (id, code) in &state.credentials {
        out.text(id.as_str())?;
        out.bytes(&code.to_le_bytes())?;
    }
    out.u32(state.tenants.len())?;
    for (name, tenant) in &state.tenants {
        out.text(name)?;
        write_tenant(out, tenant)?;
    }
    Ok(())
}

fn sync_parent(path: &Path) -> std::io::Result<()> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => File::open(dir)?.sync_all(),
        _ => Ok(()),
    }
}

/// A snapshot written to its temporary file but not yet synced or renamed:
/// the index it was taken from need not stay locked meanwhile.
pub struct Unsynced {
    file: File,
    path: PathBuf,
}

/// Writes `state` into the temporary file of `path`; finish with
/// [`finish`], which makes it durable and renames it into place.
pub fn write_unsynced(
    path: &Path,
    stamp: &[u8],
    taxonomy_len: u32,
    state: &State,
) -> Result<Unsynced, SnapshotError> {
    let temporary = temporary_path(path);
    let io = |source| SnapshotError::Io {
        path: path.display().to_string(),
        source,
    };
    let file = File::create(&temporary).map_err(io)?;
    let mut out = Hashed {
        out: BufWriter::with_capacity(1 << 20, file),
        hasher: blake3::Hasher::new(),
    };
    write_state(&mut out, stamp, taxonomy_len, state).map_err(io)?;
    let hash = out.hasher.finalize();
    out.out.write_all(hash.as_bytes()).map_err(io)?;
    let file = out.out.into_inner().map_err(|e| io(e.into_error()))?;
    Ok(Unsynced {
        file,
        path: path.to_owned(),
    })
}

/// Syncs a snapshot's temporary file, renames it over the snapshot and
/// syncs the directory.
pub fn finish(unsynced: Unsynced) -> Result<(), SnapshotError> {
    let Unsynced { file, path } = unsynced;
    let io = |source| SnapshotError::Io {
        path: path.display().to_string(),
        source,
    };
    file.sync_all().map_err(io)?;
    drop(file);
    fail::fail_point!("candidate-snapshot-rename", |_| Err(io(
        std::io::Error::other("failpoint")
    )));
    std::fs::rename(temporary_path(&path), &path).map_err(io)?;
    sync_parent(&path).map_err(io)
}

/// The stamp a snapshot file carries, read from its header alone (the
/// rest is checked when it is loaded); `None` when the file is missing or
/// not a snapshot of this format.
pub fn read_stamp(path: &Path) -> Result<Option<Vec<u8>>, SnapshotError> {
    use std::io::Read;
    let io = |source| SnapshotError::Io {
        path: path.display().to_string(),
        source,
    };
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(io(source)),
    };
    let mut header = [0u8; MAGIC.len() + 8];
    if file.read_exact(&mut header).is_err()
        || &header[..MAGIC.len()] != MAGIC
        || header[MAGIC.len()..MAGIC.len() + 4] != FORMAT.to_le_bytes()
    {
        return Ok(None);
    }
    let mut len = [0u8; 4];
    len.copy_from_slice(&header[MAGIC.len() + 4..]);
    let len = u32::from_le_bytes(len) as usize;
    // A stamp is a few dozen bytes; anything longer is not one of ours.
    if len > 1024 {
        return Ok(None);
    }
    let mut stamp = vec![0u8; len];
    if file.read_exact(&mut stamp).is_err() {
        return Ok(None);
    }
    Ok(Some(stamp))
}

/// Reads the parts of a snapshot in order.
struct Reader<'a> {
    bytes: &'a [u8],
}

type Parsed<T> = Result<T, &'static str>;

impl<'a> Reader<'a> {
    fn take(&mut self, len: usize) -> Parsed<&'a [u8]> {
        if self.bytes.len() < len {
            return Err("ends early");
        }
        let (head, rest) = self.bytes.split_at(len);
        self.bytes = rest;
        Ok(head)
    }

    fn u32(&mut self) -> Parsed<u32> {
        let bytes = self.take(4)?;
        Ok(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    fn u64(&mut self) -> Parsed<u64> {
        let bytes = self.take(8)?;
        let mut buffer = [0u8; 8];
        buffer.copy_from_slice(bytes);
        Ok(u64::from_le_bytes(buffer))
    }

    fn len(&mut self) -> Parsed<usize> {
        Ok(self.u32()? as usize)
    }

    fn text(&mut self) -> Parsed<&'a str> {
        let len = self.len()?;
        std::str::from_utf8(self.take(len)?).map_err(|_| "text is not UTF-8")
    }
}

fn read_block(bytes: &[u8]) -> Parsed<Block> {
    let mut reader = Reader { bytes };
    let lists = reader.len()?;
    let mut block = Block::default();
    block.lists.reserve(lists);
    for _ in 0..lists {
        let key = reader.u32()?;
        let len = reader.len()?;
        let bytes = reader.take(len.checked_mul(POSTING_BYTES).ok_or("list too long")?)?;
        let list = bytes
            .chunks_exact(POSTING_BYTES)
            .map(|chunk| {
                let chunk: &[u8; POSTING_BYTES] = chunk.try_into().map_err(|_| "short posting")?;
                Posting::decode(chunk).ok_or("bad posting")
            })
            .collect::<Parsed<Vec<Posting>>>()?;
        if list.is_empty() || block.lists.insert(key, list).is_some() {
            return Err("empty or repeated list");
        }
    }
    if !reader.bytes.is_empty() {
        return Err("trailing bytes in a block");
    }
    block.refresh_bounds();
    Ok(block)
}

/// Ids, keys, held credentials, free ordinals and which ordinals are live,
/// from the ids section.
struct Ids {
    ids: Vec<Option<RecordId>>,
    keys: Vec<Box<[CompetencyKey]>>,
    held: Vec<Box<[CredentialCode]>>,
    by_id: Ordinals,
    free: Vec<u32>,
}

impl Reader<'_> {
    /// A length-prefixed run of little-endian `u32`s.
    fn numbers(&mut self) -> Parsed<Box<[u32]>> {
        let count = self.len()?;
        let bytes = self.take(count.checked_mul(4).ok_or("too many numbers")?)?;
        Ok(bytes
            .chunks_exact(4)
            .map(|k| u32::from_le_bytes([k[0], k[1], k[2], k[3]]))
            .collect())
    }
}

/// The ids section of `ordinals` ordinals; every held code is below `codes`.
fn read_ids(bytes: &[u8], ordinals: usize, codes: usize) -> Parsed<Ids> {
    let mut reader = Reader { bytes };
    let mut ids = Vec::with_capacity(ordinals);
    let mut all_keys = Vec::with_capacity(ordinals);
    let mut all_held = Vec::with_capacity(ordinals);
    let mut free = Vec::new();
    for ordinal in 0..ordinals {
        let raw = reader.text()?;
        all_keys.push(reader.numbers()?);
        let held = reader.numbers()?;
        if held.iter().any(|code| *code as usize >= codes) {
            return Err("held credential without an id");
        }
        all_held.push(held);
        let ordinal = u32::try_from(ordinal).map_err(|_| "too many ordinals")?;
        if raw.is_empty() {
            ids.push(None);
            free.push(ordinal);
        } else {
            ids.push(Some(RecordId::parse(raw).map_err(|_| "bad id")?));
        }
    }
    if !reader.bytes.is_empty() {
        return Err("trailing bytes in the ids");
    }
    let mut by_id = Ordinals::with_capacity(ordinals - free.len());
    for (ordinal, id) in (0u32..).zip(&ids) {
        if id.is_some() && !by_id.insert(&ids, ordinal) {
            return Err("repeated id");
        }
    }
    // The lowest free ordinal is reused first.
    free.reverse();
    Ok(Ids {
        ids,
        keys: all_keys,
        held: all_held,
        by_id,
        free,
    })
}

/// Whether every posting of every block belongs to a live ordinal.
fn postings_are_live(blocks: &[Block], ids: &[Option<RecordId>]) -> bool {
    blocks.par_iter().enumerate().all(|(b, block)| {
        block.lists.values().flatten().all(|posting| {
            ids.get(b * BLOCK + usize::from(posting.local))
                .is_some_and(Option::is_some)
        })
    })
}

fn read_tenant(reader: &mut Reader<'_>, codes: usize) -> Parsed<TenantPostings> {
    let ordinals = reader.len()?;
    let ids_len = usize::try_from(reader.u64()?).map_err(|_| "ids too long")?;
    let ids_bytes = reader.take(ids_len)?;
    let blocks = reader.len()?;
    if blocks != ordinals.div_ceil(BLOCK) {
        return Err("block count does not match the ordinals");
    }
    let mut sections = Vec::with_capacity(blocks);
    for _ in 0..blocks {
        let len = usize::try_from(reader.u64()?).map_err(|_| "block too long")?;
        sections.push(reader.take(len)?);
    }
    let (ids, blocks) = rayon::join(
        || read_ids(ids_bytes, ordinals, codes),
        || {
            sections
                .par_iter()
                .map(|bytes| read_block(bytes))
                .collect::<Parsed<Vec<Block>>>()
        },
    );
    let Ids {
        ids,
        keys,
        held,
        by_id,
        free,
    } = ids?;
    let blocks = blocks?;
    if !postings_are_live(&blocks, &ids) {
        return Err("posting of a free ordinal");
    }
    let mut tenant = TenantPostings {
        ids,
        keys,
        held,
        holders: HashMap::new(),
        by_id,
        free,
        blocks,
    };
    tenant.index_holders();
    Ok(tenant)
}

/// The interned credential ids: each code from 0 to their number, once.
fn read_credentials(reader: &mut Reader<'_>) -> Parsed<HashMap<CredentialId, CredentialCode>> {
    let count = reader.len()?;
    let mut seen = vec![false; count];
    let mut credentials = HashMap::with_capacity(count);
    for _ in 0..count {
        let id = CredentialId::parse(reader.text()?).map_err(|_| "bad credential id")?;
        let code = reader.u32()?;
        match seen.get_mut(code as usize) {
            Some(seen) if !*seen => *seen = true,
            _ => return Err("credential code out of range or repeated"),
        }
        if credentials.insert(id, code).is_some() {
            return Err("repeated credential id");
        }
    }
    Ok(credentials)
}

fn read_state(reader: &mut Reader<'_>, stamp: &[u8], taxonomy_len: u32) -> Parsed<Option<State>> {
    if reader.take(MAGIC.len())? != MAGIC || reader.u32()? != FORMAT {
        return Err("not a snapshot of this format");
    }
    let stamp_len = reader.len()?;
    if reader.take(stamp_len)? != stamp || reader.u32()? != taxonomy_len {
        return Ok(None);
    }
    let mut state = State::default();
    for _ in 0..reader.len()? {
        let uri = reader.text()?.to_owned();
        let key = reader.u32()?;
        state.unknown_uris.insert(uri, key);
    }
    state.credentials = read_credentials(reader)?;
    let codes = state.credentials.len();
    for _ in 0..reader.len()? {
        let name = reader.text()?.to_owned();
        let tenant = read_tenant(reader, codes)?;
        state.tenants.insert(name, tenant);
    }
    if !reader.bytes.is_empty() {
        return Err("trailing bytes");
    }
    Ok(Some(state))
}

/// Reads a snapshot: `None` when the file is missing or carries another
/// stamp or taxonomy size; an error when it is unreadable or corrupt.
pub fn read(path: &Path, stamp: &[u8], taxonomy_len: u32) -> Result<Option<State>, SnapshotError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(SnapshotError::Io {
                path: path.display().to_string(),
                source,
            });
        }
    };
    let corrupt = |reason| SnapshotError::Corrupt {
        path: path.display().to_string(),
        reason,
    };
    let body_len = bytes
        .len()
        .checked_sub(HASH_BYTES)
        .ok_or_else(|| corrupt("shorter than its hash"))?;
    let (body, hash) = bytes.split_at(body_len);
    // Parsing is bounds-checked, so it runs beside the hash; nothing is
    // returned unless the hash matches.
    let (matches, state) = rayon::join(
        || blake3::hash(body).as_bytes() == hash,
        || read_state(&mut Reader { bytes: body }, stamp, taxonomy_len),
    );
    if !matches {
        return Err(corrupt("hash does not match"));
    }
    state.map_err(corrupt)
}
