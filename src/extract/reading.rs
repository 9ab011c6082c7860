//! How a text is read: a posting (a body after the first line), a job title
//! or a sentence. The layout tells a posting apart; a job title and a
//! sentence are both one line, and are told apart by their words: a job
//! title names a role (`Registered Nurse`, `Director of Marketing`), a sentence or
//! a competency's name an activity or a subject (`python`, `agile
//! delivery`, `Manage HQ reward programmes`). The taxonomy says which words
//! name roles: the last words of its occupation labels (`nurse`,
//! `developer`, `assistant`) rather than of its competency labels
//! (`management`, `service`, `python`). Where no word does, a line shaped
//! like a title is still one when the embedder's training vacancy titles
//! hold one very close to it (`ACCOUNT ADMIN`, `Retail Team Member`).

use rustc_hash::{FxHashMap as FastMap, FxHashSet as FastSet};

use super::label_index::tagged_labels;
use super::spans::title_segments;
use super::terms::{TextTerm, stem};
use super::{TextKind, skills::has_body};
use crate::taxonomy::Taxonomy;
use crate::text;

/// How the engine read a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// A title line and a body: its occupations lend their essential
    /// competencies in full.
    Posting,
    /// One line naming a job: its occupations lend their essential
    /// competencies in full, as a posting's do.
    JobTitle,
    /// One line that is not a job title (a sentence, a competency's name):
    /// its occupations lend their essential competencies only as far as it
    /// names them whole.
    Sentence,
}

impl Reading {
    /// Whether the text's occupations lend their essential competencies in
    /// full.
    pub fn trusts_occupations(self) -> bool {
        self != Self::Sentence
    }

    /// Whether the text has a body after its title line.
    pub fn has_body(self) -> bool {
        self == Self::Posting
    }
}

/// Words that make a line a sentence, not a job title: pronouns, auxiliary
/// verbs and `with` (sorted). `of`, `to`, `for`, `and` are not among them:
/// titles use them (`Director of Marketing`, `Assistant to the Director`).
const SENTENCE_WORDS: &[&str] = &[
    "are", "be", "can", "could", "has", "have", "is", "must", "our", "should", "that", "their",
    "they", "this", "we", "which", "who", "will", "with", "would", "you", "your",
];

/// Words after which the word before is a phrase's head (`Director of Marketing`,
/// `Assistant to the CEO`; sorted).
const HEAD_ENDERS: &[&str] = &["at", "for", "in", "of", "to"];

/// Most words a job title has outside parentheses: 99.9 % of the titles of
/// titles.csv that name a role have at most 8, and longer lines are
/// sentences (EVALUATION.md, "Job titles read as job titles").
const MAX_TITLE_TERMS: usize = 8;

/// The cosine above which a line shaped like a title, with no role word as
/// a head, is read as a job title for a training vacancy title's vector
/// that close to its own: on the three held-out folds the share of
/// titles.csv's titles read as job titles went from 0.776-0.787 to
/// 0.840-0.849 and no HOUSE or TECH sentence was read as one; 0.85 read
/// one or two TECH sentences (EVALUATION.md, "Title-shaped lines near a
/// vacancy title").
pub const NEAR_A_VACANCY_TITLE: f32 = 0.9;

/// The words that name roles in a taxonomy, and how to read a text with them.
#[derive(Debug, Default)]
pub struct TitleReader {
    /// Terms that end at least two more occupation labels than competency
    /// labels (stemmed: `nurse`, `developer`, `assistant`).
    roles: FastSet<String>,
}

impl TitleReader {
    /// Counts the last term of every label of every occupation and
    /// competency of the taxonomy.
    pub fn new(taxonomy: &Taxonomy) -> Self {
        let mut counts: FastMap<String, (u32, u32)> = FastMap::default();
        let mut count = |label: &str, occupation: bool| {
            if let Some(last) = text::tokenize(label).last() {
                let entry = counts.entry(stem(&last.norm).into_owned()).or_default();
                if occupation {
                    entry.0 += 1;
                } else {
                    entry.1 += 1;
                }
            }
        };
        for o in taxonomy.occupations() {
            for (label, _) in tagged_labels(&o.preferred_label, &o.alt_labels, &o.hidden_labels) {
                count(label, true);
            }
        }
        for c in taxonomy.competencies() {
            for (label, _) in tagged_labels(&c.preferred_label, &c.alt_labels, &c.hidden_labels) {
                count(label, false);
            }
        }
        let roles = counts
            .into_iter()
            .filter(|(_, (occupations, competencies))| *occupations > competencies + 1)
            .map(|(term, _)| term)
            .collect();
        Self { roles }
    }

