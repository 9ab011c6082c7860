//! The all-MiniLM-L6-v2 embedder with its real weights, read from
//! `$SKILLMATCH_MINILM_DIR` or `models/all-MiniLM-L6-v2` (put there by
//! `scripts/fetch-minilm`). Without the weights these tests fail under
//! `CI=true` and are skipped elsewhere.
#![cfg(feature = "minilm")]

use std::path::PathBuf;
use std::sync::OnceLock;

use skillmatch::embed::{Embedder, Embedding, MiniLmEmbedder};

fn weights_dir() -> PathBuf {
    std::env::var_os("SKILLMATCH_MINILM_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/all-MiniLM-L6-v2"),
        PathBuf::from,
    )
}

/// The model, loaded once for all tests; `None` (after saying why) when the
/// weights are absent outside CI.
fn model() -> Option<&'static MiniLmEmbedder> {
    static MODEL: OnceLock<Option<MiniLmEmbedder>> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            let dir = weights_dir();
            if !dir.join("model.safetensors").is_file() {
                let reason = format!(
                    "no all-MiniLM-L6-v2 weights in {}; run scripts/fetch-minilm \
                     or set SKILLMATCH_MINILM_DIR",
                    dir.display()
                );
                assert!(std::env::var("CI").as_deref() != Ok("true"), "{reason}");
                eprintln!("skipping: {reason}");
                return None;
            }
            Some(MiniLmEmbedder::load(&dir).expect("the weights load"))
        })
        .as_ref()
}

fn embed(model: &MiniLmEmbedder, text: &str) -> Embedding {
    model
        .embed(text)
        .expect("text with tokens has an embedding")
}

#[test]
fn rows_are_unit_length_384_wide_and_deterministic() {
    let Some(model) = model() else { return };
    assert_eq!(model.dim(), 384);
    assert!(
        model.id().starts_with("all-minilm-l6-v2-"),
        "{}",
        model.id()
    );
    let texts = ["Python programming", "", "care for the elderly at home"];
    let first = model.embed_batch(&texts);
    assert_eq!((first.len(), first.dim()), (3, 384));
    for (row, text) in first.rows().rows().into_iter().zip(texts) {
        let norm = row.dot(&row).sqrt();
        let expected = if text.is_empty() { 0.0 } else { 1.0 };
        assert!((norm - expected).abs() < 1e-5, "{text:?}: norm {norm}");
    }
    assert_eq!(model.embed_batch(&texts), first);
    assert_eq!(model.embed(""), None);
    let single = embed(model, "Python programming");
    let batched = Embedding::normalize(first.rows().row(0).to_owned()).unwrap();
    assert!(single.cosine(&batched) > 0.999_99);
}

#[test]
fn similar_sentences_score_higher_than_unrelated_ones() {
    let Some(model) = model() else { return };
    let lead = embed(model, "Manage a team of software engineers");
    let similar = embed(model, "Lead and supervise a group of developers");
    let unrelated = embed(model, "Bake bread and pastries in a commercial kitchen");
    assert!(lead.cosine(&similar) > lead.cosine(&unrelated) + 0.3);
}

/// Pinned to the values this implementation computes for a sentence pair
/// from the sentence-transformers examples, cross-checked once against an
/// independent float64 numpy forward pass (HF tokenizers, same weights),
/// which gives the same cosines and components to within 1e-4.
#[test]
fn known_pair_has_the_reference_cosine() {
    let Some(model) = model() else { return };
    let food = embed(model, "A man is eating food.");
    let bread = embed(model, "A man is eating a piece of bread.");
    let movie = embed(model, "The new movie is awesome.");
    assert!(
        (food.cosine(&bread) - 0.755_337).abs() < 1e-4,
        "{}",
        food.cosine(&bread)
    );
    assert!(
        (food.cosine(&movie) - -0.046_050).abs() < 1e-4,
        "{}",
        food.cosine(&movie)
    );
    let head: Vec<f32> = food.view().iter().take(5).copied().collect();
    let reference = [0.033_242, 0.004_406, -0.006_277, 0.048_379, -0.138_702];
    for (got, want) in head.iter().zip(reference) {
        assert!((got - want).abs() < 1e-4, "{head:?}");
    }
}

/// A text longer than one window is embedded from all of its windows: the
/// result is close to, but not the same as, its first window alone, and a
/// long text on one topic stays near a short text on that topic.
#[test]
fn long_texts_use_every_window() {
    let Some(model) = model() else { return };
    let nursing = "Registered nurse providing patient care on a busy hospital ward. ";
    let accounts = "Prepare monthly management accounts and reconcile ledgers. ";
    let long = format!("{}{}", nursing.repeat(30), accounts.repeat(30));
    let whole = embed(model, &long);
    let first_window = embed(model, &nursing.repeat(30));
    let finance = embed(model, "accountant preparing financial statements");
    assert!(whole.cosine(&first_window) < 0.99);
    assert!(whole.cosine(&finance) > first_window.cosine(&finance) + 0.05);
}
