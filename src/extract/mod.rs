//! Competency extraction from free text: which competencies a text is about,
//! with evidence spans and the reason for each.

mod best_first;
mod calibration;
mod label_index;
mod occupations;
mod phrases;
mod reading;
mod scope;
mod semantic;
mod skill_labels;
mod skills;
mod spans;
mod sparse;
mod terms;
mod title_neighbours;
mod tuning;
mod windows;

pub use calibration::{BadCalibration, Calibration, Curve};
pub use label_index::{LabelIndex, LabelMatch};
pub use occupations::LEARNT_CANDIDATES;
pub use phrases::{PhraseHit, PhraseMatcher};
pub use reading::Reading;
pub use scope::{Equivalents, Merged, OccupationAnswer, Scope};
pub use semantic::{ConceptSpace, ReleaseVectors, TextVectors};
pub use skills::has_body;
pub use tuning::{BadTuning, Tuning};

use crate::domain::EvidenceSpan;
use crate::embed::FusionParts;

use occupations::OccupationIndex;
use reading::TitleReader;
use skills::SkillIndex;

use crate::taxonomy::{CompetencyIdx, Taxonomy};

/// How extraction ranks, in words, for reports such as EVALUATION.md.
pub const METHOD: &str = "\
Lexical hybrid with a vector score and taxonomy propagation; CPU only, no model download \
with the default embedder.

- Terms: lower-cased, accent-folded tokens (`C++`, `C#` kept whole) with a plural-only stemmer.
- Label index: an in-memory inverted index with one document per distinct label \
(preferred, alternative, hidden) of every skill (~120k) and every occupation; \
Okapi BM25 (k1 1.2, b 0.75, Lucene idf) and idf coverage (share of a label's idf mass present).
- Occupations: three lexical kinds of support, each scaled to the best occupation, and a \
vector score, fused (weights 1 / d / 0.6 / v, d = 0.9 and v = 4 for a title or sentence and 1 for a \
posting with the default embedder, d = 0.6 and v = 0.4 with the others): (a) the first line (the title) split into segments at `/ , ; & - and or` \
(parentheses dropped), each segment BM25-matched against every occupation label, \
later segments ×0.9, best label per occupation; ESCO labels plus O*NET 29.3 titles \
linked through the ESCO–O*NET crosswalk when the data folder holds them; \
(b) BM25 of the whole text against one document per occupation (labels + description); \
(c) for texts with a body, the longest occupation label found verbatim; \
(d) the cosine of the title line's vector with each occupation's vector (its preferred \
label, embedded once at import), mapped linearly from [0.2, 1] to [0, 1], for the \
candidates of (a)-(c) plus the 20 nearest by cosine. With the default embedder a posting \
(a text with a body) takes three quarters of its title line's support from the whole \
posting: (a) weighs 0.25 and the cosines of (d) are 0.25 × the title line's vector's plus \
0.75 × the whole posting's vector's. With the default embedder, the occupations InferOccupations \
returns for a title or a sentence also weigh (e) a prior: ln(1 + n) / ln(1 + the largest n), \
n the number of distinct vacancy titles of titles.csv and hahu_dev that name the occupation \
(`assets/static-skills/occupation_prior.tsv`, written by `scripts/train-embedder`), with \
weight 5 × (1 − how far the text names an occupation by its preferred label), so a title \
that is an occupation's preferred label is ranked without it, while one that is only an \
alternative label is not; and (f) title votes: for each word and adjacent word pair of the \
title used by two or more of those vacancy titles, its idf times the share of them naming each \
occupation over their number plus 5, summed and scaled to the best-voted occupation \
(`assets/static-skills/title_votes.tsv`, from the same script), with weight 3 × the prior's \
gate, and 0 for a title that is exactly one of the labels, of any kind, of an occupation of \
the taxonomy the votes name (ESCO); the votes \
also add their occupations as candidates. Score in [0, 1]: the fused score over the weights' sum. \
With the default embedder, a title's or sentence's InferOccupations answers are then ranked by \
(g) a learnt fusion: a linear model over the linear fusion, the scaled parts of (a), (b), (d), the \
title match, the gated prior and votes, the prior without its gate (0 for a title that is exactly \
a preferred label) and squares of the vector, vote, prior and title parts and the cube of the \
title match, and (h) the title's nearest training vacancy titles: of the 20 with the highest \
cosine between their vectors (`assets/static-skills/title_neighbours.tsv`, from \
`scripts/train-embedder`; cosines above 0.7 exact, the others int8 estimates) and the title \
line's, each weighing exp((cosine − 1) / 0.05), the share of that weight naming the occupation, \
its square and their best cosine, those occupations joining the candidates; and whether the \
whole title is one of the occupation's labels; with 16 hidden tanh units over the same features \
beside the linear model; fitted listwise by `scripts/train-title-fusion` on \
features the engine wrote for held-out titles.csv folds \
(`assets/static-skills/title_fusion.tsv`), over the title's first 100 candidates by the linear \
fusion, as it was fitted (the others are not answers); the score is the occupation's softmax share \
among them. A title that is exactly an occupation's preferred label is ranked by the \
linear fusion and scored on the same scale: 0.82 for that occupation (the share of such \
held-out vacancy titles that named it), the rest split among the other candidates in \
proportion to their fused scores. A posting's InferOccupations answers are scored by their \
softmax shares of the fused scores at temperature 0.08 (the temperature of (3) below). An \
answer that carries crosswalk equivalents (ESCO and O*NET served together) adds their shares \
to its own, each split among every answer linked to it in proportion to their own shares; \
answers keep the order of their own shares, whatever `top_k`. \
Skill extraction ranks a sentence's or a posting's occupations without the prior, the votes, \
the neighbours and the learnt fusion, and reads the fused scores; a text read as a job title \
lends the essential skills of its first InferOccupations answers, the softmax of (3) below \
running over their shares.
- Skills: (1) text evidence: whole labels as phrases (1.0 preferred / 0.9 alternative / 0.8 hidden) \
and labels with ≥ 40 % of their idf mass inside one sentence (0.7 × coverage); \
(2) taxonomy links, for texts without a body (a sentence, a title): the broader, narrower and \
related skills of each skill with text evidence get 0.3 × its text evidence (reasons broader / \
narrower / related); \
(3) occupation evidence: essential skills of the top 3 occupations (20 with the other \
embedders), weighted by a softmax (temperature 0.08) over occupation scores, times a \
confidence: 1 for a posting with a body or a text read as a job title (one line the caller \
marks `TEXT_KIND_JOB_TITLE` or, unmarked, one of at most 8 words without a pronoun, an auxiliary \
verb or `with`, not one competency label, and with a segment's head (its last word, or the word before \
`of`, `to`, `for`, `at`, `in`) that ends at least two more of the taxonomy's occupation labels than \
its competency labels, or else a training vacancy title of the embedder whose vector has a cosine \
above 0.9 with its own), else (title match)³ ((title match)² with the other \
embedders) where title match = label idf coverage × title idf coverage; \
(4) vector score, for texts without a body (a sentence, a title): the cosine of the text's \
vector with each skill's vector (its preferred label, embedded once at import), or, where \
higher, the cosine of the skill's vector with the closest phrase window of the text that \
shares a word with one of the skill's labels (windows: 2 to 7 consecutive words with no \
punctuation between them and no function word such as `and`, `the` at either end; shared \
words: those used by at most 1 in 50 of the taxonomy's labels; the first 1,024 windows \
of a text), mapped \
linearly from [floor, 1] to [0, 1]; candidates are the skills with evidence (1)-(3) plus \
the 50 nearest by cosine (reason `semantic match` for those only the cosine found). \
Skill score = (0.5 × text + 1.0 × occupation + w × vector) / (1.5 + w), in [0, 1]; \
w = 0.75 and floor 0.3 with the default embedder (a static token table of 128-dimensional \
rows for 15,528 WordPiece tokens, idf-weighted sum, started from all-MiniLM-L6-v2's output \
embedding of each token and trained contrastively on ESCO, O*NET and the dev files by \
`scripts/train-embedder`; model card in `assets/static-skills/`), w = 0.75 and floor 0.55 \
with the untrained MiniLM table (`static-minilm`), w = 1.5 and floor 0.45 with \
all-MiniLM-L6-v2; postings (with a body) get w = 0. With the default embedder and its weights the score is then calibrated: a non-decreasing map fitted on held-out dev folds (isotonic regression, `assets/calibration/`, `scripts/fit-calibration`) turns it into the share of skills at that score that were in the gold set on unseen items, one curve for texts without a body and one for postings, applied after ranking (see Score calibration).
- Every result carries evidence spans (character offsets) and a reason; propagated skills \
carry the spans that evidence their occupation; semantic matches the phrase window closest to the skill where one came closer than the whole text, else the sentence closest to it.
- Fusion weights (struct `Tuning`): the vector weights, the posting body share, the title \
match power, the number of propagated occupations, the prior and title vote weights and the occupation document \
weight of the default embedder were chosen on held-out folds (see Trained default embedder); the others were tuned \
by hand on the dev files only (see Embedders and tuning).";

/// Default number of competencies returned.
pub const DEFAULT_TOP_K: usize = 20;
/// Default minimum score. With the default embedder scores are calibrated
/// probabilities, so 0.1 drops competencies less than 10 % likely; on
/// held-out dev folds (EVALUATION.md, "Score calibration") it kept skills of
/// sentences at precision 0.28 / recall 0.41 and of postings at precision
/// 0.64 / recall 0.50 (top 20). With other embedders scores are raw: a whole
/// label in a sentence scores at least 0.18 there.
pub const DEFAULT_MIN_SCORE: f64 = 0.1;

/// Why a competency was extracted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// The text contains its preferred label.
    PreferredLabel,
    /// The text contains one of its alternative labels.
    AltLabel,
    /// The text contains one of its hidden labels (a variant spelling).
    HiddenLabel,
    /// The text is semantically close to the concept (vector similarity).
    Semantic,
    /// Inferred from an occupation the text names or describes.
    Occupation,
    /// A broader concept of one evidenced in the text.
    Broader,
    /// A narrower concept of one evidenced in the text.
    Narrower,
    /// Related to a concept evidenced in the text.
    Related,
}

