//! The all-MiniLM-L6-v2 sentence transformer on the CPU through candle
//! (cargo feature `minilm`). Weights load from a local folder only; nothing
//! here reaches the network. `scripts/fetch-minilm` puts them in
//! `models/all-MiniLM-L6-v2/`.
//!
//! A text is embedded as sentence-transformers does it: WordPiece tokens
//! framed by `[CLS]` and `[SEP]`, a BERT forward pass, mean pooling over the
//! attention mask, L2 normalisation. The model reads at most
//! [`MAX_SEQUENCE_TOKENS`] tokens at once; where sentence-transformers would
//! silently cut a longer text, this embedder splits its tokens into
//! consecutive windows of that length (each framed by its own `[CLS]` and
//! `[SEP]`), runs every window, and mean-pools over the tokens of all windows
//! together, i.e. averages the windows' mean vectors weighted by their token
//! counts, before normalising. A text that fits in one window gets exactly
//! the sentence-transformers vector.

use std::fmt;
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use ndarray::Array2;
use tokenizers::Tokenizer;

use super::{Embedder, EmbeddingMatrix};

/// Most tokens the model reads at once, `[CLS]` and `[SEP]` included (the
/// `max_seq_length` that sentence-transformers sets for this model).
pub const MAX_SEQUENCE_TOKENS: usize = 256;

/// Most windows in one forward pass.
const MAX_WINDOWS_PER_PASS: usize = 32;

/// Most token positions, padding included, in one forward pass.
const MAX_TOKENS_PER_PASS: usize = 2048;

/// Why a MiniLM model could not be loaded or run.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// A model file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// `config.json` is not a BERT configuration.
    #[error("invalid model configuration {path}: {source}")]
    Config {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: serde_json::Error,
    },
    /// `tokenizer.json` could not be loaded or lacks a special token.
    #[error("invalid tokenizer {path}: {message}")]
    Tokenizer {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Tokenisation of an input failed.
    #[error("cannot tokenise input: {0}")]
    Tokenize(String),
    /// The weights do not fit the configuration, or a tensor operation failed.
    #[error("model error: {0}")]
    Model(#[from] candle_core::Error),
}

/// all-MiniLM-L6-v2 (384 dimensions) running on the CPU.
pub struct MiniLmEmbedder {
    id: String,
    dim: usize,
    model: BertModel,
    tokenizer: Tokenizer,
    cls_id: u32,
    sep_id: u32,
    pad_id: u32,
    device: Device,
}

impl fmt::Debug for MiniLmEmbedder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MiniLmEmbedder")
            .field("id", &self.id)
            .field("dim", &self.dim)
            .finish_non_exhaustive()
    }
}

/// One window of at most [`MAX_SEQUENCE_TOKENS`] token ids, framed, and the
/// text it belongs to.
#[derive(Debug, Clone, PartialEq)]
struct Window {
    text: usize,
    ids: Vec<u32>,
}

fn read(path: &Path) -> Result<Vec<u8>, EmbedError> {
    std::fs::read(path).map_err(|source| EmbedError::Read {
        path: path.to_owned(),
        source,
    })
}

