//! The fusion weights, tuned on the dev files of TARGETS.md only. The
//! vector weights, the posting body share, the title match power, the
//! number of propagated occupations, the occupation prior's and the title
//! votes' weights, the occupation document weight and the phrase window
//! length of the default (trained) embedder were chosen on held-out folds
//! (`scripts/eval-folds`, EVALUATION.md "Trained default embedder"); the
//! others are the earlier hand-tuned values, not yet re-chosen by
//! cross-validation. Occupation evidence weighs 1 in a skill's score (the
//! score is a weighted mean, so only ratios count) and a posting trusts its
//! occupations fully; neither is a knob.

use std::str::FromStr;

/// Fusion weights of the extractor. [`Tuning::default`] holds the values of
/// the default embedder; [`Tuning::for_embedder`] those of the others.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tuning {
    /// Weight of whole-text BM25 against occupation descriptions (title
    /// support weighs 1); chosen on held-out folds (EVALUATION.md, "The
    /// occupation document weight chosen on held-out folds").
    pub document_weight: f32,
    /// Weight of occupation labels found as phrases in a posting.
    pub phrase_weight: f32,
    /// Score decay of each title segment after the first (`A / B`, `A - B`).
    pub segment_decay: f32,
    /// Softmax temperature over occupation scores when propagating their skills.
    pub occupation_temperature: f32,
    /// How many top occupations propagate their essential skills. Fewer
    /// lend a posting's skills less of its neighbouring occupations'
    /// (EVALUATION.md, "Propagated occupations and the occupation prior").
    pub propagated_occupations: usize,
    /// Weight of label evidence found in the text in a skill's score
    /// (propagated occupation evidence weighs 1), for a text without a
    /// body: a sentence, a title.
    pub text_weight: f32,
    /// Weight of label evidence found in the text for a posting (a title
    /// line and a body). Lower weights rank a posting's skills closer to
    /// its occupations' essential skills (EVALUATION.md, "Title match power
    /// and the posting text weight"), but drop skills a posting names
    /// outright below the default `min_score`; the default is
    /// `text_weight`'s.
    pub text_body_weight: f32,
    /// Exponent on the title match of a text without a body (a sentence or a
    /// title) when propagating its occupations' skills; higher trusts weak matches less.
    pub title_match_power: f32,
    /// Share of a label's idf mass that must be present for a partial label match.
    pub min_coverage: f32,
    /// Weight of the vector score (cosine of text and competency) for a text
    /// without a body: a sentence, a title.
    pub semantic_weight: f32,
    /// Weight of the vector score for a posting (a title line and a body).
    pub semantic_body_weight: f32,
    /// Cosine that maps to a vector score of 0 (1 maps to 1, linearly).
    pub semantic_floor: f32,
    /// How many competencies closest by cosine join the lexical candidates.
    pub semantic_candidates: usize,
    /// Longest phrase window (2 to this many words) whose vector also
    /// scores the competencies whose labels share a word with it, for a
    /// text without a body; 0 or 1: none. Chosen on held-out sentence
    /// folds (EVALUATION.md, "Phrase windows").
    pub window_terms: usize,
    /// Weight of the occupation vector score (cosine of the title line and
    /// an occupation) for a text without a body (title support weighs 1).
    pub occupation_vector_weight: f32,
    /// Weight of the occupation vector score for a posting.
    pub occupation_vector_body_weight: f32,
    /// Cosine that maps to an occupation vector score of 0 (1 maps to 1).
    pub occupation_vector_floor: f32,
    /// How many occupations closest by cosine join the lexical candidates.
    pub occupation_vector_candidates: usize,
    /// Weight of the embedder's occupation prior (how often vacancy titles
    /// name the occupation, in [0, 1]) in the score of an occupation
    /// InferOccupations answers for a title or a sentence, times one minus
    /// how far the text names an occupation by its preferred label, for
    /// the candidates the other kinds of support found (title support
    /// weighs 1).
    pub occupation_prior_weight: f32,
    /// Weight of the embedder's title votes (the occupations vacancy titles
    /// sharing the text's words and word pairs name; scaled to 1 for the
    /// best-voted occupation) in the score of an occupation InferOccupations
    /// answers for a title or a sentence, times one minus how far the text
    /// names an occupation by its preferred label, and not at all for a
    /// text that is exactly one of the labels of an occupation of the
    /// taxonomy the votes name; the votes also add candidates. Chosen on
    /// held-out folds (EVALUATION.md, "Title votes").
    pub title_vote_weight: f32,
    /// Share, in [0, 1], of a posting's occupation support taken from the
    /// whole posting instead of its title line: the title line's label
    /// support weighs 1 − share, and the occupation cosines are those of
    /// the title line's vector and the whole posting's vector, mixed in
    /// that proportion. Texts without a body use their title line alone.
    pub posting_body_share: f32,
    /// Share of a named competency's text score given to its broader competencies.
    pub broader_weight: f32,
    /// Share of a named competency's text score given to its narrower competencies.
    pub narrower_weight: f32,
    /// Share of a named competency's text score given to its related competencies.
    pub related_weight: f32,
}