/// One extracted competency.
#[derive(Debug, Clone, PartialEq)]
pub struct Extraction {
    /// The competency.
    pub competency: CompetencyIdx,
    /// Confidence in [0, 1]: `(0.5 × text + 1.0 × occupation + w × vector) /
    /// (1.5 + w)`, where text is 1 / 0.9 / 0.8 for a whole preferred /
    /// alternative / hidden label in the text, 0.7 × coverage for most of a
    /// label inside one sentence, or (texts without a body) 0.3 × that of a
    /// broader, narrower or related skill; occupation is the softmax share of the text's inferred
    /// occupations that list it as essential, times the confidence in them;
    /// vector is the cosine of text and skill rescaled from [floor, 1] to
    /// [0, 1], with w > 0 only for texts without a body (see [`Tuning`]).
    /// Then, when the extractor has a [`Calibration`] (the default embedder
    /// with its weights), the probability observed at that raw score.
    pub score: f64,
    /// Where the text evidences it.
    pub evidence: Vec<EvidenceSpan>,
    /// The strongest reason.
    pub reason: Reason,
    /// Competencies of other taxonomies that are the same competency (same
    /// normalised label) and were found too: one answer, several URIs.
    pub equivalents: Vec<CompetencyIdx>,
}

/// Extraction parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExtractOptions {
    /// Maximum results.
    pub top_k: usize,
    /// Minimum score.
    pub min_score: f64,
    /// What the text is, where the caller knows it.
    pub kind: TextKind,
}

impl Default for ExtractOptions {
    fn default() -> Self {
        Self {
            top_k: DEFAULT_TOP_K,
            min_score: DEFAULT_MIN_SCORE,
            kind: TextKind::Inferred,
        }
    }
}

/// What a caller says a text is. A posting is read from its layout (a body
/// after the first line) whatever the kind; a one-line text is a job title
/// or a sentence, and a sentence's occupations are trusted only as far as
/// it names them whole (a sentence rarely asks for its occupation's every
/// skill), so a title read as a sentence that names its occupation in part
/// (`Registered Nurse`) lent its occupations' essential skills almost
/// nothing (EVALUATION.md, "Job titles"). See [`Reading`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextKind {
    /// Not said: a one-line text is read as a job title when its words
    /// name a role or a training vacancy title is very close to it
    /// (`extract/reading.rs`), else as a sentence.
    #[default]
    Inferred,
    /// A job title: its occupations lend their essential competencies in
    /// full, as a posting's do.
    JobTitle,
    /// Not a job title (a sentence, a competency's or a credential's name,
    /// a CV): a one-line text is read as a sentence.
    Sentence,
}

