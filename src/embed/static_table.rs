//! Static token-table embedders. The default is a table trained on the
//! skills domain (`assets/static-skills/`, made by `scripts/train-embedder`
//! from all-MiniLM-L6-v2's output embeddings of the MiniLM table's tokens,
//! model card beside it); the MiniLM table (`assets/static-minilm/`,
//! all-MiniLM-L6-v2's input embeddings, distilled by
//! `scripts/distill-static-minilm`, Apache-2.0, LICENSE and NOTICE beside it)
//! stays available as `--embedder static-minilm`, and any table of the same
//! format can be loaded from a folder (`--embedder static:FOLDER`). A text is
//! split into MiniLM's WordPiece tokens (BERT uncased: lower case, accents
//! stripped, punctuation split off, greedy longest-match pieces), and its
//! vector is the idf-weighted sum of the tokens' rows, normalised. No model
//! runs, so it costs microseconds per text; both shipped tables and the
//! vocabulary (about 2 MB each) are compiled into the binary.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use ndarray::Array2;
use rustc_hash::FxHashMap;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::occupation_prior::{BadPriorLine, OccupationPrior};
use super::title_fusion::{BadFusionFile, TitleFusion};
use super::title_neighbours::{BadNeighboursLine, TitleNeighbours};
use super::title_votes::{BadVotesLine, TitleVotes};
use super::{Embedder, EmbeddingMatrix};

const VOCAB: &str = include_str!("../../assets/static-minilm/vocab.txt");
const MINILM_TABLE: &[u8] = include_bytes!("../../assets/static-minilm/table.bin");
const SKILLS_TABLE: &[u8] = include_bytes!("../../assets/static-skills/table.bin");
/// Id of the trained default table; change it with every retrained table so
/// stored concept vectors and snapshots are recomputed.
const SKILLS_ID: &str = "static-skills-esco-onet-128-v4";
/// Id of the MiniLM table (the default before the trained one).
const MINILM_ID: &str = "static-minilm-l6-v2-pca128-idf-v1";
const MAGIC: &[u8; 8] = b"SMSTATIC";
/// `Table::row_of` of a token without a row.
const NO_ROW: u32 = u32::MAX;
/// Words longer than this are one unknown token, as in BERT.
const MAX_WORD_CHARS: usize = 100;

/// The parsed table: WordPiece vocabulary and, per kept token, idf × row.
#[derive(Debug)]
struct Table {
    vocab: FxHashMap<String, u32>,
    dim: usize,
    /// Row index of each token id ([`NO_ROW`] for tokens without one).
    row_of: Vec<u32>,
    /// Dequantised rows already multiplied by their token's idf.
    rows: Array2<f32>,
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
}

fn f32_at(bytes: &[u8], at: usize) -> f32 {
    f32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
}

/// A table file that is not in the format of `scripts/distill-static-minilm`.
#[derive(Debug, thiserror::Error)]
pub enum StaticTableError {
    /// The file could not be read.
    #[error("reading {path}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The bytes are not a table.
    #[error("{path}: not a static token table ({reason})")]
    Format {
        /// The file.
        path: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// The occupation prior beside the table is malformed.
    #[error("{path}: not an occupation prior")]
    Prior {
        /// The file.
        path: String,
        /// The line at fault.
        #[source]
        source: BadPriorLine,
    },
    /// The title votes beside the table are malformed.
    #[error("{path}: not title votes")]
    Votes {
        /// The file.
        path: String,
        /// The line at fault.
        #[source]
        source: BadVotesLine,
    },
    /// The title fusion beside the table is malformed.
    #[error("{path}: not a title fusion")]
    Fusion {
        /// The file.
        path: String,
        /// What is wrong.
        #[source]
        source: BadFusionFile,
    },
    /// The title neighbours beside the table are malformed.
    #[error("{path}: not title neighbours")]
    Neighbours {
        /// The file.
        path: String,
        /// The line at fault.
        #[source]
        source: BadNeighboursLine,
    },
    /// The title neighbours' vectors are not as wide as the table's rows.
    #[error("{path}: title neighbours of {found} dimensions beside a table of {table}")]
    NeighboursWidth {
        /// The file.
        path: String,
        /// The neighbours' width.
        found: usize,
        /// The table's width.
        table: usize,
    },
}

impl Table {
    /// Parses a table file (format of `scripts/distill-static-minilm`).
    fn parse(bytes: &[u8], vocab: &str) -> Result<Self, &'static str> {
        if bytes.len() < 20 || &bytes[..8] != MAGIC {
            return Err("magic");
        }
        if u32_at(bytes, 8) != 1 {
            return Err("format version");
        }
        let dim = u32_at(bytes, 12) as usize;
        let count = u32_at(bytes, 16) as usize;
        let stride = 12 + dim;
        if dim == 0 || bytes.len() != 20 + count * stride {
            return Err("size");
        }
        let vocab: FxHashMap<String, u32> = vocab
            .lines()
            .enumerate()
            .map(|(id, token)| (token.to_owned(), u32::try_from(id).unwrap_or(u32::MAX)))
            .collect();
        let mut rows = Array2::<f32>::zeros((count, dim));
        let mut row_of = vec![NO_ROW; vocab.len()];
        for (row, record) in bytes[20..].chunks_exact(stride).enumerate() {
            let id = u32_at(record, 0);
            let weight = f32_at(record, 4) * f32_at(record, 8);
            for (out, &q) in rows.row_mut(row).iter_mut().zip(&record[12..]) {
                *out = f32::from(q as i8) * weight;
            }
            if id as usize >= vocab.len() {
                return Err("token id outside the vocabulary");
            }
            row_of[id as usize] = u32::try_from(row).map_err(|_| "too many rows")?;
        }
        Ok(Self {
            vocab,
            dim,
            row_of,
            rows,
        })
    }

