"""SmolLM2 (a Llama-architecture model) as a plain numpy forward pass over its GGUF file.

Why numpy and not a compiled runtime: it needs no C compiler at `make setup` (the PyPI
`llama-cpp-python` is a source package that builds llama.cpp), it reads the very GGUF the
browser runs, and every step is visible, so Chapter 1's notebook can build the same pass.
Weights are dequantised once to float32 with the `gguf` package; activations stay float32,
where llama.cpp rounds them to 8 bits, so greedy answers agree often but not always.

The pass, per token: embedding lookup -> 30 x [RMSNorm -> attention with rotary positions and
grouped-query heads (9 query heads share 3 key/value heads) -> residual -> RMSNorm -> SwiGLU
feed-forward -> residual] -> RMSNorm -> logits against the (tied) embedding matrix.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Config:
    layers: int
    width: int
    heads: int
    kv_heads: int
    rope_base: float
    eps: float

    @property
    def head_dim(self) -> int:
        return self.width // self.heads


@dataclass
class Layer:
    attn_norm: np.ndarray
    wq: np.ndarray
    wk: np.ndarray
    wv: np.ndarray
    wo: np.ndarray
    ffn_norm: np.ndarray
    gate: np.ndarray
    up: np.ndarray
    down: np.ndarray


class Model:
    """Weights and the forward pass; `generate` is the greedy loop with a key/value cache."""

    def __init__(self, path: Path) -> None:
        from gguf import GGUFReader, quants

        reader = GGUFReader(str(path))

        def field(name: str):  # noqa: ANN202 - a scalar metadata value
            return reader.fields[name].contents()

        self.config = Config(
            layers=int(field("llama.block_count")),
            width=int(field("llama.embedding_length")),
            heads=int(field("llama.attention.head_count")),
            kv_heads=int(field("llama.attention.head_count_kv")),
            rope_base=float(field("llama.rope.freq_base")),
            eps=float(field("llama.attention.layer_norm_rms_epsilon")),
        )
        tensors = {t.name: t for t in reader.tensors}

        def weight(name: str) -> np.ndarray:
            t = tensors[name]
            return np.ascontiguousarray(quants.dequantize(t.data, t.tensor_type), dtype=np.float32)

        self.embedding = weight("token_embd.weight")  # (vocab, width); also the output matrix
        self.output = weight("output.weight") if "output.weight" in tensors else self.embedding
        self.norm = weight("output_norm.weight")
        self.layers = [
            Layer(*(weight(f"blk.{i}.{n}.weight") for n in (
                "attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm", "ffn_gate", "ffn_up", "ffn_down")))
            for i in range(self.config.layers)
        ]
        half = self.config.head_dim // 2
        self._inv_freq = self.config.rope_base ** (-np.arange(half, dtype=np.float64) / half)

    def _rms_norm(self, x: np.ndarray, weight: np.ndarray) -> np.ndarray:
        return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + self.config.eps) * weight

    def _rotate(self, x: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """Rotary positions on (tokens, heads, head_dim). GGUF stores Llama's q/k weights
        permuted so that each rotated pair is two neighbouring numbers (2i, 2i+1)."""
        angles = positions[:, None] * self._inv_freq[None, :]  # (tokens, head_dim/2)
        cos = np.cos(angles).astype(np.float32)[:, None, :]
        sin = np.sin(angles).astype(np.float32)[:, None, :]
        even, odd = x[..., 0::2], x[..., 1::2]
        out = np.empty_like(x)
        out[..., 0::2] = even * cos - odd * sin
        out[..., 1::2] = even * sin + odd * cos
        return out

    def forward(self, tokens: list[int], cache: list[tuple[np.ndarray, np.ndarray]] | None) -> tuple[np.ndarray, list]:
        """Logits of the last position for `tokens` following what `cache` already holds."""
        cfg = self.config
        start = cache[0][0].shape[0] if cache else 0
        positions = np.arange(start, start + len(tokens), dtype=np.float64)
        x = self.embedding[tokens]  # (n, width)
        n, group = len(tokens), cfg.heads // cfg.kv_heads
        new_cache = []
        # causal mask: a token sees the cached past and the new tokens up to itself
        mask = np.triu(np.full((n, start + n), -np.inf, dtype=np.float32), k=start + 1)
        for i, layer in enumerate(self.layers):
            h = self._rms_norm(x, layer.attn_norm)
            q = self._rotate((h @ layer.wq.T).reshape(n, cfg.heads, cfg.head_dim), positions)
            k = self._rotate((h @ layer.wk.T).reshape(n, cfg.kv_heads, cfg.head_dim), positions)
            v = (h @ layer.wv.T).reshape(n, cfg.kv_heads, cfg.head_dim)
            if cache:
                k = np.concatenate([cache[i][0], k])
                v = np.concatenate([cache[i][1], v])
            new_cache.append((k, v))
            # each key/value head serves `group` query heads
            kh = np.repeat(k, group, axis=1).transpose(1, 0, 2)  # (heads, total, head_dim)
            vh = np.repeat(v, group, axis=1).transpose(1, 0, 2)
            scores = q.transpose(1, 0, 2) @ kh.transpose(0, 2, 1) / np.sqrt(cfg.head_dim) + mask
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            attended = (scores @ vh).transpose(1, 0, 2).reshape(n, cfg.width)
            x = x + attended @ layer.wo.T
            h = self._rms_norm(x, layer.ffn_norm)
            gate = h @ layer.gate.T
            x = x + ((gate / (1 + np.exp(-gate))) * (h @ layer.up.T)) @ layer.down.T  # SwiGLU
        last = self._rms_norm(x[-1], self.norm)
        return self.output @ last, new_cache

    def generate(self, prompt: list[int], max_tokens: int, stop: set[int]) -> list[int]:
        """Greedy decoding: always the single most likely next token."""
        logits, cache = self.forward(prompt, None)
        out: list[int] = []
        while len(out) < max_tokens:
            token = int(np.argmax(logits))
            if token in stop:
                break
            out.append(token)
            logits, cache = self.forward([token], cache)
        return out