/// One occupation inferred from a text.
#[derive(Debug, Clone, PartialEq)]
pub struct OccupationMatch {
    /// Index into [`Taxonomy::occupations`].
    pub occupation: usize,
    /// Confidence in [0, 1].
    pub score: f64,
    /// Where the text evidences it.
    pub evidence: Vec<EvidenceSpan>,
    /// The strongest reason.
    pub reason: Reason,
    /// Occupations of other taxonomies linked to this one by a crosswalk
    /// that were found too (indexes into [`Taxonomy::occupations`]): one
    /// answer, several URIs.
    pub equivalents: Vec<usize>,
}

/// A text's competencies and how the text was read to find them.
#[derive(Debug, Clone)]
pub struct Extracted {
    /// How the text was read: a posting, a job title or a sentence.
    pub reading: Reading,
    /// Its competencies, best first.
    pub competencies: Vec<Extraction>,
}

/// Extracts competencies and occupations of one taxonomy from text.
#[derive(Debug)]
pub struct Extractor {
    skills: SkillIndex,
    occupations: OccupationIndex,
    space: Option<ConceptSpace>,
    tuning: Tuning,
    equivalents: Equivalents,
    calibration: Option<Calibration>,
    titles: TitleReader,
}

/// A one-line text as the extractor's taxonomy and embedder see it.
struct Line<'a> {
    extractor: &'a Extractor,
    vectors: &'a TextEmbeddings,
}

impl reading::LineFacts for Line<'_> {
    fn names_a_competency(&self, all: &[terms::TextTerm]) -> bool {
        self.extractor.skills.is_one_label(all)
    }

    fn near_a_vacancy_title(&self) -> bool {
        self.extractor
            .space
            .as_ref()
            .and_then(|space| self.vectors.title_neighbour_cosines(space))
            .is_some_and(|cosines| {
                title_neighbours::any_above(cosines, reading::NEAR_A_VACANCY_TITLE)
            })
    }
}

/// What a text's occupations are ranked for.
#[derive(Debug, Clone, Copy)]
enum Wanted {
    /// InferOccupations' answers, at most this many: the embedder's
    /// occupation prior weighs them (a title or a sentence).
    Answers(usize),
    /// The occupations that lend their essential skills, at most this
    /// many: ranked by the text's evidence alone (with the prior, held-out
    /// HOUSE RP@5 fell from 0.573 to 0.558; EVALUATION.md, "Propagated
    /// occupations and the occupation prior").
    SkillSources(usize),
}

impl Wanted {
    /// The occupations that lend their essential skills to a text read as
    /// `reading`, at most `limit`: a job title's are its InferOccupations
    /// answers, which the learnt title fusion ranks (held-out title2skill
    /// R-precision 0.459 -> 0.533; EVALUATION.md, "A job title's skills from
    /// its InferOccupations answers"); a sentence's and a posting's are
    /// ranked by their evidence alone.
    fn skill_sources(reading: Reading, limit: usize) -> Self {
        match reading {
            Reading::JobTitle => Self::Answers(limit),
            Reading::Sentence | Reading::Posting => Self::SkillSources(limit),
        }
    }
}

/// How many occupations skill extraction considers at most (the tuning's
/// `propagated_occupations` lend their essential skills).
const OCCUPATIONS_FOR_SKILLS: usize = 50;

impl Extractor {
    /// Builds the extractor's indexes over the taxonomy's labels, with the tuned weights.
    pub fn new(taxonomy: &Taxonomy) -> Self {
        Self::with_tuning(taxonomy, Tuning::default())
    }

    /// Builds the extractor with other fusion weights.
    pub fn with_tuning(taxonomy: &Taxonomy, tuning: Tuning) -> Self {
        Self::with_occupation_titles(taxonomy, tuning, &[])
    }

    /// Builds the extractor with extra job titles per occupation (index
    /// order of [`Taxonomy::occupations`]), such as O*NET titles linked
    /// through the ESCO–O*NET crosswalk; they count as alternative labels.
    pub fn with_occupation_titles(
        taxonomy: &Taxonomy,
        tuning: Tuning,
        extra_titles: &[Vec<String>],
    ) -> Self {
        Self {
            skills: SkillIndex::new(taxonomy),
            occupations: OccupationIndex::new(taxonomy, extra_titles),
            space: None,
            tuning,
            equivalents: Equivalents::new(taxonomy),
            calibration: None,
            titles: TitleReader::new(taxonomy),
        }
    }

    /// The extractor `serve` runs on a loaded taxonomy: the weights of the
    /// embedder (or `tuning` where given), the titles of crosswalk-linked occupations as extra labels
    /// of each occupation (O*NET's alternate and reported titles then help
    /// recognise the ESCO occupation, and the reverse), and the vector score
    /// over the releases' concept vectors.
    pub fn served(
        taxonomy: &Taxonomy,
        embedder: std::sync::Arc<dyn crate::embed::Embedder>,
        releases: &[ReleaseVectors],
        tuning: Option<Tuning>,
    ) -> Self {
        Self::with_occupation_titles(
            taxonomy,
            tuning.unwrap_or_else(|| Tuning::for_embedder(embedder.id())),
            &linked_occupation_titles(taxonomy),
        )
        .with_space(ConceptSpace::assemble(embedder, taxonomy, releases))
    }

    /// Adds the vector score: the concept vectors of the taxonomy (built for
    /// the same taxonomy) and the embedder that made them.
    /// Skill scores become calibrated probabilities ([`Calibration`]) when
    /// the embedder is the one the shipped calibration was fitted for and
    /// the weights are its default ones.
    pub fn with_space(mut self, space: ConceptSpace) -> Self {
        let shipped = Calibration::shipped();
        if space.embedder_id() == shipped.embedder && self.tuning == Tuning::default() {
            self.calibration = Some(shipped.clone());
        }
        self.space = Some(space);
        self
    }

    /// Reports the raw fused skill scores, uncalibrated (to fit a calibration).
    pub fn without_calibration(mut self) -> Self {
        self.calibration = None;
        self
    }

    /// The calibration applied to skill scores, if any.
    pub fn calibration(&self) -> Option<&Calibration> {
        self.calibration.as_ref()
    }

    /// The concept vectors, when the vector score is on.
    pub fn space(&self) -> Option<&ConceptSpace> {
        self.space.as_ref()
    }

    /// Occupations the text names or describes, best first, at most `top_k`.
    /// The first line with content is read as a job title; the rest as a posting body.
    pub fn infer_occupations(&self, text: &str, top_k: usize) -> Vec<OccupationMatch> {
        self.infer_occupations_in(text, top_k, &Scope::all())
    }