    /// WordPiece ids of one word; `None` when it cannot be pieced (BERT's `[UNK]`).
    fn pieces(&self, word: &str, out: &mut Vec<u32>) {
        if word.chars().count() > MAX_WORD_CHARS {
            return;
        }
        let mark = out.len();
        let mut start = 0;
        let mut piece = String::with_capacity(word.len() + 2);
        while start < word.len() {
            let mut end = word.len();
            let mut found = None;
            while start < end {
                piece.clear();
                if start > 0 {
                    piece.push_str("##");
                }
                piece.push_str(&word[start..end]);
                if let Some(&id) = self.vocab.get(piece.as_str()) {
                    found = Some(id);
                    break;
                }
                end = word[..end]
                    .char_indices()
                    .next_back()
                    .map_or(start, |(i, _)| i);
            }
            match found {
                Some(id) => {
                    out.push(id);
                    start = end;
                }
                None => {
                    out.truncate(mark);
                    return;
                }
            }
        }
    }

    /// WordPiece ids of a text (no `[CLS]`/`[SEP]`; unknown words dropped).
    fn token_ids(&self, text: &str) -> Vec<u32> {
        let folded = fold(text);
        let mut ids = Vec::new();
        let mut word = String::new();
        for c in folded.chars() {
            if c.is_whitespace() || c.is_control() {
                self.flush(&mut word, &mut ids);
            } else if is_punctuation(c) {
                self.flush(&mut word, &mut ids);
                let mut buffer = [0u8; 4];
                self.pieces(c.encode_utf8(&mut buffer), &mut ids);
            } else {
                word.push(c);
            }
        }
        self.flush(&mut word, &mut ids);
        ids
    }

    fn flush(&self, word: &mut String, ids: &mut Vec<u32>) {
        if !word.is_empty() {
            self.pieces(word, ids);
            word.clear();
        }
    }
}

/// BERT's uncased folding: NFD, combining marks dropped, lower case.
/// ASCII runs are only lower-cased: NFD leaves ASCII as it is, no ASCII
/// character is a combining mark, and canonical reordering never moves a
/// character across one (all are starters), so the runs between them
/// normalise alone exactly as inside the whole text.
fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        let ascii = rest
            .bytes()
            .position(|b| !b.is_ascii())
            .unwrap_or(rest.len());
        let start = folded.len();
        folded.push_str(&rest[..ascii]);
        folded[start..].make_ascii_lowercase();
        rest = &rest[ascii..];
        let other = rest
            .bytes()
            .position(|b| b.is_ascii())
            .unwrap_or(rest.len());
        folded.extend(
            rest[..other]
                .nfd()
                .filter(|c| !is_combining_mark(*c))
                .flat_map(char::to_lowercase),
        );
        rest = &rest[other..];
    }
    folded
}

/// BERT's punctuation: ASCII symbols and Unicode punctuation.
fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation() || (!c.is_ascii() && !c.is_alphanumeric() && !c.is_whitespace())
}

