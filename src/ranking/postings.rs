//! Posting lists: for each competency key, the candidates holding evidence of
//! it, each with the evidence's kind, dates and proficiency packed in 12
//! bytes. Candidates are numbered densely (ordinals) and grouped in blocks of
//! [`BLOCK`], so a query accumulates per-need values for one block at a time
//! in scratch space that stays in cache.

use std::collections::HashMap;

use super::EvidenceKind;
use super::compact::CompactEvidence;
use super::plan::CompetencyKey;
use super::score::{BELOW_PROFICIENCY_FACTOR, EXPIRED_FACTOR, recency};
use crate::domain::{Date, Proficiency};
use crate::needs::CoverageKind;

/// Candidates per block; a local ordinal fits in a `u16`. Unit tests use
/// small blocks so that their pools span many.
pub const BLOCK: usize = if cfg!(test) { 64 } else { 1 << 13 };

/// `dated` or `expires` of a posting without that date.
const NO_DATE: i32 = i32::MIN;

const KINDS: [EvidenceKind; 5] = [
    EvidenceKind::VerifiedCredential,
    EvidenceKind::AssessedCredential,
    EvidenceKind::Credential,
    EvidenceKind::Declared,
    EvidenceKind::CvText,
];

const LEVELS: [Proficiency; 4] = [
    Proficiency::Basic,
    Proficiency::Intermediate,
    Proficiency::Advanced,
    Proficiency::Expert,
];

/// One piece of evidence of one candidate in a key's posting list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Posting {
    /// Ordinal within the block.
    pub local: u16,
    /// Index into the evidence kinds, strongest first.
    pub kind: u8,
    /// 0 when no proficiency is stated, else 1 + the level.
    pub proficiency: u8,
    /// Days since 1970 of last use or issue, or [`NO_DATE`].
    pub dated: i32,
    /// Days since 1970 of expiry, or [`NO_DATE`].
    pub expires: i32,
}

/// Bytes of one encoded posting.
pub const POSTING_BYTES: usize = 12;

fn pack_date(days: Option<i32>) -> i32 {
    days.filter(|&d| d != NO_DATE).unwrap_or(NO_DATE)
}

impl Posting {
    /// The posting of one piece of compact evidence.
    pub fn new(local: u16, evidence: &CompactEvidence) -> Self {
        let kind = KINDS.iter().position(|k| *k == evidence.kind).unwrap_or(0);
        let proficiency = evidence
            .proficiency
            .and_then(|p| LEVELS.iter().position(|l| *l == p))
            .map_or(0, |level| level + 1);
        Self {
            local,
            kind: u8::try_from(kind).unwrap_or(0),
            proficiency: u8::try_from(proficiency).unwrap_or(0),
            dated: pack_date(evidence.dated),
            expires: pack_date(evidence.expires),
        }
    }

    /// Little-endian bytes.
    pub fn encode(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.local.to_le_bytes());
        out.push(self.kind);
        out.push(self.proficiency);
        out.extend_from_slice(&self.dated.to_le_bytes());
        out.extend_from_slice(&self.expires.to_le_bytes());
    }

    /// Reads [`Posting::encode`]'s bytes; `None` for values no posting holds.
    pub fn decode(bytes: &[u8; POSTING_BYTES]) -> Option<Self> {
        let posting = Self {
            local: u16::from_le_bytes([bytes[0], bytes[1]]),
            kind: bytes[2],
            proficiency: bytes[3],
            dated: i32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]),
            expires: i32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]),
        };
        (usize::from(posting.kind) < KINDS.len()
            && usize::from(posting.proficiency) <= LEVELS.len()
            && usize::from(posting.local) < BLOCK)
            .then_some(posting)
    }
}

/// What bounds the value of any posting of a list: its strongest kind and
/// its latest date (or, for undated postings, that some are undated).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListBound {
    /// The smallest kind index (the strongest kind) in the list.
    kind: u8,
    /// The latest `dated` in the list, or [`NO_DATE`] when none is dated.
    latest: i32,
    /// Whether some posting is undated.
    undated: bool,
}

impl ListBound {
    const EMPTY: Self = Self {
        kind: u8::MAX,
        latest: NO_DATE,
        undated: false,
    };