impl Default for Tuning {
    fn default() -> Self {
        Self {
            document_weight: 0.9,
            phrase_weight: 0.6,
            segment_decay: 0.9,
            occupation_temperature: 0.08,
            propagated_occupations: 3,
            text_weight: 0.5,
            text_body_weight: 0.5,
            min_coverage: 0.4,
            title_match_power: 3.0,
            semantic_weight: 0.75,
            semantic_body_weight: 0.0,
            semantic_floor: 0.3,
            semantic_candidates: 50,
            window_terms: 7,
            occupation_vector_weight: 4.0,
            occupation_vector_body_weight: 1.0,
            occupation_vector_floor: 0.2,
            occupation_vector_candidates: 20,
            occupation_prior_weight: 5.0,
            title_vote_weight: 3.0,
            posting_body_share: 0.75,
            broader_weight: 0.3,
            narrower_weight: 0.3,
            related_weight: 0.3,
        }
    }
}

impl Tuning {
    /// The tuned weights for an embedder (by its id): the defaults, chosen
    /// on held-out folds with the trained static table (also for tables
    /// loaded from a folder), except that the untrained MiniLM table and
    /// the hashing embedder keep the vector weights hand-tuned for them
    /// (vector weight 0.75 and floor 0.55 on skills, 0.4 on occupations)
    /// and rank a posting's occupations from its title line as before
    /// (no body share: it was chosen with the trained table) with the
    /// earlier document weight (0.6), title match power (2), 20 propagated occupations, no
    /// occupation prior, no title votes and no phrase windows (each window is one more
    /// embedding: milliseconds apiece with all-MiniLM-L6-v2),
    /// and all-MiniLM-L6-v2 weighs skill cosines 1.5 from a floor of 0.45.
    pub fn for_embedder(id: &str) -> Self {
        let earlier = Self {
            document_weight: 0.6,
            propagated_occupations: 20,
            occupation_prior_weight: 0.0,
            title_vote_weight: 0.0,
            title_match_power: 2.0,
            semantic_floor: 0.55,
            occupation_vector_weight: 0.4,
            occupation_vector_body_weight: 0.4,
            posting_body_share: 0.0,
            window_terms: 0,
            ..Self::default()
        };
        if id.starts_with("all-minilm-l6-v2") {
            Self {
                semantic_weight: 1.5,
                semantic_floor: 0.45,
                ..earlier
            }
        } else if id.starts_with("static-minilm") || id.starts_with("hashing") {
            earlier
        } else {
            Self::default()
        }
    }

    /// Applies `name=value,...` overrides to these weights.
    pub fn with_overrides(self, spec: &str) -> Result<Self, BadTuning> {
        let mut tuning = self;
        for entry in spec.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let bad = || BadTuning(entry.to_owned());
            let (name, value) = entry.split_once('=').ok_or_else(bad)?;
            let number: f32 = value.trim().parse().map_err(|_| bad())?;
            tuning.set(name.trim(), number).ok_or_else(bad)?;
        }
        Ok(tuning)
    }

    /// Weight of the text's own label evidence for a text with or without a body.
    pub fn text_weight_for(&self, has_body: bool) -> f32 {
        if has_body {
            self.text_body_weight
        } else {
            self.text_weight
        }
    }

    /// Weight of the vector score for a text with or without a body.
    pub fn semantic_weight_for(&self, has_body: bool) -> f32 {
        if has_body {
            self.semantic_body_weight
        } else {
            self.semantic_weight
        }
    }

    /// Share of the occupation support of a text taken from the whole text
    /// instead of its title line: [`Self::posting_body_share`] for a
    /// posting (a text with a body), else 0.
    pub fn posting_share(&self, has_body: bool) -> f32 {
        if has_body {
            self.posting_body_share.clamp(0.0, 1.0)
        } else {
            0.0
        }
    }

    /// Weight of the occupation vector score for a text with or without a body.
    pub fn occupation_vector_weight_for(&self, has_body: bool) -> f32 {
        if has_body {
            self.occupation_vector_body_weight
        } else {
            self.occupation_vector_weight
        }
    }
}

/// An unknown name or a bad value in a `name=value,...` tuning string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad tuning entry {0:?}")]
pub struct BadTuning(pub String);

impl FromStr for Tuning {
    type Err = BadTuning;