    /// How to read `input` (its terms `all`) asked for as `kind`.
    /// `line` says what only the taxonomy and the embedder know of it:
    /// whether it is, whole, one of a competency's labels (`soil
    /// mechanics` is a subject, not a role), and whether a training vacancy
    /// title is close to it.
    pub fn read(
        &self,
        input: &str,
        all: &[TextTerm],
        kind: TextKind,
        line: &impl LineFacts,
    ) -> Reading {
        if has_body(input) {
            return Reading::Posting;
        }
        match kind {
            TextKind::JobTitle => Reading::JobTitle,
            TextKind::Sentence => Reading::Sentence,
            TextKind::Inferred if self.is_a_job_title(input, all, line) => Reading::JobTitle,
            TextKind::Inferred => Reading::Sentence,
        }
    }

    /// Whether one line reads as a job title: shaped like one (at most
    /// [`MAX_TITLE_TERMS`] words outside parentheses, none of
    /// [`SENTENCE_WORDS`], no closing `.`, `!` or `?` after a word), not
    /// one competency label, and with a role word as the head of one of its
    /// segments (the last word of a segment, or the word before `of`, `to`,
    /// `for`, `at`, `in`) or a training vacancy title close to it.
    fn is_a_job_title(&self, input: &str, all: &[TextTerm], line: &impl LineFacts) -> bool {
        let segments = title_segments(input, all);
        shaped_like_a_title(input, all, &segments)
            && !line.names_a_competency(all)
            && (self.has_a_role_head(&segments) || line.near_a_vacancy_title())
    }

    /// Whether a role word is the head of one of the segments.
    fn has_a_role_head(&self, segments: &[Vec<&TextTerm>]) -> bool {
        segments.iter().any(|segment| {
            segment.iter().enumerate().any(|(at, term)| {
                let head = segment.get(at + 1).is_none_or(|next| {
                    HEAD_ENDERS.binary_search(&next.token.norm.as_str()).is_ok()
                });
                head && self.roles.contains(term.term.as_str())
            })
        })
    }
}

/// What the reader asks of a one-line text beyond its words.
pub trait LineFacts {
    /// Whether the whole text is one of a competency's labels.
    fn names_a_competency(&self, all: &[TextTerm]) -> bool;
    /// Whether a training vacancy title's vector has a cosine above
    /// [`NEAR_A_VACANCY_TITLE`] with the text's.
    fn near_a_vacancy_title(&self) -> bool;
}

/// Whether one line has a title's shape: at most [`MAX_TITLE_TERMS`] words
/// outside parentheses, none of [`SENTENCE_WORDS`], and no closing `.`,
/// `!` or `?` after a word.
fn shaped_like_a_title(input: &str, all: &[TextTerm], segments: &[Vec<&TextTerm>]) -> bool {
    let words = segments.iter().map(Vec::len).sum::<usize>();
    words > 0
        && words <= MAX_TITLE_TERMS
        && !ends_a_sentence(input, all)
        && !segments
            .iter()
            .flatten()
            .any(|t| SENTENCE_WORDS.binary_search(&t.token.norm.as_str()).is_ok())
}