/// A compiled-in table; both are checked by the tests, so a malformed one is
/// a build defect.
fn compiled(cell: &'static OnceLock<Arc<Table>>, bytes: &[u8]) -> Arc<Table> {
    cell.get_or_init(|| Arc::new(Table::parse(bytes, VOCAB).expect("compiled-in static table")))
        .clone()
}

/// A static token-table embedder: the trained default, the MiniLM table, or
/// a table loaded from a folder.
#[derive(Debug, Clone)]
pub struct StaticEmbedder {
    id: String,
    table: Arc<Table>,
    prior: Option<Arc<OccupationPrior>>,
    votes: Option<Arc<TitleVotes>>,
    fusion: Option<Arc<TitleFusion>>,
    neighbours: Option<Arc<TitleNeighbours>>,
}

impl Default for StaticEmbedder {
    /// The trained table (the default embedder).
    fn default() -> Self {
        static CELL: OnceLock<Arc<Table>> = OnceLock::new();
        static PRIOR: OnceLock<Arc<OccupationPrior>> = OnceLock::new();
        static VOTES: OnceLock<Arc<TitleVotes>> = OnceLock::new();
        static FUSION: OnceLock<Arc<TitleFusion>> = OnceLock::new();
        static NEIGHBOURS: OnceLock<Arc<TitleNeighbours>> = OnceLock::new();
        Self {
            id: SKILLS_ID.to_owned(),
            table: compiled(&CELL, SKILLS_TABLE),
            prior: Some(
                PRIOR
                    .get_or_init(|| Arc::new(OccupationPrior::shipped()))
                    .clone(),
            ),
            votes: Some(
                VOTES
                    .get_or_init(|| Arc::new(TitleVotes::shipped()))
                    .clone(),
            ),
            fusion: Some(
                FUSION
                    .get_or_init(|| Arc::new(TitleFusion::shipped()))
                    .clone(),
            ),
            neighbours: Some(
                NEIGHBOURS
                    .get_or_init(|| Arc::new(TitleNeighbours::shipped()))
                    .clone(),
            ),
        }
    }
}

impl StaticEmbedder {
    /// The table distilled from all-MiniLM-L6-v2, untrained (the default
    /// before the trained table).
    pub fn minilm() -> Self {
        static CELL: OnceLock<Arc<Table>> = OnceLock::new();
        Self {
            id: MINILM_ID.to_owned(),
            table: compiled(&CELL, MINILM_TABLE),
            prior: None,
            votes: None,
            fusion: None,
            neighbours: None,
        }
    }

    /// A table from `folder/table.bin` (e.g. one trained by
    /// `scripts/train-embedder --out FOLDER`) with the compiled-in
    /// vocabulary, and the occupation prior `folder/occupation_prior.tsv`
    /// and title votes `folder/title_votes.tsv`, title fusion
    /// `folder/title_fusion.tsv` and title neighbours
    /// `folder/title_neighbours.tsv` when there are (neighbours as wide as
    /// the table's rows); its id names the digest of the table file, so
    /// vectors stored with another table are never reused.
    pub fn from_folder(folder: &Path) -> Result<Self, StaticTableError> {
        let path = folder.join("table.bin");
        let shown = path.display().to_string();
        let bytes = std::fs::read(&path).map_err(|source| StaticTableError::Io {
            path: shown.clone(),
            source,
        })?;
        let table = Table::parse(&bytes, VOCAB).map_err(|reason| StaticTableError::Format {
            path: shown,
            reason,
        })?;
        let digest = blake3::hash(&bytes).to_hex();
        let neighbours = beside(
            folder,
            "title_neighbours.tsv",
            TitleNeighbours::parse,
            |path, source| StaticTableError::Neighbours { path, source },
        )?;
        if let Some(found) = neighbours.as_ref().map(TitleNeighbours::dim) {
            if found != table.dim {
                return Err(StaticTableError::NeighboursWidth {
                    path: folder.join("title_neighbours.tsv").display().to_string(),
                    found,
                    table: table.dim,
                });
            }
        }
        Ok(Self {
            id: format!("static-file-{}", &digest.as_str()[..16]),
            table: Arc::new(table),
            prior: beside(
                folder,
                "occupation_prior.tsv",
                OccupationPrior::parse,
                |path, source| StaticTableError::Prior { path, source },
            )?
            .map(Arc::new),
            votes: beside(
                folder,
                "title_votes.tsv",
                TitleVotes::parse,
                |path, source| StaticTableError::Votes { path, source },
            )?
            .map(Arc::new),
            fusion: beside(
                folder,
                "title_fusion.tsv",
                TitleFusion::parse,
                |path, source| StaticTableError::Fusion { path, source },
            )?
            .map(Arc::new),
            neighbours: neighbours.map(Arc::new),
        })
    }
}

