"""all-MiniLM-L6-v2's encoder in numpy, for the training scripts.

`token_outputs` gives each WordPiece token's output embedding: the mean of
the model's last hidden states over `[CLS] token [SEP]` (sentence-transformers'
mean pooling of the token read alone). A static table started from these
rows knows what the model makes of a word, not only its input embedding.

The encoder is BERT (6 layers, 12 heads, hidden 384, GELU) as described by
the folder's config.json; the weights are read from model.safetensors of the
folder scripts/fetch-minilm fills. GELU uses an erf approximation with an
absolute error below 1.5e-7. Needs numpy and safetensors.
"""
import json
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file

BATCH = 1024


def _erf(x):
    """Abramowitz and Stegun 7.1.26."""
    sign = np.sign(x)
    x = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * x)
    poly = ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t
    return sign * (1.0 - poly * np.exp(-x * x))


def _layer_norm(x, weight, bias, eps):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


class Encoder:
    def __init__(self, model_dir):
        model_dir = Path(model_dir)
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        self.layers = config["num_hidden_layers"]
        self.heads = config["num_attention_heads"]
        self.eps = config["layer_norm_eps"]
        self.w = {k: v.astype(np.float32) for k, v in load_file(str(model_dir / "model.safetensors")).items()}
        vocab = [line.rstrip("\n") for line in (model_dir / "vocab.txt").open(encoding="utf-8")]
        self.cls, self.sep = vocab.index("[CLS]"), vocab.index("[SEP]")

    def _linear(self, x, name):
        return x @ self.w[name + ".weight"].T + self.w[name + ".bias"]

    def hidden_states(self, ids):
        """Last hidden states (batch, length, hidden) of unpadded sequences of token ids."""
        w = self.w
        batch, length = ids.shape
        h = (w["embeddings.word_embeddings.weight"][ids]
             + w["embeddings.position_embeddings.weight"][:length][None]
             + w["embeddings.token_type_embeddings.weight"][0][None, None])
        h = _layer_norm(h, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps)
        width = h.shape[-1] // self.heads
        for layer in range(self.layers):
            p = f"encoder.layer.{layer}."

            def split(x):
                return x.reshape(batch, length, self.heads, width).transpose(0, 2, 1, 3)

            q = split(self._linear(h, p + "attention.self.query"))
            k = split(self._linear(h, p + "attention.self.key"))
            v = split(self._linear(h, p + "attention.self.value"))
            a = q @ k.transpose(0, 1, 3, 2) / np.sqrt(width)
            a = np.exp(a - a.max(-1, keepdims=True))
            a /= a.sum(-1, keepdims=True)
            context = (a @ v).transpose(0, 2, 1, 3).reshape(batch, length, self.heads * width)
            h = _layer_norm(self._linear(context, p + "attention.output.dense") + h,
                            w[p + "attention.output.LayerNorm.weight"],
                            w[p + "attention.output.LayerNorm.bias"], self.eps)
            inner = self._linear(h, p + "intermediate.dense")
            inner = 0.5 * inner * (1.0 + _erf(inner / np.sqrt(2.0)))
            h = _layer_norm(self._linear(inner, p + "output.dense") + h,
                            w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], self.eps)
        return h

    def token_outputs(self, token_ids):
        """(len(token_ids), hidden): the mean last hidden state of `[CLS] t [SEP]` for each t."""
        token_ids = np.asarray(token_ids, np.int64)
        out = []
        for start in range(0, len(token_ids), BATCH):
            chunk = token_ids[start:start + BATCH]
            ids = np.stack([np.full(len(chunk), self.cls), chunk, np.full(len(chunk), self.sep)], 1)
            out.append(self.hidden_states(ids).mean(1))
        return np.concatenate(out) if out else np.zeros((0, self.w["embeddings.word_embeddings.weight"].shape[1]), np.float32)