/// Whether the line ends as a sentence does: `.`, `!` or `?` after its last
/// word, unless that word is a single letter (`A.I.`).
fn ends_a_sentence(input: &str, all: &[TextTerm]) -> bool {
    let Some(last) = all.last() else {
        return false;
    };
    let after = input[last.token.end..].trim();
    let closes = after.starts_with(['.', '!', '?']);
    closes && last.token.norm.chars().count() > 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::terms::terms;

    #[test]
    fn word_lists_are_sorted_for_binary_search() {
        assert!(SENTENCE_WORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(HEAD_ENDERS.windows(2).all(|w| w[0] < w[1]));
    }

    fn reader(roles: &[&str]) -> TitleReader {
        TitleReader {
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
        }
    }

    /// What the taxonomy and the embedder would say of a line.
    struct Facts {
        competency: bool,
        near: bool,
    }

    impl LineFacts for Facts {
        fn names_a_competency(&self, _: &[TextTerm]) -> bool {
            self.competency
        }
        fn near_a_vacancy_title(&self) -> bool {
            self.near
        }
    }

    const NEITHER: Facts = Facts {
        competency: false,
        near: false,
    };

    fn reads(reader: &TitleReader, input: &str) -> Reading {
        reader.read(input, &terms(input), TextKind::Inferred, &NEITHER)
    }

    #[test]
    fn a_line_whose_head_is_a_role_reads_as_a_job_title() {
        let reader = reader(&["nurse", "director", "assistant", "engineer"]);
        for title in [
            "Registered Nurse",
            "Director of Marketing",
            "Special Assistant to the CEO",
            "Senior IT Test Engineer (6 months contract)",
            "Engineer - Kuala Lumpur",
            "NURSES",
        ] {
            assert_eq!(reads(&reader, title), Reading::JobTitle, "{title}");
        }
    }

    #[test]
    fn sentences_and_subjects_read_as_sentences() {
        let reader = reader(&["nurse", "developer", "manager"]);
        for sentence in [
            // no role word
            "python",
            "agile delivery",
            // a role word, but not as a head
            "Nurse training and development",
            // sentence words
            "You will work with our developers",
            "Experience with nurse rostering",
            // a closing full stop
            "Support the ward manager.",
            // more than eight words outside parentheses
            "Senior principal lead chief staff software platform team developer",
        ] {
            assert_eq!(reads(&reader, sentence), Reading::Sentence, "{sentence}");
        }
        assert_eq!(reads(&reader, "A.I. developer"), Reading::JobTitle);
    }

    #[test]
    fn a_competency_label_layout_and_the_callers_kind_come_first() {
        let reader = reader(&["mechanic"]);
        let text = "soil mechanics";
        let all = terms(text);
        assert_eq!(reads(&reader, text), Reading::JobTitle);
        assert_eq!(
            reader.read(
                text,
                &all,
                TextKind::Inferred,
                &Facts {
                    competency: true,
                    near: true
                }
            ),
            Reading::Sentence
        );
        assert_eq!(
            reader.read(text, &all, TextKind::Sentence, &NEITHER),
            Reading::Sentence
        );
        let python = terms("python");
        assert_eq!(
            reader.read("python", &python, TextKind::JobTitle, &NEITHER),
            Reading::JobTitle
        );
        let posting = "Nurse\nWe need a nurse for our ward.";
        assert_eq!(
            reader.read(posting, &terms(posting), TextKind::JobTitle, &NEITHER),
            Reading::Posting
        );
    }

    #[test]
    fn a_title_shaped_line_near_a_vacancy_title_reads_as_a_job_title() {
        let reader = reader(&["nurse"]);
        let near = Facts {
            competency: false,
            near: true,
        };
        let read = |input: &str, facts: &Facts| {
            reader.read(input, &terms(input), TextKind::Inferred, facts)
        };
        // No role word as a head: read by its closeness to a vacancy title.
        assert_eq!(read("ACCOUNT ADMIN", &NEITHER), Reading::Sentence);
        assert_eq!(read("ACCOUNT ADMIN", &near), Reading::JobTitle);
        // Not shaped like a title, however close.
        for sentence in [
            "You will keep our accounts",
            "Keep the accounts.",
            "Account admin for the regional office team and its many branches",
        ] {
            assert_eq!(read(sentence, &near), Reading::Sentence, "{sentence}");
        }
        // One competency label stays a sentence.
        let label = Facts {
            competency: true,
            near: true,
        };
        assert_eq!(read("bookkeeping", &label), Reading::Sentence);
    }
}
