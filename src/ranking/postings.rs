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
use crate::matching::CoverageKind;

/// Candidates per block; a local ordinal fits in a `u16`. Unit tests use
/// small blocks so that their pools span many.
pub const BLOCK: usize = if cfg!(test) { 64 } else { 1 << 14 };

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

fn unpack_date(days: i32) -> Option<i32> {
    (days != NO_DATE).then_some(days)
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

    fn proficiency(self) -> Option<Proficiency> {
        LEVELS
            .get(usize::from(self.proficiency).checked_sub(1)?)
            .copied()
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

/// The posting lists of one block of candidates.
#[derive(Debug, Default, Clone)]
pub struct Block {
    /// Postings by competency key; no list is empty.
    pub lists: HashMap<CompetencyKey, Vec<Posting>>,
}

impl Block {
    /// Adds a candidate's evidence.
    pub fn add(&mut self, local: u16, evidence: &[CompactEvidence]) {
        for piece in evidence {
            self.lists
                .entry(piece.key)
                .or_default()
                .push(Posting::new(local, piece));
        }
    }

    /// Removes every posting of a candidate from the lists of `keys`.
    pub fn remove(&mut self, local: u16, keys: &[CompetencyKey]) {
        for key in keys {
            if let Some(list) = self.lists.get_mut(key) {
                list.retain(|p| p.local != local);
                if list.is_empty() {
                    self.lists.remove(key);
                }
            }
        }
    }
}

/// A job as the posting scan sees it: the keys that cover any need, each with
/// the `(need, coverage)` pairs it covers.
#[derive(Debug)]
pub struct Query<'a> {
    /// Covering keys.
    pub keys: Vec<(CompetencyKey, Vec<(u16, CoverageKind)>)>,
    /// Weight of each need.
    pub weights: &'a [f64],
    /// Sum of the weights.
    pub total_weight: f64,
    /// Minimum proficiency of each need.
    pub min_proficiency: &'a [Option<Proficiency>],
    /// Date recency and expiry are judged on.
    pub as_of: Date,
}

/// Reusable per-worker space for scoring one block.
#[derive(Debug, Default)]
pub struct Scratch {
    best: Vec<f64>,
    seen: Vec<bool>,
    touched: Vec<u16>,
}

impl Query<'_> {
    /// The value of one posting for one need, computed exactly as the
    /// straightforward scorer does (same factors, same order).
    fn value(&self, posting: Posting, need: u16, factor: f64) -> f64 {
        let recency = recency(
            unpack_date(posting.dated).map(|d| Date::from_days(i64::from(d))),
            self.as_of,
        );
        let expired =
            unpack_date(posting.expires).is_some_and(|e| i64::from(e) < self.as_of.days());
        let expiry = if expired { EXPIRED_FACTOR } else { 1.0 };
        let below = matches!(
            (posting.proficiency(), self.min_proficiency[usize::from(need)]),
            (Some(held), Some(needed)) if held < needed
        );
        let proficiency = if below { BELOW_PROFICIENCY_FACTOR } else { 1.0 };
        factor * KINDS[usize::from(posting.kind)].strength() * recency * expiry * proficiency
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
                for &(need, kind) in covers {
                    let value = self.value(posting, need, kind.factor());
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