    /// The bound of a list with one more posting.
    fn with(self, posting: &Posting) -> Self {
        Self {
            kind: self.kind.min(posting.kind),
            latest: self.latest.max(posting.dated),
            undated: self.undated || posting.dated == NO_DATE,
        }
    }

    fn of(list: &[Posting]) -> Self {
        list.iter().fold(Self::EMPTY, Self::with)
    }
}

/// The posting lists of one block of candidates.
#[derive(Debug, Default, Clone)]
pub struct Block {
    /// Postings by competency key; no list is empty.
    pub lists: HashMap<CompetencyKey, Vec<Posting>>,
    /// The bound of each list, by the same keys; kept by [`Block::add`],
    /// [`Block::remove`] and [`Block::refresh_bounds`].
    bounds: HashMap<CompetencyKey, ListBound>,
}

impl Block {
    /// Adds a candidate's evidence.
    pub fn add(&mut self, local: u16, evidence: &[CompactEvidence]) {
        for piece in evidence {
            let posting = Posting::new(local, piece);
            self.lists.entry(piece.key).or_default().push(posting);
            let bound = self.bounds.entry(piece.key).or_insert(ListBound::EMPTY);
            *bound = bound.with(&posting);
        }
    }

    /// Recomputes every list's bound, after the lists were filled directly.
    pub fn refresh_bounds(&mut self) {
        self.bounds = self
            .lists
            .iter()
            .map(|(key, list)| (*key, ListBound::of(list)))
            .collect();
    }

    /// Removes every posting of a candidate from the lists of `keys`.
    pub fn remove(&mut self, local: u16, keys: &[CompetencyKey]) {
        for key in keys {
            if let Some(list) = self.lists.get_mut(key) {
                list.retain(|p| p.local != local);
                if list.is_empty() {
                    self.lists.remove(key);
                    self.bounds.remove(key);
                } else {
                    self.bounds.insert(*key, ListBound::of(list));
                }
            }
        }
    }
}

/// Ages in days up to which [`Query`] keeps a table of recency factors;
/// beyond it evidence is stale and the factor is computed.
const RECENCY_TABLE_DAYS: usize = 4096;

/// A job as the posting scan sees it: the keys that cover any need, each with
/// the `(need, coverage factor)` pairs it covers, and per-query tables.
#[derive(Debug)]
pub struct Query<'a> {
    keys: Vec<(CompetencyKey, Vec<(u16, f64)>)>,
    weights: &'a [f64],
    total_weight: f64,
    /// Minimum proficiency of each need: 0 for none, else 1 + the level.
    min_level: Vec<u8>,
    as_of_days: i64,
    as_of: Date,
    /// `recency` of evidence `age` days old, by age.
    recency_by_age: Vec<f64>,
    /// Strength of each evidence kind.
    strength: [f64; KINDS.len()],
}

/// Reusable per-worker space for scoring one block.
#[derive(Debug, Default)]
pub struct Scratch {
    best: Vec<f64>,
    /// A bound per need, for [`Query::bound`].
    bound: Vec<f64>,
    seen: Vec<bool>,
    touched: Vec<u16>,
}

impl<'a> Query<'a> {
    /// A query over `keys` for needs of these weights and minimums.
    pub fn new(
        keys: Vec<(CompetencyKey, Vec<(u16, CoverageKind)>)>,
        weights: &'a [f64],
        total_weight: f64,
        min_proficiency: &[Option<Proficiency>],
        as_of: Date,
    ) -> Self {
        let keys = keys
            .into_iter()
            .map(|(key, covers)| {
                let covers = covers
                    .into_iter()
                    .map(|(need, kind)| (need, kind.factor()))
                    .collect();
                (key, covers)
            })
            .collect();
        let min_level = min_proficiency
            .iter()
            .map(|min| {
                min.and_then(|p| LEVELS.iter().position(|l| *l == p))
                    .map_or(0, |level| u8::try_from(level + 1).unwrap_or(u8::MAX))
            })
            .collect();
        // The very function the straightforward scorer calls, so equal bits.
        let recency_by_age = (0..=RECENCY_TABLE_DAYS as i64)
            .map(|age| recency(Some(Date::from_days(as_of.days() - age)), as_of))
            .collect();
        Self {
            keys,
            weights,
            total_weight,
            min_level,
            as_of_days: as_of.days(),
            as_of,
            recency_by_age,
            strength: KINDS.map(EvidenceKind::strength),
        }
    }