    /// [`Self::infer_occupations`] answering in `scope` only; crosswalk
    /// equivalents are merged into one answer.
    pub fn infer_occupations_in(
        &self,
        text: &str,
        top_k: usize,
        scope: &Scope,
    ) -> Vec<OccupationMatch> {
        self.answers(text, top_k, scope)
            .into_iter()
            .map(|o| OccupationMatch {
                occupation: o.occupation,
                score: f64::from(o.score),
                evidence: o.evidence,
                reason: o.reason,
                equivalents: o.equivalents,
            })
            .collect()
    }

    /// [`Self::infer_occupations`]' answers with what each one's score was
    /// fused from: the inputs of a learnt title fusion
    /// (`scripts/train-title-fusion` reads them from `skillmatch eval
    /// --occupation-features-out`).
    pub fn occupation_parts(&self, text: &str, top_k: usize) -> Vec<(usize, FusionParts)> {
        self.answers(text, top_k, &Scope::all())
            .into_iter()
            .map(|o| (o.occupation, o.parts))
            .collect()
    }

    /// InferOccupations' ranked answers in `scope`, at most `top_k`, each
    /// with its crosswalk equivalents.
    fn answers(
        &self,
        text: &str,
        top_k: usize,
        scope: &Scope,
    ) -> Vec<occupations::RankedOccupation> {
        let all = terms::terms(text);
        if names_nothing(&all) {
            return Vec::new();
        }
        let vectors = self.text_vectors(text, &all, false);
        self.answer_occupations(text, &all, &vectors, Wanted::Answers(top_k), scope)
    }

    /// The ranked occupations in scope, crosswalk equivalents merged, as
    /// many as `wanted` says; `all` holds the terms of `text`, `vectors` its
    /// vectors ([`Self::text_vectors`]).
    fn answer_occupations(
        &self,
        text: &str,
        all: &[terms::TextTerm],
        vectors: &TextEmbeddings,
        wanted: Wanted,
        scope: &Scope,
    ) -> Vec<occupations::RankedOccupation> {
        let share = self.occupation_share(text, all);
        let cosines = self.occupation_cosines(vectors, share, scope);
        let (top_k, learnt) = match wanted {
            Wanted::Answers(top_k) => {
                let space = self.space.as_ref();
                let learnt = occupations::Learnt {
                    cosines: cosines.as_ref(),
                    prior: space.and_then(|s| s.occupation_prior()),
                    votes: space.and_then(|s| s.title_votes()),
                    fusion: space.and_then(|s| s.title_fusion()),
                    neighbours: space
                        .and_then(|s| s.title_neighbours().zip(vectors.title_neighbour_cosines(s))),
                    posting_temperature: Some(self.tuning.occupation_temperature),
                };
                (top_k, learnt)
            }
            Wanted::SkillSources(top_k) => (
                top_k,
                occupations::Learnt {
                    cosines: cosines.as_ref(),
                    ..occupations::Learnt::default()
                },
            ),
        };
        self.occupations.rank_selected(
            text,
            all,
            learnt,
            &self.tuning,
            scope,
            |ranked, outside, share| {
                self.equivalents
                    .occupations(ranked, outside, scope, top_k, share)
            },
        )
    }

    /// The vectors an extraction of `text` reads, each computed once and
    /// only when a score weighs it: the title line's for the occupation
    /// vector score and the embedder's nearest vacancy titles (read as a
    /// title, learnt title fusion), and the whole text's for the occupation
    /// cosines of a posting (its body share above 0) and, with
    /// `for_skills`, for the competencies' vector score.
    fn text_vectors(
        &self,
        text: &str,
        all: &[terms::TextTerm],
        for_skills: bool,
    ) -> TextEmbeddings {
        let Some(space) = &self.space else {
            return TextEmbeddings::default();
        };
        let title_weight = self
            .tuning
            .occupation_vector_weight_for(skills::has_body(text));
        let title = Some(title_weight)
            .filter(|&w| w > 0.0 || space.title_neighbours().is_some())
            .and_then(|_| space.embedder().embed(&text[..spans::title_end(text)]));
        let for_occupations = title.is_some() && self.occupation_share(text, all) > 0.0;
        let for_skills =
            for_skills && self.tuning.semantic_weight_for(skills::has_body(text)) > 0.0;
        let whole = match &title {
            _ if !for_occupations && !for_skills => None,
            // The title line is the whole text: its vector is the text's.
            Some(title) if spans::title_end(text) == text.len() => Some(title.clone()),
            _ => space.embedder().embed(text),
        };
        TextEmbeddings {
            title,
            whole,
            title_neighbours: std::cell::OnceCell::new(),
        }
    }

    /// The whole text's part in the occupation cosines: the posting body
    /// share for a text with a body, else 0.
    fn occupation_share(&self, text: &str, all: &[terms::TextTerm]) -> f32 {
        let has_body = occupations::title_terms(text, all) < all.len();
        self.tuning.posting_share(has_body)
    }

    /// Cosines of the title line's vector with every occupation in scope (-1
    /// for the others), mixed with those of the whole text's vector when
    /// `share` (the whole text's part) is above 0.
    fn occupation_cosines(
        &self,
        vectors: &TextEmbeddings,
        share: f32,
        scope: &Scope,
    ) -> Option<ndarray::Array1<f32>> {
        let space = self.space.as_ref()?;
        let mut cosines = space.occupation_cosines_of(vectors.title.as_ref()?);
        if let Some(whole) = vectors.whole.as_ref().filter(|_| share > 0.0) {
            cosines *= 1.0 - share;
            cosines.scaled_add(share, &space.occupation_cosines_of(whole));
        }
        scope.mask_occupations(&mut cosines);
        Some(cosines)
    }

    /// How many of a text's best occupations skill extraction reads: those
    /// that lend their essential skills.
    fn occupations_for_skills(&self) -> usize {
        self.tuning
            .propagated_occupations
            .min(OCCUPATIONS_FOR_SKILLS)
    }

    /// Ranked competencies of the text, best first; scores calibrated when
    /// the extractor has a [`Calibration`].
    pub fn extract(&self, text: &str, options: &ExtractOptions) -> Vec<Extraction> {
        self.extract_in(text, options, &Scope::all()).competencies
    }

    /// [`Extractor::extract`] with the raw fused scores, never calibrated
    /// (for thresholds set on that scale).
    pub fn extract_raw(&self, text: &str, options: &ExtractOptions) -> Vec<Extraction> {
        self.extract_scored(text, options, &Scope::all(), None, Phrases::Windows)
            .competencies
    }

