"""all-MiniLM-L6-v2 for Chapter 1's notebooks: the embedder built step by step in Chapter 0.

The same int8 ONNX file the site's widgets run in the browser, run here with onnxruntime.
Chapter 0's embeddings notebook explains every line; this module only saves repeating them.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"


def find_model_dir(name: str = MODEL_NAME) -> Path:
    """`.cache/models/<name>` in the current folder or above (`make setup` puts it there)."""
    if os.environ.get("MINILM_DIR"):
        return Path(os.environ["MINILM_DIR"])
    here = Path.cwd().resolve()
    for folder in [here, *here.parents]:
        candidate = folder / ".cache" / "models" / name
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"no .cache/models/{name} in {here} or above: run `make setup` first")


class MiniLM:
    """Text in, unit-length 384-d vectors out (mean pooling over tokens, as in Chapter 0)."""

    def __init__(self, model_dir: Path | None = None, max_tokens: int = 256, threads: int = 1) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        folder = model_dir or find_model_dir()
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self.tokenizer.enable_truncation(max_length=max_tokens)
        self.max_tokens = max_tokens
        options = ort.SessionOptions()
        # One thread by default: predictable on a shared 2-core machine where the build runs two
        # notebooks at once. A notebook with thousands of texts may ask for both cores; the
        # vectors are the same, and waiting threads sleep instead of spinning.
        options.intra_op_num_threads = threads
        if threads > 1:
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(folder / "onnx" / "model_quantized.onnx"), options,
                                            providers=["CPUExecutionProvider"])

    def count_tokens(self, text: str) -> int:
        """Word pieces the model sees, [CLS] and [SEP] included, before truncation."""
        self.tokenizer.no_truncation()
        try:
            return len(self.tokenizer.encode(text).ids)
        finally:
            self.tokenizer.enable_truncation(max_length=self.max_tokens)

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Unit vectors in the order of `texts`.

        A batch is padded to its longest text, and the model's work grows with the padded
        length, so texts are batched shortest first (and put back in order at the end):
        a 20-token text no longer waits in a batch padded to 256. Each text's vector is
        exactly what it was in input order, since padding is masked out.
        """
        if not len(texts):
            return np.zeros((0, 384), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(list(texts))  # padded to the longest of all
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        lengths = mask.sum(axis=1)
        order = np.argsort(lengths, kind="stable")
        out = np.empty((len(texts), 384), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            rows = order[start:start + batch_size]
            width = int(lengths[rows].max())
            batch_ids, batch_mask = ids[rows, :width], mask[rows, :width]
            (tokens,) = self.session.run(["last_hidden_state"], {
                "input_ids": batch_ids, "attention_mask": batch_mask, "token_type_ids": np.zeros_like(batch_ids)})
            weights = batch_mask[:, :, None].astype(np.float32)
            mean = (tokens * weights).sum(axis=1) / weights.sum(axis=1)
            out[rows] = mean / np.linalg.norm(mean, axis=1, keepdims=True)
        return out
