//! One tenant's candidates in the posting-list index: ids by ordinal, the
//! keys each candidate has evidence of (to remove them again), the
//! credentials each holds and their holders (to re-derive the holders'
//! evidence when the catalogue changes one), and the posting lists of every
//! block of ordinals.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use rayon::prelude::*;

use super::compact::CompactProfile;
use super::ordinals::Ordinals;
use super::plan::CompetencyKey;
use super::postings::{BLOCK, Block, Query, Scratch};
use super::state::CredentialCode;
use super::topk::TopK;
use crate::domain::RecordId;

/// A tenant's candidates and their posting lists.
#[derive(Debug, Default)]
pub struct TenantPostings {
    /// Id of each ordinal; `None` for a free ordinal.
    pub ids: Vec<Option<RecordId>>,
    /// Distinct keys of each ordinal's evidence, sorted.
    pub keys: Vec<Box<[CompetencyKey]>>,
    /// Codes of the credentials each ordinal holds, sorted.
    pub held: Vec<Box<[CredentialCode]>>,
    /// Ordinals holding each credential: the inverse of `held`.
    pub holders: HashMap<CredentialCode, HashSet<u32>>,
    /// Ordinal of each id.
    pub by_id: Ordinals,
    /// Free ordinals, reused last freed first.
    pub free: Vec<u32>,
    /// Posting lists of ordinals `b * BLOCK ..= (b + 1) * BLOCK - 1`.
    pub blocks: Vec<Block>,
}

/// Block and local ordinal of an ordinal.
fn split(ordinal: u32) -> (usize, u16) {
    let ordinal = ordinal as usize;
    let local = u16::try_from(ordinal % BLOCK).expect("BLOCK fits a u16");
    (ordinal / BLOCK, local)
}

impl TenantPostings {
    /// Adds or replaces a candidate, who holds the credentials `held`.
    pub fn put(&mut self, profile: &CompactProfile, held: &[CredentialCode]) {
        let ordinal = match self.ordinal(&profile.id) {
            // A replaced candidate keeps their ordinal and its entry.
            Some(ordinal) => {
                self.clear(ordinal);
                ordinal
            }
            None => {
                let ordinal = self.allocate();
                self.ids[ordinal as usize] = Some(profile.id.clone());
                let added = self.by_id.insert(&self.ids, ordinal);
                debug_assert!(added, "an id without an ordinal is not in the table");
                ordinal
            }
        };
        let (block, local) = split(ordinal);
        if self.blocks.len() <= block {
            self.blocks.resize_with(block + 1, Block::default);
        }
        self.blocks[block].add(local, &profile.evidence);
        let mut keys: Vec<CompetencyKey> = profile.evidence.iter().map(|e| e.key).collect();
        keys.sort_unstable();
        keys.dedup();
        self.keys[ordinal as usize] = keys.into_boxed_slice();
        self.hold(ordinal, held);
    }

    /// The ordinal of `id`.
    pub fn ordinal(&self, id: &RecordId) -> Option<u32> {
        self.by_id.get(&self.ids, id.as_str())
    }

    fn allocate(&mut self) -> u32 {
        if let Some(ordinal) = self.free.pop() {
            return ordinal;
        }
        self.ids.push(None);
        self.keys.push(Box::default());
        self.held.push(Box::default());
        u32::try_from(self.ids.len() - 1).expect("fewer than 2^32 candidates")
    }

    /// Records that an ordinal holds these credentials (and no others).
    fn hold(&mut self, ordinal: u32, held: &[CredentialCode]) {
        let mut held = held.to_vec();
        held.sort_unstable();
        held.dedup();
        for code in &held {
            self.holders.entry(*code).or_default().insert(ordinal);
        }
        self.held[ordinal as usize] = held.into_boxed_slice();
    }

    /// Drops an ordinal's postings, keys and held credentials, keeping the
    /// ordinal.
    fn clear(&mut self, ordinal: u32) {
        let (block, local) = split(ordinal);
        let keys = std::mem::take(&mut self.keys[ordinal as usize]);
        if let Some(block) = self.blocks.get_mut(block) {
            block.remove(local, &keys);
        }
        for code in std::mem::take(&mut self.held[ordinal as usize]) {
            if let Some(holders) = self.holders.get_mut(&code) {
                holders.remove(&ordinal);
                if holders.is_empty() {
                    self.holders.remove(&code);
                }
            }
        }
    }

    /// The inverse of `held`, for an index read back without it.
    pub fn index_holders(&mut self) {
        self.holders.clear();
        for (ordinal, held) in (0u32..).zip(&self.held) {
            for code in held {
                self.holders.entry(*code).or_default().insert(ordinal);
            }
        }
    }