    /// Competencies for a text that is itself one competency's name (a
    /// published competency name), with raw scores: the name's vector is
    /// read whole. Phrase windows find a competency named inside a longer
    /// sentence; a name is that phrase already, and its windows match the
    /// labels that share a word or two with it (`testing methods` of
    /// "Analyze health data using appropriate testing methods" would read
    /// as *electrical testing methods*; EVALUATION.md, "Phrase windows").
    pub fn extract_name_raw(&self, name: &str, options: &ExtractOptions) -> Vec<Extraction> {
        self.extract_scored(name, options, &Scope::all(), None, Phrases::Whole)
            .competencies
    }

    /// [`Self::extract`] answering in `scope` only: only occupations in
    /// scope lend their essential skills, only competencies in scope are
    /// candidates, and competencies of the same label in several
    /// taxonomies are one answer; with how the text was read.
    pub fn extract_in(&self, text: &str, options: &ExtractOptions, scope: &Scope) -> Extracted {
        self.extract_scored(
            text,
            options,
            scope,
            self.calibration.as_ref(),
            Phrases::Windows,
        )
    }

    /// How `text` (its terms `all`, its vectors `vectors`) is read as `kind`.
    fn read(
        &self,
        text: &str,
        all: &[terms::TextTerm],
        kind: TextKind,
        vectors: &TextEmbeddings,
    ) -> Reading {
        let line = Line {
            extractor: self,
            vectors,
        };
        self.titles.read(text, all, kind, &line)
    }

    fn extract_scored(
        &self,
        text: &str,
        options: &ExtractOptions,
        scope: &Scope,
        calibration: Option<&Calibration>,
        phrases: Phrases,
    ) -> Extracted {
        let all = terms::terms(text);
        if names_nothing(&all) {
            return Extracted {
                reading: self.read(text, &all, options.kind, &TextEmbeddings::default()),
                competencies: Vec::new(),
            };
        }
        let embeddings = self.text_vectors(text, &all, true);
        let reading = self.read(text, &all, options.kind, &embeddings);
        let occupations = self.answer_occupations(
            text,
            &all,
            &embeddings,
            Wanted::skill_sources(reading, self.occupations_for_skills()),
            scope,
        );
        let has_body = reading.has_body();
        let vectors = self
            .space
            .as_ref()
            .filter(|_| self.tuning.semantic_weight_for(has_body) > 0.0)
            .zip(embeddings.whole.as_ref())
            .map(|(space, whole)| {
                let floor = occupations::vector_floor(self.tuning.semantic_floor);
                let mut vectors = space.score_of(whole, floor);
                if !has_body && phrases == Phrases::Windows {
                    self.raise_to_windows(space, text, &all, &mut vectors);
                }
                vectors
            })
            .map(|mut vectors| {
                scope.mask_competencies(&mut vectors.skills);
                vectors
            });
        let calibrate = |score: f64| calibration.map_or(score, |c| c.apply(score, reading));
        // Ranked by raw score; the calibration never decreases, so it keeps the order.
        let ranked = self.skills.rank(
            text,
            &all,
            &occupations,
            vectors.as_ref(),
            &self.tuning,
            reading,
        );
        let ids: Vec<CompetencyIdx> = ranked.iter().map(|s| s.competency).collect();
        let mut slots: Vec<Option<skills::RankedSkill>> = ranked.into_iter().map(Some).collect();
        let mut found: Vec<Extraction> = self
            .equivalents
            .competencies(&ids, scope)
            .into_iter()
            .filter_map(|m| Some((slots.get_mut(m.at)?.take()?, m.equivalents)))
            .map(|(s, equivalents)| (calibrate(f64::from(s.score)), s, equivalents))
            .filter(|(score, s, _)| {
                *score >= options.min_score
                    && (!s.evidence.is_empty(&occupations) || s.reason == Reason::Semantic)
            })
            .take(options.top_k)
            .map(|(score, s, equivalents)| Extraction {
                competency: s.competency,
                score,
                evidence: self.skills.evidence(text, &all, &occupations, s.evidence),
                reason: s.reason,
                equivalents,
            })
            .collect();
        let closest_window = |competency: CompetencyIdx| {
            let window = vectors.as_ref()?.closest_window(competency)?;
            Some(spans::span_of(
                text,
                &all[window.start],
                &all[window.end - 1],
            ))
        };
        self.add_semantic_evidence(text, &mut found, closest_window);
        Extracted {
            reading,
            competencies: found,
        }
    }

    /// Raises each competency's cosine to its cosine with the closest phrase
    /// window of the text (2 to `window_terms` words) among the windows
    /// that share a word with one of its labels.
    fn raise_to_windows(
        &self,
        space: &ConceptSpace,
        text: &str,
        all: &[terms::TextTerm],
        vectors: &mut TextVectors,
    ) {
        if self.tuning.window_terms < 2 {
            return;
        }
        let runs = windows::phrase_windows(text, all, 2, self.tuning.window_terms);
        // Windows come in the order they end: the last ends furthest.
        let covered = runs.last().map_or(0, |w| w.end);
        let content = |t: &terms::TextTerm| !windows::is_function_word(&t.token.norm);
        let by_term = self.skills.competencies_by_term(&all[..covered], content);
        // The last window that scored each competency, so a window scores
        // a competency once however many of its words, or labels, it shares.
        let mut scored_by: Vec<u32> = vec![u32::MAX; vectors.skills.len()];
        let mut candidates: Vec<usize> = Vec::new();
        for (number, range) in (0u32..).zip(runs) {
            let (begin, end) = (all[range.start].token.start, all[range.end - 1].token.end);
            let Some(window) = space.embedder().embed(&text[begin..end]) else {
                continue;
            };
            candidates.clear();
            for &competency in by_term[range.clone()].iter().flatten() {
                let at = competency.0 as usize;
                if std::mem::replace(&mut scored_by[at], number) != number {
                    candidates.push(at);
                }
            }
            for (&at, cosine) in candidates
                .iter()
                .zip(space.competency_cosines(&window, &candidates))
            {
                if cosine > vectors.skills[at] {
                    vectors.skills[at] = cosine;
                    let competency = CompetencyIdx(u32::try_from(at).expect("a competency index"));
                    vectors.raised_by.push((competency, range.clone()));
                }
            }
        }
    }