/// A file learnt with a table, read from the table's folder and parsed,
/// if the folder has it.
fn beside<T, E>(
    folder: &Path,
    name: &str,
    parse: impl FnOnce(&str) -> Result<T, E>,
    malformed: impl FnOnce(String, E) -> StaticTableError,
) -> Result<Option<T>, StaticTableError> {
    let path = folder.join(name);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(StaticTableError::Io {
                path: path.display().to_string(),
                source,
            });
        }
    };
    parse(&text)
        .map(Some)
        .map_err(|source| malformed(path.display().to_string(), source))
}

impl Embedder for StaticEmbedder {
    fn id(&self) -> &str {
        &self.id
    }

    fn occupation_prior(&self) -> Option<&OccupationPrior> {
        self.prior.as_deref()
    }

    fn title_votes(&self) -> Option<&TitleVotes> {
        self.votes.as_deref()
    }

    fn title_fusion(&self) -> Option<&TitleFusion> {
        self.fusion.as_deref()
    }

    fn title_neighbours(&self) -> Option<&TitleNeighbours> {
        self.neighbours.as_deref()
    }

    fn dim(&self) -> usize {
        self.table.dim
    }

    fn embed_batch(&self, texts: &[&str]) -> EmbeddingMatrix {
        let table = &self.table;
        let mut out = Array2::<f32>::zeros((texts.len(), table.dim));
        for (index, text) in texts.iter().enumerate() {
            let mut row = out.row_mut(index);
            for id in table.token_ids(text) {
                match table.row_of.get(id as usize) {
                    Some(&r) if r != NO_ROW => row += &table.rows.row(r as usize),
                    _ => {}
                }
            }
        }
        EmbeddingMatrix::from_rows(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_by_runs_is_folding_the_whole_text() {
        let whole = |text: &str| -> String {
            text.nfd()
                .filter(|c| !is_combining_mark(*c))
                .flat_map(char::to_lowercase)
                .collect()
        };
        for text in [
            "",
            "Plain ASCII, Title Case",
            "Café crème – naïve ‘quotes’ £30,000",
            "e\u{301}\u{327}x a\u{308}\u{301}B",
            "\u{301}leading mark, ÅNGSTRÖM İstanbul ΣΑΣ ß",
            "日本語 and Ǆ ﬁ",
        ] {
            assert_eq!(fold(text), whole(text), "{text:?}");
        }
    }

    #[test]
    fn wordpiece_splits_like_bert_uncased() {
        let table = &StaticEmbedder::default().table;
        let id = |t: &str| table.vocab[t];
        assert_eq!(table.token_ids("Nurse"), vec![id("nurse")]);
        assert_eq!(
            table.token_ids("Café, dashboards!"),
            vec![id("cafe"), id(","), id("dashboard"), id("##s"), id("!")]
        );
        assert!(table.token_ids("").is_empty());
    }

    #[test]
    fn related_texts_are_closer_than_unrelated_ones() {
        for embedder in [StaticEmbedder::default(), StaticEmbedder::minilm()] {
            related_closer(&embedder);
        }
    }

    #[test]
    fn the_trained_table_places_titles_near_their_occupation() {
        let trained = StaticEmbedder::default();
        let title = trained.embed("Sr. Java Developer").unwrap();
        let right = trained.embed("software developer").unwrap();
        let wrong = trained.embed("food service worker").unwrap();
        assert!(title.cosine(&right) > title.cosine(&wrong) + 0.2);
        assert_ne!(trained.id(), StaticEmbedder::minilm().id());
    }

    #[test]
    fn loads_a_table_from_a_folder_and_rejects_a_bad_one() {
        let folder = std::env::temp_dir().join(format!("static-table-{}", std::process::id()));
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("table.bin"), MINILM_TABLE).unwrap();
        let loaded = StaticEmbedder::from_folder(&folder).unwrap();
        let text = "administer medication to patients";
        assert_eq!(loaded.embed(text), StaticEmbedder::minilm().embed(text));
        assert!(loaded.id().starts_with("static-file-"));
        assert!(loaded.occupation_prior().is_none());
        std::fs::write(folder.join("occupation_prior.tsv"), "4\tocc:a\n1\tocc:b\n").unwrap();
        let with_prior = StaticEmbedder::from_folder(&folder).unwrap();
        assert_eq!(with_prior.occupation_prior().unwrap().of("occ:a"), 1.0);
        std::fs::write(folder.join("occupation_prior.tsv"), "4 occ:a\n").unwrap();
        assert!(matches!(
            StaticEmbedder::from_folder(&folder),
            Err(StaticTableError::Prior { .. })
        ));
        std::fs::remove_file(folder.join("occupation_prior.tsv")).unwrap();
        assert!(loaded.title_votes().is_none());
        std::fs::write(
            folder.join("title_votes.tsv"),
            "titles\t9\noccupation\tocc:a\nfeature\tnurse\t0:2\n",
        )
        .unwrap();
        let with_votes = StaticEmbedder::from_folder(&folder).unwrap();
        let resolved = with_votes.title_votes().unwrap().resolve(|_| Some(3));
        assert_eq!(resolved.of("nurse")[0].0, 3);
        std::fs::write(folder.join("title_votes.tsv"), "titles\tmany\n").unwrap();
        assert!(matches!(
            StaticEmbedder::from_folder(&folder),
            Err(StaticTableError::Votes { .. })
        ));
        std::fs::remove_file(folder.join("title_votes.tsv")).unwrap();
        assert!(loaded.title_fusion().is_none());
        let shipped = include_str!("../../assets/static-skills/title_fusion.tsv");
        std::fs::write(folder.join("title_fusion.tsv"), shipped).unwrap();
        let with_fusion = StaticEmbedder::from_folder(&folder).unwrap();
        assert_eq!(with_fusion.title_fusion(), Some(&TitleFusion::shipped()));
        std::fs::write(
            folder.join("title_fusion.tsv"),
            "title-fusion\t1\nfused\t1\n",
        )
        .unwrap();
        assert!(matches!(
            StaticEmbedder::from_folder(&folder),
            Err(StaticTableError::Fusion { .. })
        ));
        std::fs::remove_file(folder.join("title_fusion.tsv")).unwrap();
        assert!(loaded.title_neighbours().is_none());
        // The shipped neighbours are as wide as the trained table's rows.
        std::fs::write(folder.join("table.bin"), SKILLS_TABLE).unwrap();
        let neighbours = folder.join("title_neighbours.tsv");
        std::fs::write(
            &neighbours,
            "title-neighbours\t1\t2\noccupation\tu:a\ntitle\t0\t1\tAQI=\n",
        )
        .unwrap();
        assert!(matches!(
            StaticEmbedder::from_folder(&folder),
            Err(StaticTableError::NeighboursWidth { found: 2, .. })
        ));
        std::fs::write(&neighbours, "title-neighbours\t1\t2\ntitle\t0\t1\tAQI=\n").unwrap();
        assert!(matches!(
            StaticEmbedder::from_folder(&folder),
            Err(StaticTableError::Neighbours { .. })
        ));
        std::fs::write(
            &neighbours,
            include_str!("../../assets/static-skills/title_neighbours.tsv"),
        )
        .unwrap();
        let with_neighbours = StaticEmbedder::from_folder(&folder).unwrap();
        assert_eq!(
            with_neighbours.title_neighbours(),
            Some(&TitleNeighbours::shipped())
        );
        std::fs::remove_file(&neighbours).unwrap();
        std::fs::write(folder.join("table.bin"), &MINILM_TABLE[..100]).unwrap();
        let error = StaticEmbedder::from_folder(&folder).unwrap_err();
        assert!(error.to_string().contains("size"), "{error}");
        std::fs::remove_dir_all(&folder).unwrap();
        assert!(matches!(
            StaticEmbedder::from_folder(&folder),
            Err(StaticTableError::Io { .. })
        ));
    }

    fn related_closer(embedder: &StaticEmbedder) {
        let a = embedder.embed("administer medication to patients").unwrap();
        let b = embedder.embed("give drugs to hospital patients").unwrap();
        let c = embedder.embed("repair car engines").unwrap();
        assert!(
            a.cosine(&b) > a.cosine(&c) + 0.1,
            "{} {}",
            a.cosine(&b),
            a.cosine(&c)
        );
        assert_eq!(embedder.dim(), 128);
        assert_eq!(embedder.embed("   "), None);
    }
}