    /// Parses `name=value` pairs separated by commas over the defaults.
    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        Self::default().with_overrides(spec)
    }
}

impl Tuning {
    /// Sets one weight by name; `None` for an unknown name.
    fn set(&mut self, name: &str, number: f32) -> Option<()> {
        let count = || number.max(0.0) as usize;
        match name {
            "document_weight" => self.document_weight = number,
            "phrase_weight" => self.phrase_weight = number,
            "segment_decay" => self.segment_decay = number,
            "occupation_temperature" => self.occupation_temperature = number,
            "propagated_occupations" => self.propagated_occupations = count(),
            "text_weight" => self.text_weight = number,
            "text_body_weight" => self.text_body_weight = number,
            "min_coverage" => self.min_coverage = number,
            "title_match_power" => self.title_match_power = number,
            "semantic_weight" => self.semantic_weight = number,
            "semantic_body_weight" => self.semantic_body_weight = number,
            "semantic_floor" => self.semantic_floor = number,
            "semantic_candidates" => self.semantic_candidates = count(),
            "window_terms" => self.window_terms = count(),
            "occupation_vector_weight" => self.occupation_vector_weight = number,
            "occupation_vector_body_weight" => self.occupation_vector_body_weight = number,
            "occupation_vector_floor" => self.occupation_vector_floor = number,
            "occupation_vector_candidates" => self.occupation_vector_candidates = count(),
            "occupation_prior_weight" => self.occupation_prior_weight = number,
            "title_vote_weight" => self.title_vote_weight = number,
            "posting_body_share" => self.posting_body_share = number,
            "broader_weight" => self.broader_weight = number,
            "narrower_weight" => self.narrower_weight = number,
            "related_weight" => self.related_weight = number,
            _ => return None,
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embed::Embedder;

    #[test]
    fn parses_overrides_and_rejects_unknown_names() {
        let tuning: Tuning = "document_weight=0.5, propagated_occupations=5"
            .parse()
            .unwrap();
        assert!((tuning.document_weight - 0.5).abs() < 1e-6);
        assert_eq!(tuning.propagated_occupations, 5);
        assert!("nope=1".parse::<Tuning>().is_err());
        assert!("document_weight".parse::<Tuning>().is_err());
    }

    #[test]
    fn each_embedder_gets_its_own_vector_weights() {
        let trained = Tuning::for_embedder(crate::embed::StaticEmbedder::default().id());
        assert_eq!(trained, Tuning::default());
        assert_eq!(Tuning::for_embedder("static-file-0123"), Tuning::default());
        let old = Tuning::for_embedder("static-minilm-l6-v2-pca128-idf-v1");
        assert!((old.occupation_vector_weight - 0.4).abs() < 1e-6);
        assert!((old.semantic_floor - 0.55).abs() < 1e-6);
        assert_eq!(old.posting_share(true), 0.0);
        assert!((trained.posting_share(true) - 0.75).abs() < 1e-6);
        assert!((trained.title_match_power - 3.0).abs() < 1e-6);
        assert!((old.title_match_power - 2.0).abs() < 1e-6);
        assert_eq!(trained.propagated_occupations, 3);
        assert_eq!(old.propagated_occupations, 20);
        assert_eq!(old.occupation_prior_weight, 0.0);
        assert!((trained.occupation_prior_weight - 5.0).abs() < 1e-6);
        assert!((trained.title_vote_weight - 3.0).abs() < 1e-6);
        assert_eq!(old.title_vote_weight, 0.0);
        assert_eq!(trained.window_terms, 7);
        assert_eq!(old.window_terms, 0);
        assert!((trained.document_weight - 0.9).abs() < 1e-6);
        assert!((old.document_weight - 0.6).abs() < 1e-6);
        let postings: Tuning = "text_body_weight=0.1".parse().unwrap();
        assert!((postings.text_weight_for(true) - 0.1).abs() < 1e-6);
        assert!((postings.text_weight_for(false) - 0.5).abs() < 1e-6);
        let minilm = Tuning::for_embedder("all-minilm-l6-v2-x");
        assert!((minilm.semantic_weight - 1.5).abs() < 1e-6);
        assert!((minilm.occupation_vector_weight - 0.4).abs() < 1e-6);
    }

    #[test]
    fn only_a_posting_takes_support_from_its_body() {
        let tuning: Tuning = "posting_body_share=0.7".parse().unwrap();
        assert!((tuning.posting_share(true) - 0.7).abs() < 1e-6);
        assert_eq!(
            tuning.posting_share(false),
            0.0,
            "a title alone has no body"
        );
        let over: Tuning = "posting_body_share=3".parse().unwrap();
        assert_eq!(over.posting_share(true), 1.0);
    }
}