    /// Gives each competency that only the vector score found evidence: the
    /// phrase window that came closest to it (`closest_window`), else the
    /// sentence closest to it.
    fn add_semantic_evidence(
        &self,
        text: &str,
        found: &mut [Extraction],
        closest_window: impl Fn(CompetencyIdx) -> Option<EvidenceSpan>,
    ) {
        let Some(space) = &self.space else { return };
        for extraction in found.iter_mut().filter(|e| e.evidence.is_empty()) {
            extraction
                .evidence
                .extend(closest_window(extraction.competency));
        }
        let missing: Vec<usize> = (0..found.len())
            .filter(|&i| found[i].evidence.is_empty())
            .collect();
        if missing.is_empty() {
            return;
        }
        let competencies: Vec<CompetencyIdx> =
            missing.iter().map(|&i| found[i].competency).collect();
        for (i, span) in missing.into_iter().zip(space.evidence(text, &competencies)) {
            found[i].evidence.push(span);
        }
    }
}

/// Which vectors of a text without a body score competencies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phrases {
    /// The whole text's and its phrase windows' (the tuning's `window_terms`).
    Windows,
    /// The whole text's alone.
    Whole,
}

/// The vectors of one text an extraction reads ([`Extractor::text_vectors`]).
#[derive(Debug, Default)]
struct TextEmbeddings {
    /// The title line's vector.
    title: Option<crate::embed::Embedding>,
    /// The whole text's vector.
    whole: Option<crate::embed::Embedding>,
    /// The title line's cosines with the embedder's training vacancy
    /// titles, screened when first read: the reading of a title-shaped line
    /// and its ranking read the same cosines.
    title_neighbours: std::cell::OnceCell<Option<ndarray::Array1<f32>>>,
}

impl TextEmbeddings {
    /// The title line's cosines with `space`'s training vacancy titles
    /// ([`title_neighbours::cosines`]); `None` without those titles or a
    /// title vector.
    fn title_neighbour_cosines(&self, space: &ConceptSpace) -> Option<&ndarray::Array1<f32>> {
        self.title_neighbours
            .get_or_init(|| {
                let neighbours = space.title_neighbours()?;
                Some(title_neighbours::cosines(neighbours, self.title.as_ref()?))
            })
            .as_ref()
    }
}

/// Whether a text has no word (only punctuation, symbols or space): such a
/// text names no occupation and no competency, whatever vector an embedder
/// gives its symbols.
fn names_nothing(all: &[terms::TextTerm]) -> bool {
    all.is_empty()
}

/// For each occupation, the titles of the occupations linked to it from
/// another taxonomy (the ESCO<->O*NET crosswalk).
fn linked_occupation_titles(taxonomy: &Taxonomy) -> Vec<Vec<String>> {
    taxonomy
        .occupations()
        .iter()
        .map(|occupation| {
            occupation
                .linked
                .iter()
                .filter_map(|uri| taxonomy.occupation(uri))
                .flat_map(|linked| {
                    std::iter::once(&linked.preferred_label).chain(&linked.alt_labels)
                })
                .cloned()
                .collect()
        })
        .collect()
}

/// How `extractor` reads `text` sent without a kind: the reading its
/// extraction returns.
#[cfg(test)]
fn read_as(extractor: &Extractor, text: &str) -> Reading {
    extractor
        .extract_in(text, &ExtractOptions::default(), &Scope::all())
        .reading
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Competency, Occupation, TaxonomyVersion};

    fn competency(uri: &str, label: &str, alt: &[&str]) -> Competency {
        Competency {
            alt_labels: alt.iter().map(|a| (*a).to_owned()).collect(),
            ..Competency::skill(uri, label)
        }
    }

    fn extractor() -> (Taxonomy, Extractor) {
        let competencies = vec![
            competency("s:excel", "use spreadsheets software", &["Excel"]),
            competency("s:clean", "perform data cleansing", &["data cleaning"]),
            competency("s:care", "provide patient care", &[]),
        ];
        let occupations = vec![Occupation {
            uri: "o:nurse".into(),
            preferred_label: "registered nurse".into(),
            alt_labels: vec!["staff nurse".into()],
            description: "Cares for patients on a ward.".into(),
            essential: vec!["s:care".into()],
            ..Occupation::default()
        }];
        let version = TaxonomyVersion::sample();
        let taxonomy = Taxonomy::build(version, competencies, occupations).unwrap();
        let extractor = Extractor::new(&taxonomy);
        (taxonomy, extractor)
    }

    fn check(text: &str, expected: &[(&str, Reason, &str)]) {
        let (taxonomy, extractor) = extractor();
        let found = extractor.extract(text, &ExtractOptions::default());
        let got: Vec<(&str, Reason, &str)> = found
            .iter()
            .map(|e| {
                (
                    taxonomy.get(e.competency).uri.as_str(),
                    e.reason,
                    e.evidence[0].text.as_str(),
                )
            })
            .collect();
        assert_eq!(got, expected, "{text}");
        for e in &found {
            assert!((0.0..=1.0).contains(&e.score));
            for span in &e.evidence {
                let chars: String = text
                    .chars()
                    .skip(span.start)
                    .take(span.end - span.start)
                    .collect();
                assert_eq!(chars, span.text);
            }
        }
    }

    #[test]
    fn labels_in_text_are_found_with_spans_and_reasons() {
        check(
            "Strong Excel skills; data cleaning a plus.",
            &[
                ("s:excel", Reason::AltLabel, "Excel"),
                ("s:clean", Reason::AltLabel, "data cleaning"),
            ],
        );
        check(
            "Cleaning of data, daily",
            &[("s:clean", Reason::AltLabel, "Cleaning")],
        );
    }

    #[test]
    fn a_named_occupation_propagates_its_essential_skills() {
        check(
            "Staff Nurse (Band 5)\nJoin our ward team. Excel desirable.",
            &[
                ("s:care", Reason::Occupation, "Staff Nurse"),
                ("s:excel", Reason::AltLabel, "Excel"),
            ],
        );
        let (_, extractor) = extractor();
        let occupations = extractor.infer_occupations("Staff Nurse (Band 5)", 3);
        assert_eq!(occupations[0].occupation, 0);
        assert_eq!(occupations[0].reason, Reason::AltLabel);
        assert_eq!(occupations[0].evidence[0].text, "Staff Nurse");
    }

    #[test]
    fn a_job_title_lends_its_occupation_in_full_where_a_sentence_lends_little() {
        let (taxonomy, extractor) = extractor();
        let care = |kind: TextKind| {
            let options = ExtractOptions {
                min_score: 0.0,
                kind,
                ..ExtractOptions::default()
            };
            extractor
                .extract("Night Nurse Practitioner", &options)
                .into_iter()
                .find(|e| taxonomy.get(e.competency).uri == "s:care")
                .map(|e| (e.score, e.reason))
        };
        let (as_title, reason) = care(TextKind::JobTitle).expect("the title's occupation lends it");
        assert_eq!(reason, Reason::Occupation);
        let as_sentence = care(TextKind::Sentence).map_or(0.0, |(score, _)| score);
        assert!(as_title > 3.0 * as_sentence, "{as_title} vs {as_sentence}");
    }

    #[test]
    fn a_line_is_read_as_a_job_title_when_its_head_ends_occupation_labels() {
        let (taxonomy, extractor) = extractor();
        // `nurse` ends two occupation labels and no competency label.
        let read = |text: &str| read_as(&extractor, text);
        assert_eq!(read("Night Nurse"), Reading::JobTitle);
        assert_eq!(read("Night Nurse Practitioner"), Reading::Sentence);
        assert_eq!(read("We need a nurse"), Reading::Sentence);
        assert_eq!(read("Nurse\nJoin our ward team."), Reading::Posting);
        // Read as a title, its occupation lends its essential competency in full.
        let inferred = extractor.extract("Night Nurse", &ExtractOptions::default());
        let titled = extractor.extract(
            "Night Nurse",
            &ExtractOptions {
                kind: TextKind::JobTitle,
                ..ExtractOptions::default()
            },
        );
        assert_eq!(inferred, titled);
        assert!(
            inferred
                .iter()
                .any(|e| taxonomy.get(e.competency).uri == "s:care")
        );
    }
}