impl MiniLmEmbedder {
    /// Loads `config.json`, `tokenizer.json` and `model.safetensors` from
    /// `dir`, on the CPU.
    pub fn load(dir: impl AsRef<Path>) -> Result<Self, EmbedError> {
        let dir = dir.as_ref();
        let config_path = dir.join("config.json");
        let config: Config =
            serde_json::from_slice(&read(&config_path)?).map_err(|source| EmbedError::Config {
                path: config_path.clone(),
                source,
            })?;

        let tokenizer_path = dir.join("tokenizer.json");
        let tokenizer_error = |message: String| EmbedError::Tokenizer {
            path: tokenizer_path.clone(),
            message,
        };
        let mut tokenizer = Tokenizer::from_bytes(read(&tokenizer_path)?)
            .map_err(|error| tokenizer_error(error.to_string()))?;
        // Windows are framed and padded here, not by the tokenizer's own
        // settings (which truncate at 128 tokens).
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(None)
            .map_err(|error| tokenizer_error(error.to_string()))?;
        let token_id = |token: &str| {
            tokenizer
                .token_to_id(token)
                .ok_or_else(|| tokenizer_error(format!("no {token} token")))
        };
        let (cls_id, sep_id, pad_id) = (token_id("[CLS]")?, token_id("[SEP]")?, token_id("[PAD]")?);

        let weights = read(&dir.join("model.safetensors"))?;
        let digest = blake3::hash(&weights).to_hex();
        let device = Device::Cpu;
        let vars = VarBuilder::from_buffered_safetensors(weights, DType::F32, &device)?;
        let model = BertModel::load(vars, &config)?;
        Ok(Self {
            id: format!(
                "all-minilm-l6-v2-mean-w{MAX_SEQUENCE_TOKENS}-{}",
                &digest.as_str()[..12]
            ),
            dim: config.hidden_size,
            model,
            tokenizer,
            cls_id,
            sep_id,
            pad_id,
            device,
        })
    }

    /// Like [`Embedder::embed_batch`], with errors instead of zero rows.
    pub fn try_embed_batch(&self, texts: &[&str]) -> Result<EmbeddingMatrix, EmbedError> {
        let mut sums = Array2::<f32>::zeros((texts.len(), self.dim));
        let mut windows = Vec::new();
        for (text, input) in texts.iter().enumerate() {
            let encoding = self
                .tokenizer
                .encode(*input, false)
                .map_err(|error| EmbedError::Tokenize(error.to_string()))?;
            windows.extend(split_windows(
                text,
                encoding.get_ids(),
                self.cls_id,
                self.sep_id,
            ));
        }
        // Similar lengths in one pass waste little on padding.
        windows.sort_by_key(|window| std::cmp::Reverse(window.ids.len()));
        for pass in split_passes(&windows) {
            let pooled = self.token_sums(pass)?;
            for (window, row) in pass.iter().zip(pooled) {
                let mut sum = sums.row_mut(window.text);
                sum += &ndarray::ArrayView1::from(&row);
            }
        }
        // Normalising a sum of token vectors is normalising their mean.
        Ok(EmbeddingMatrix::from_rows(sums))
    }

    /// Runs one batch of windows and returns, per window, the sum of its
    /// token vectors (padding excluded).
    fn token_sums(&self, windows: &[Window]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let longest = windows.iter().map(|w| w.ids.len()).max().unwrap_or(0);
        let mut ids = Vec::with_capacity(windows.len() * longest);
        let mut mask = Vec::with_capacity(windows.len() * longest);
        for window in windows {
            let padding = longest - window.ids.len();
            ids.extend_from_slice(&window.ids);
            ids.extend(std::iter::repeat_n(self.pad_id, padding));
            mask.extend(std::iter::repeat_n(1u32, window.ids.len()));
            mask.extend(std::iter::repeat_n(0u32, padding));
        }
        let shape = (windows.len(), longest);
        let ids = Tensor::from_vec(ids, shape, &self.device)?;
        let mask = Tensor::from_vec(mask, shape, &self.device)?;
        let token_types = ids.zeros_like()?;
        let hidden = self.model.forward(&ids, &token_types, Some(&mask))?;
        let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
        Ok(hidden.broadcast_mul(&mask)?.sum(1)?.to_vec2::<f32>()?)
    }
}

/// Splits windows sorted by falling length into forward passes: at most
/// [`MAX_WINDOWS_PER_PASS`] windows and [`MAX_TOKENS_PER_PASS`] padded
/// positions each, and a new pass where a window is under half the length of
/// the pass's first, so one long window does not pad many short ones.
fn split_passes(windows: &[Window]) -> Vec<&[Window]> {
    let mut passes = Vec::new();
    let mut start = 0;
    for (index, window) in windows.iter().enumerate() {
        let longest = windows[start].ids.len();
        let count = index - start + 1;
        if index > start
            && (count > MAX_WINDOWS_PER_PASS
                || count * longest > MAX_TOKENS_PER_PASS
                || window.ids.len() * 2 < longest)
        {
            passes.push(&windows[start..index]);
            start = index;
        }
    }
    if start < windows.len() {
        passes.push(&windows[start..]);
    }
    passes
}

