"""SmolLM2's tokenizer, rebuilt from the vocabulary and merges stored in its GGUF file.

The GGUF says `tokenizer.ggml.model = gpt2` (byte-level BPE) and `pre = smollm`, which in
llama.cpp means: digits are split one by one, then GPT-2's byte-level pre-tokenizer. The
`tokenizers` library does the BPE itself; special tokens (type 3, "control", such as
`<|im_start|>`) are matched whole, as llama.cpp does for prompts.
"""

from __future__ import annotations

from pathlib import Path

CONTROL = 3  # gguf token type of special tokens


def load_tokenizer(path: Path):  # noqa: ANN201 - a tokenizers.Tokenizer
    from gguf import GGUFReader
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers

    reader = GGUFReader(str(path))

    def strings(name: str) -> list[str]:
        f = reader.fields[name]
        return [bytes(f.parts[i]).decode("utf-8") for i in f.data]

    tokens = strings("tokenizer.ggml.tokens")
    merges = [tuple(m.split(" ", 1)) for m in strings("tokenizer.ggml.merges")]
    types = reader.fields["tokenizer.ggml.token_type"]
    special = [tokens[n] for n, i in enumerate(types.data) if int(types.parts[i][0]) == CONTROL]
    tok = Tokenizer(models.BPE(vocab={t: i for i, t in enumerate(tokens)}, merges=merges))
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Digits(individual_digits=True), pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)]
    )
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in special])
    return tok
