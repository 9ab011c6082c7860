//! The posting-list index on disk, so a restart loads it instead of
//! rebuilding it from every stored record. The file holds a stamp (what the
//! index reflects, chosen by the caller), the taxonomy size, the interned
//! URIs and, per tenant, the ids, keys and posting lists, all little-endian,
//! followed by a BLAKE3 hash of everything before it. It is written to a
//! temporary file, synced and renamed over the old one, so a reader sees a
//! whole snapshot or none.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::index::State;
use super::plan::CompetencyKey;
use super::postings::{BLOCK, Block, POSTING_BYTES, Posting};
use super::tenant::TenantPostings;
use crate::domain::RecordId;

const MAGIC: &[u8; 8] = b"SMCANDIX";
const FORMAT: u32 = 1;
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

fn write_tenant<W: Write>(out: &mut Hashed<W>, tenant: &TenantPostings) -> std::io::Result<()> {
    out.u32(tenant.ids.len())?;
    for (id, keys) in tenant.ids.iter().zip(&tenant.keys) {
        out.text(id.as_ref().map_or("", RecordId::as_str))?;
        out.u32(keys.len())?;
        for key in keys {
            out.bytes(&key.to_le_bytes())?;
        }
    }
    out.u32(tenant.blocks.len())?;
    let mut buffer = Vec::new();
    for block in &tenant.blocks {
        out.u32(block.lists.len())?;
        for (key, list) in &block.lists {
            out.bytes(&key.to_le_bytes())?;
            out.u32(list.len())?;
            buffer.clear();
            for posting in list {
                posting.encode(&mut buffer);
            }
            out.bytes(&buffer)?;
        }
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

/// Writes `state` to `path` atomically: temporary file, fsync, rename, fsync
/// of the directory.
pub fn write(
    path: &Path,
    stamp: &[u8],
    taxonomy_len: u32,
    state: &State,
) -> Result<(), SnapshotError> {
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
    file.sync_all().map_err(io)?;
    drop(file);
    std::fs::rename(&temporary, path).map_err(io)?;
    sync_parent(path).map_err(io)
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

    fn len(&mut self) -> Parsed<usize> {
        Ok(self.u32()? as usize)
    }

    fn text(&mut self) -> Parsed<&'a str> {
        let len = self.len()?;
        std::str::from_utf8(self.take(len)?).map_err(|_| "text is not UTF-8")
    }
}

fn read_block(reader: &mut Reader<'_>, live: &[bool]) -> Parsed<Block> {
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
                let posting = Posting::decode(chunk).ok_or("bad posting")?;
                if live.get(usize::from(posting.local)) == Some(&true) {
                    Ok(posting)
                } else {
                    Err("posting of a free ordinal")
                }
            })
            .collect::<Parsed<Vec<Posting>>>()?;
        if list.is_empty() || block.lists.insert(key, list).is_some() {
            return Err("empty or repeated list");
        }
    }
    Ok(block)
}

fn read_tenant(reader: &mut Reader<'_>) -> Parsed<TenantPostings> {
    let ordinals = reader.len()?;
    let mut tenant = TenantPostings::default();
    tenant.by_id.reserve(ordinals);
    let mut live = Vec::with_capacity(ordinals);
    for ordinal in 0..ordinals {
        let raw = reader.text()?;
        let count = reader.len()?;
        let keys = reader.take(count.checked_mul(4).ok_or("too many keys")?)?;
        let keys: Box<[CompetencyKey]> = keys
            .chunks_exact(4)
            .map(|k| u32::from_le_bytes([k[0], k[1], k[2], k[3]]))
            .collect();
        let ordinal = u32::try_from(ordinal).map_err(|_| "too many ordinals")?;
        if raw.is_empty() {
            tenant.ids.push(None);
            tenant.free.push(ordinal);
        } else {
            let id = RecordId::parse(raw).map_err(|_| "bad id")?;
            if tenant.by_id.insert(id.clone(), ordinal).is_some() {
                return Err("repeated id");
            }
            tenant.ids.push(Some(id));
        }
        live.push(!raw.is_empty());
        tenant.keys.push(keys);
    }
    // The lowest free ordinal is reused first.
    tenant.free.reverse();
    let blocks = reader.len()?;
    if blocks != ordinals.div_ceil(BLOCK) {
        return Err("block count does not match the ordinals");
    }
    for (b, chunk) in live.chunks(BLOCK).enumerate() {
        debug_assert_eq!(b, tenant.blocks.len());
        tenant.blocks.push(read_block(reader, chunk)?);
    }
    Ok(tenant)
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
    for _ in 0..reader.len()? {
        let name = reader.text()?.to_owned();
        let tenant = read_tenant(reader)?;
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
    if blake3::hash(body).as_bytes() != hash {
        return Err(corrupt("hash does not match"));
    }
    read_state(&mut Reader { bytes: body }, stamp, taxonomy_len).map_err(corrupt)
}