#[cfg(test)]
mod semantic_tests {
    use std::sync::Arc;

    use ndarray::Array2;

    use super::*;
    use crate::domain::{Competency, TaxonomyVersion};
    use crate::embed::{Embedder, EmbeddingMatrix};

    /// Two topics: medicines (dimension 0) and spreadsheets (dimension 1).
    #[derive(Debug)]
    struct TopicEmbedder;

    impl Embedder for TopicEmbedder {
        fn id(&self) -> &str {
            "topics-test"
        }
        fn dim(&self) -> usize {
            2
        }
        fn embed_batch(&self, texts: &[&str]) -> EmbeddingMatrix {
            let mut rows = Array2::zeros((texts.len(), 2));
            for (i, text) in texts.iter().enumerate() {
                let text = text.to_lowercase();
                // `*` stands for the punctuation a token table gives a
                // vector to.
                for word in ["drugs", "medication", "*"] {
                    rows[[i, 0]] += f32::from(u8::from(text.contains(word)));
                }
                for word in ["spreadsheet", "excel"] {
                    rows[[i, 1]] += f32::from(u8::from(text.contains(word)));
                }
            }
            EmbeddingMatrix::from_rows(rows)
        }
    }

    fn competency(uri: &str, label: &str, broader: &[&str]) -> Competency {
        Competency {
            broader: broader.iter().map(|b| (*b).to_owned()).collect(),
            ..Competency::skill(uri, label)
        }
    }

    fn setup() -> (Taxonomy, Extractor) {
        let taxonomy = Taxonomy::build(
            TaxonomyVersion::sample(),
            vec![
                competency("s:meds", "administer medication", &[]),
                competency("s:sheets", "use spreadsheets", &["s:office"]),
                competency("s:office", "use office software", &[]),
            ],
            Vec::new(),
        )
        .unwrap();
        let space = ConceptSpace::compute(Arc::new(TopicEmbedder), &taxonomy);
        let extractor = Extractor::new(&taxonomy).with_space(space);
        (taxonomy, extractor)
    }

    #[test]
    fn a_competency_named_in_other_words_is_a_semantic_match_with_its_sentence() {
        let (taxonomy, extractor) = setup();
        let found = extractor.extract("We dispense drugs on the ward", &ExtractOptions::default());
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(taxonomy.get(found[0].competency).uri, "s:meds");
        assert_eq!(found[0].reason, Reason::Semantic);
        assert_eq!(found[0].evidence[0].text, "We dispense drugs on the ward");
        assert!((0.0..=1.0).contains(&found[0].score));
    }

    /// One competency, and one occupation that needs it.
    fn medication_technician() -> Taxonomy {
        Taxonomy::build(
            TaxonomyVersion::sample(),
            vec![competency("s:meds", "administer medication", &[])],
            vec![crate::domain::Occupation {
                uri: "o:tech".into(),
                preferred_label: "medication technician".into(),
                essential: vec!["s:meds".into()],
                ..crate::domain::Occupation::default()
            }],
        )
        .unwrap()
    }

    #[test]
    fn a_text_without_a_word_names_nothing_whatever_its_vector() {
        let taxonomy = medication_technician();
        let extractor = extractor_with(&taxonomy, Tuning::default());
        let worded = extractor.infer_occupations("* medication *", 3);
        assert_eq!(worded.len(), 1, "the vector alone would answer");
        assert!(extractor.infer_occupations("* * *", 3).is_empty());
        assert!(extractor.extract("* * *", &EVERYTHING).is_empty());
    }

    /// The topic embedder with what an embedder can learn beside its
    /// vectors: vacancy titles' vectors, an occupation prior.
    #[derive(Debug, Default)]
    struct LearntTopicEmbedder {
        neighbours: Option<crate::embed::TitleNeighbours>,
        prior: Option<crate::embed::OccupationPrior>,
    }

    impl Embedder for LearntTopicEmbedder {
        fn id(&self) -> &str {
            "learnt-topics-test"
        }
        fn dim(&self) -> usize {
            2
        }
        fn embed_batch(&self, texts: &[&str]) -> EmbeddingMatrix {
            TopicEmbedder.embed_batch(texts)
        }
        fn title_neighbours(&self) -> Option<&crate::embed::TitleNeighbours> {
            self.neighbours.as_ref()
        }
        fn occupation_prior(&self) -> Option<&crate::embed::OccupationPrior> {
            self.prior.as_ref()
        }
    }