/// Splits a text's token ids (without special tokens) into consecutive
/// windows of at most [`MAX_SEQUENCE_TOKENS`] ids, each framed by `[CLS]`
/// and `[SEP]`. A text without tokens has no window.
fn split_windows(text: usize, ids: &[u32], cls_id: u32, sep_id: u32) -> Vec<Window> {
    ids.chunks(MAX_SEQUENCE_TOKENS - 2)
        .map(|chunk| {
            let mut framed = Vec::with_capacity(chunk.len() + 2);
            framed.push(cls_id);
            framed.extend_from_slice(chunk);
            framed.push(sep_id);
            Window { text, ids: framed }
        })
        .collect()
}

impl Embedder for MiniLmEmbedder {
    fn id(&self) -> &str {
        &self.id
    }

    fn dim(&self) -> usize {
        self.dim
    }

    /// Texts without tokens get zero rows. A failure inside the model (none
    /// is expected once the weights have loaded) is logged and gives zero
    /// rows for the whole batch; [`MiniLmEmbedder::try_embed_batch`] returns it.
    fn embed_batch(&self, texts: &[&str]) -> EmbeddingMatrix {
        self.try_embed_batch(texts).unwrap_or_else(|error| {
            tracing::error!(%error, texts = texts.len(), "minilm embedding failed");
            EmbeddingMatrix::from_rows(Array2::zeros((texts.len(), self.dim)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_token_lists_split_into_framed_windows() {
        let ids: Vec<u32> = (1000..1000 + 600).collect();
        let windows = split_windows(7, &ids, 101, 102);
        let lengths: Vec<usize> = windows.iter().map(|w| w.ids.len()).collect();
        assert_eq!(lengths, vec![256, 256, 600 - 2 * 254 + 2]);
        for window in &windows {
            assert_eq!(window.text, 7);
            assert_eq!(window.ids.first(), Some(&101));
            assert_eq!(window.ids.last(), Some(&102));
        }
        let inner: Vec<u32> = windows
            .iter()
            .flat_map(|w| w.ids[1..w.ids.len() - 1].to_vec())
            .collect();
        assert_eq!(inner, ids);
    }

    #[test]
    fn short_and_empty_token_lists() {
        assert_eq!(
            split_windows(0, &[5, 6], 101, 102),
            vec![Window {
                text: 0,
                ids: vec![101, 5, 6, 102]
            }]
        );
        assert!(split_windows(0, &[], 101, 102).is_empty());
    }

    #[test]
    fn passes_bound_padding() {
        let window = |len: usize| Window {
            text: 0,
            ids: vec![1; len],
        };
        let lengths = |passes: Vec<&[Window]>| -> Vec<Vec<usize>> {
            passes
                .iter()
                .map(|pass| pass.iter().map(|w| w.ids.len()).collect())
                .collect()
        };
        let windows: Vec<Window> = [256, 256, 200, 90, 40, 30].map(window).to_vec();
        assert_eq!(
            lengths(split_passes(&windows)),
            vec![vec![256, 256, 200], vec![90], vec![40, 30]]
        );
        let many: Vec<Window> = (0..40).map(|_| window(10)).collect();
        let sizes: Vec<usize> = split_passes(&many).iter().map(|p| p.len()).collect();
        assert_eq!(sizes, vec![32, 8]);
        assert!(split_passes(&[]).is_empty());
    }

    #[test]
    fn missing_folder_is_a_read_error() {
        let error = MiniLmEmbedder::load("/nonexistent/minilm").unwrap_err();
        assert!(matches!(error, EmbedError::Read { .. }), "{error}");
    }
}