    fn recency(&self, dated: i32) -> f64 {
        if dated == NO_DATE {
            return recency(None, self.as_of);
        }
        let age = self.as_of_days - i64::from(dated);
        match usize::try_from(age)
            .ok()
            .and_then(|a| self.recency_by_age.get(a))
        {
            Some(&factor) => factor,
            None => recency(Some(Date::from_days(i64::from(dated))), self.as_of),
        }
    }

    /// The most any candidate of the block can score: per need, the best
    /// coverage factor x strongest kind x freshest recency of the lists that
    /// cover it (expiry and proficiency factors are at most 1), weighted and
    /// summed as [`Query::score`] sums. Every step rounds monotonically, so
    /// no candidate's exact score exceeds it.
    pub fn bound(&self, block: &Block, scratch: &mut Scratch) -> f64 {
        let row = &mut scratch.bound;
        row.clear();
        row.resize(self.weights.len(), 0.0);
        for (key, covers) in &self.keys {
            let Some(list) = block.bounds.get(key) else {
                continue;
            };
            let strength = self.strength[usize::from(list.kind)];
            let mut recency: f64 = 0.0;
            if list.latest != NO_DATE {
                recency = self.recency(list.latest);
            }
            if list.undated {
                recency = recency.max(self.recency(NO_DATE));
            }
            for &(need, factor) in covers {
                let value = factor * strength * recency;
                let slot = &mut row[usize::from(need)];
                if value > *slot {
                    *slot = value;
                }
            }
        }
        self.score(row)
    }

    /// Calls `found(local, score)` for every candidate of the block with
    /// evidence for any need (and, when `wanted` is given, wanted by it).
    pub fn score_block(
        &self,
        block: &Block,
        scratch: &mut Scratch,
        wanted: Option<&[bool]>,
        mut found: impl FnMut(u16, f64),
    ) {
        let needs = self.weights.len();
        let Scratch {
            best,
            seen,
            touched,
            bound: _,
        } = scratch;
        best.resize(BLOCK * needs, 0.0);
        seen.clear();
        seen.resize(BLOCK, false);
        touched.clear();
        for (key, covers) in &self.keys {
            let Some(list) = block.lists.get(key) else {
                continue;
            };
            for &posting in list {
                let local = usize::from(posting.local);
                if wanted.is_some_and(|w| !w[local]) {
                    continue;
                }
                let row = &mut best[local * needs..(local + 1) * needs];
                if !seen[local] {
                    seen[local] = true;
                    touched.push(posting.local);
                    row.fill(0.0);
                }
                let strength = self.strength[usize::from(posting.kind)];
                let recency = self.recency(posting.dated);
                let expired =
                    posting.expires != NO_DATE && i64::from(posting.expires) < self.as_of_days;
                for &(need, factor) in covers {
                    // factor x strength x recency x expiry x proficiency, in
                    // that order as `assess` multiplies; a factor of 1.0 is
                    // skipped, which leaves the bits unchanged.
                    let mut value = factor * strength * recency;
                    if expired {
                        value *= EXPIRED_FACTOR;
                    }
                    if posting.proficiency != 0
                        && posting.proficiency < self.min_level[usize::from(need)]
                    {
                        value *= BELOW_PROFICIENCY_FACTOR;
                    }
                    let slot = &mut row[usize::from(need)];
                    if value > *slot {
                        *slot = value;
                    }
                }
            }
        }
        for &local in touched.iter() {
            let row = &best[usize::from(local) * needs..(usize::from(local) + 1) * needs];
            found(local, self.score(row));
        }
    }

    /// The score of a candidate from their best value per need, summed in
    /// need order as the straightforward scorer sums it.
    fn score(&self, best: &[f64]) -> f64 {
        if self.total_weight <= 0.0 {
            return 0.0;
        }
        let weighted: f64 = best.iter().zip(self.weights).map(|(v, w)| v * w).sum();
        (weighted / self.total_weight).clamp(0.0, 1.0)
    }
}