    /// Ids of the candidates holding any of the credentials `codes`, each
    /// once per credential held; walks whichever of `codes` and the held
    /// credentials is smaller.
    pub fn holders_of_any<'a>(
        &'a self,
        codes: &'a HashSet<CredentialCode>,
    ) -> Box<dyn Iterator<Item = &'a RecordId> + 'a> {
        let holders: Box<dyn Iterator<Item = &HashSet<u32>>> = if codes.len() < self.holders.len() {
            Box::new(codes.iter().filter_map(|code| self.holders.get(code)))
        } else {
            Box::new(
                self.holders
                    .iter()
                    .filter(|(code, _)| codes.contains(code))
                    .map(|(_, ordinals)| ordinals),
            )
        };
        Box::new(
            holders
                .flatten()
                .filter_map(|ordinal| self.ids[*ordinal as usize].as_ref()),
        )
    }

    /// Removes a candidate and every posting of theirs.
    pub fn remove(&mut self, id: &RecordId) {
        if let Some(ordinal) = self.by_id.remove(&self.ids, id.as_str()) {
            self.clear(ordinal);
            self.ids[ordinal as usize] = None;
            self.free.push(ordinal);
        }
    }

    /// Number of candidates.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Whether the tenant has no candidate.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    fn id(&self, block: usize, local: u16) -> &RecordId {
        self.ids[block * BLOCK + usize::from(local)]
            .as_ref()
            .expect("every posting belongs to a live ordinal")
    }

    /// The best `limit` candidates with evidence for the query and a score
    /// above zero.
    pub fn top(&self, query: &Query<'_>, limit: usize) -> Vec<(RecordId, f64)> {
        self.top_counted(query, limit).0
    }

    /// [`TenantPostings::top`], and how many blocks were scored. Blocks are
    /// taken best bound first by parallel workers; the k-th best score any
    /// worker holds is shared, and a block whose bound is below it is not
    /// scored (none of its candidates could enter the top `limit`).
    pub fn top_counted(&self, query: &Query<'_>, limit: usize) -> (Vec<(RecordId, f64)>, usize) {
        if limit == 0 {
            return (Vec::new(), 0);
        }
        let order = self.blocks_by_bound(query);
        let next = AtomicUsize::new(0);
        let threshold = AtomicU64::new(0.0_f64.to_bits());
        let scored = AtomicUsize::new(0);
        let workers = rayon::current_num_threads().clamp(1, order.len().max(1));
        let top = (0..workers)
            .into_par_iter()
            .map(|_| {
                let mut scratch = Scratch::default();
                let mut top = TopK::new(limit);
                while let Some(&(bound, b)) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                    // Scores are never negative, so the bits order as the values.
                    if bound < f64::from_bits(threshold.load(Ordering::Relaxed)) {
                        break;
                    }
                    scored.fetch_add(1, Ordering::Relaxed);
                    query.score_block(&self.blocks[b], &mut scratch, None, |local, score| {
                        if score > 0.0 {
                            top.offer(score, self.id(b, local));
                        }
                    });
                    if let Some(kth) = top.kth_score().filter(|kth| *kth > 0.0) {
                        threshold.fetch_max(kth.to_bits(), Ordering::Relaxed);
                    }
                }
                top
            })
            .reduce(|| TopK::new(limit), TopK::merge);
        (top.into_sorted(), scored.into_inner())
    }

    /// Blocks that could hold a candidate scoring above zero, with their
    /// bounds, highest bound first (ties in block order).
    fn blocks_by_bound(&self, query: &Query<'_>) -> Vec<(f64, usize)> {
        let mut scratch = Scratch::default();
        let mut order: Vec<(f64, usize)> = self
            .blocks
            .iter()
            .enumerate()
            .map(|(b, block)| (query.bound(block, &mut scratch), b))
            .filter(|(bound, _)| *bound > 0.0)
            .collect();
        order.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
        order
    }

    /// The best `limit` of the listed candidates (unknown ids skipped, a
    /// repeated id offered once per mention), zero scores kept.
    pub fn top_of(
        &self,
        query: &Query<'_>,
        only: &[RecordId],
        limit: usize,
    ) -> Vec<(RecordId, f64)> {
        let mut wanted: BTreeMap<usize, Vec<bool>> = BTreeMap::new();
        for ordinal in only.iter().filter_map(|id| self.ordinal(id)) {
            let (block, local) = split(ordinal);
            wanted.entry(block).or_insert_with(|| vec![false; BLOCK])[usize::from(local)] = true;
        }
        let mut scores: HashMap<u32, f64> = HashMap::new();
        let mut scratch = Scratch::default();
        for (b, mask) in &wanted {
            query.score_block(
                &self.blocks[*b],
                &mut scratch,
                Some(mask),
                |local, score| {
                    let ordinal = b * BLOCK + usize::from(local);
                    scores.insert(u32::try_from(ordinal).unwrap_or(u32::MAX), score);
                },
            );
        }
        let mut top = TopK::new(limit);
        for id in only {
            let Some(ordinal) = self.ordinal(id) else {
                continue;
            };
            let score = scores.get(&ordinal).copied().unwrap_or(0.0);
            top.offer(score, id);
        }
        top.into_sorted()
    }
}