    #[test]
    fn a_title_shaped_line_close_to_a_vacancy_title_is_read_as_a_job_title() {
        let taxonomy = medication_technician();
        // One vacancy title, at the medicines topic ([127, 0] base64).
        let titles = "title-neighbours\t1\t2\noccupation\to:tech\ntitle\t0\t0.01\tfwA=";
        let neighbours = crate::embed::TitleNeighbours::parse(titles).unwrap();
        let embedder = LearntTopicEmbedder {
            neighbours: Some(neighbours),
            ..LearntTopicEmbedder::default()
        };
        let space = ConceptSpace::compute(Arc::new(embedder), &taxonomy);
        let extractor = Extractor::new(&taxonomy).with_space(space);
        let read = |text: &str| read_as(&extractor, text);
        // `technician` ends one occupation label only, so it is no role word.
        assert_eq!(read("Pharmacy Technician Medication"), Reading::JobTitle);
        assert_eq!(read("Excel Spreadsheet Clerk"), Reading::Sentence);
        assert_eq!(read("We give medication to patients."), Reading::Sentence);
        assert_eq!(read("administer medication"), Reading::Sentence);
        // Without vacancy titles the same line is a sentence.
        assert_eq!(
            read_as(
                &extractor_with(&taxonomy, Tuning::default()),
                "Pharmacy Technician Medication"
            ),
            Reading::Sentence
        );
    }

    #[test]
    fn a_job_titles_competencies_come_from_its_infer_occupations_answers() {
        // `pump aide` names both occupations in part, and the technician's
        // description too; vacancy titles name the aide far more often.
        let occupation = |uri: &str, label: &str, description: &str, essential: &str| {
            crate::domain::Occupation {
                uri: uri.into(),
                preferred_label: label.into(),
                description: description.into(),
                essential: vec![essential.into()],
                ..crate::domain::Occupation::default()
            }
        };
        let taxonomy = Taxonomy::build(
            TaxonomyVersion::sample(),
            vec![
                competency("s:pumps", "calibrate dosing equipment", &[]),
                competency("s:beds", "make beds", &[]),
            ],
            vec![
                occupation(
                    "o:technician",
                    "pump technician",
                    "Pump aide work.",
                    "s:pumps",
                ),
                occupation("o:aide", "nursing aide", "", "s:beds"),
            ],
        )
        .unwrap();
        let prior =
            crate::embed::OccupationPrior::parse("1000000\to:aide\n1\to:technician\n").unwrap();
        let embedder = LearntTopicEmbedder {
            prior: Some(prior),
            ..LearntTopicEmbedder::default()
        };
        let space = ConceptSpace::compute(Arc::new(embedder), &taxonomy);
        let extractor = Extractor::new(&taxonomy).with_space(space);
        let title = "pump aide";
        let answers = extractor.infer_occupations(title, 2);
        assert_eq!(taxonomy.occupations()[answers[0].occupation].uri, "o:aide");
        let score_of = |kind: TextKind, uri: &str| {
            let options = ExtractOptions { kind, ..EVERYTHING };
            extractor
                .extract_raw(title, &options)
                .into_iter()
                .find(|e| taxonomy.get(e.competency).uri == uri)
                .map(|e| e.score)
        };
        let (beds, pumps) = (
            score_of(TextKind::JobTitle, "s:beds").unwrap(),
            score_of(TextKind::JobTitle, "s:pumps").unwrap(),
        );
        assert!(beds > pumps, "the aide's competency first: {beds} {pumps}");
        // A sentence's occupations are ranked by its evidence alone.
        let (beds, pumps) = (
            score_of(TextKind::Sentence, "s:beds").unwrap_or(0.0),
            score_of(TextKind::Sentence, "s:pumps").unwrap_or(0.0),
        );
        assert!(
            pumps > beds,
            "the technician's competency first: {beds} {pumps}"
        );
    }

    /// Everything the extractor finds, scores raw or calibrated.
    const EVERYTHING: ExtractOptions = ExtractOptions {
        top_k: 10,
        min_score: 0.0,
        kind: TextKind::Inferred,
    };

    /// A sentence half about medicines (`give medication`, a window that
    /// shares a word with the label) and half about spreadsheets.
    const MIXED: &str = "We give medication and update the excel sheet";

    fn extractor_with(taxonomy: &Taxonomy, tuning: Tuning) -> Extractor {
        let space = ConceptSpace::compute(Arc::new(TopicEmbedder), taxonomy);
        Extractor::with_tuning(taxonomy, tuning).with_space(space)
    }

    fn medicines(taxonomy: &Taxonomy, found: Vec<Extraction>) -> Option<Extraction> {
        found
            .into_iter()
            .find(|e| taxonomy.get(e.competency).uri == "s:meds")
    }

    #[test]
    fn a_competency_is_scored_by_the_closest_phrase_of_a_sentence() {
        let (taxonomy, _) = setup();
        let raw_score = |window_terms: usize, text: &str| {
            let tuning = Tuning {
                window_terms,
                ..Tuning::default()
            };
            let found = extractor_with(&taxonomy, tuning).extract_raw(text, &EVERYTHING);
            medicines(&taxonomy, found).map(|e| e.score)
        };
        let alone = raw_score(7, "give medication").unwrap();
        assert_eq!(raw_score(7, MIXED), Some(alone));
        assert!(raw_score(0, MIXED).unwrap() < alone - 0.01);
        // A window must share a word with one of the competency's labels.
        let unshared = "We dispense drugs and update the excel sheet";
        assert_eq!(raw_score(7, unshared), raw_score(0, unshared));
        // A published competency name is read whole.
        let (_, extractor) = setup();
        let name = medicines(&taxonomy, extractor.extract_name_raw(MIXED, &EVERYTHING));
        assert_eq!(name.map(|e| e.score), raw_score(0, MIXED));
    }

    #[test]
    fn a_competency_only_a_phrase_window_found_has_that_window_as_evidence() {
        let (taxonomy, _) = setup();
        // No partial label match: `medication` alone is not enough.
        let tuning = Tuning {
            min_coverage: 1.0,
            ..Tuning::default()
        };
        let found = extractor_with(&taxonomy, tuning).extract(MIXED, &EVERYTHING);
        let meds = medicines(&taxonomy, found).unwrap();
        let evidence: Vec<&str> = meds.evidence.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(
            (meds.reason, evidence),
            (Reason::Semantic, vec!["give medication"])
        );
        assert_eq!(
            &MIXED[meds.evidence[0].start..meds.evidence[0].end],
            "give medication"
        );
    }

    #[test]
    fn a_named_skill_brings_its_broader_skill_in_a_sentence() {
        let (taxonomy, extractor) = setup();
        let everything = EVERYTHING;
        let found = extractor.extract("Use spreadsheets daily", &everything);
        let got: Vec<(&str, Reason)> = found
            .iter()
            .map(|e| (taxonomy.get(e.competency).uri.as_str(), e.reason))
            .collect();
        assert_eq!(
            got,
            vec![
                ("s:sheets", Reason::PreferredLabel),
                ("s:office", Reason::Broader)
            ]
        );
        assert_eq!(found[1].evidence, found[0].evidence);
    }
}
