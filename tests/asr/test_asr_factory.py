"""Engine selection and the model-folder errors: they name the path and what it should hold."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from voicebot.asr.factory import ENGINES, create_recognizer
from voicebot.asr.sherpa import find_model_files
from voicebot.asr.vosk import check_model_dir as check_vosk
from voicebot.asr.whisper import check_model_dir as check_whisper
from voicebot.asr.whisper import context_frames
from voicebot.config import Settings
from voicebot.errors import ConfigError, ModelError


@pytest.fixture
def settings(tmp_path):
    return replace(Settings(), models_dir=tmp_path)


def test_unknown_engine_lists_the_known_ones(settings):
    with pytest.raises(ConfigError, match="known: whisper, vosk"):
        create_recognizer(settings, "kaldi-magic")
    assert set(ENGINES) >= {"whisper", "vosk", "sherpa"}


@pytest.mark.parametrize("engine", ["vosk", "sherpa", "sherpa-streaming"])
def test_engines_without_embedded_model_need_a_model(settings, engine):
    with pytest.raises(ModelError, match="no embedded model") as err:
        create_recognizer(settings, engine)
    assert str(settings.models_dir) in str(err.value)


@pytest.mark.parametrize(
    ("engine", "expect"),
    [("whisper", "model.bin"), ("vosk", "am/final.mdl"), ("sherpa", "tokens.txt")],
)
def test_missing_folder_names_path_and_files(settings, engine, expect):
    with pytest.raises(ModelError, match="does not exist") as err:
        create_recognizer(settings, engine, "da-model")
    assert str(settings.models_dir / "da-model") in str(err.value)
    assert expect in str(err.value)


def test_incomplete_vosk_folder_lists_missing_files(tmp_path):
    (tmp_path / "am").mkdir()
    (tmp_path / "am" / "final.mdl").write_bytes(b"x")
    (tmp_path / "graph").mkdir()
    (tmp_path / "graph" / "HCLr.fst").write_bytes(b"x")
    with pytest.raises(ModelError, match="incomplete") as err:
        check_vosk(tmp_path)
    msg = str(err.value)
    assert "conf/mfcc.conf" in msg and "conf/model.conf" in msg and "graph/HCLG.fst" in msg
    assert "am/final.mdl" not in msg


def test_incomplete_whisper_folder_lists_missing_files(tmp_path):
    (tmp_path / "model.bin").write_bytes(b"x")
    with pytest.raises(ModelError, match=re.escape("missing config.json, tokenizer.json, vocabulary.txt")):
        check_whisper(tmp_path)


def test_sherpa_folder_picks_int8_and_reports_missing(tmp_path):
    (tmp_path / "tokens.txt").write_text("a 0\n")
    for name in ("encoder.onnx", "encoder.int8.onnx", "decoder.onnx"):
        (tmp_path / name).write_bytes(b"x")
    with pytest.raises(ModelError, match=r"missing joiner\*\.onnx"):
        find_model_files(tmp_path)
    (tmp_path / "joiner.int8.onnx").write_bytes(b"x")
    files = find_model_files(tmp_path)
    assert files["encoder"].name == "encoder.int8.onnx"
    assert files["decoder"].name == "decoder.onnx"


def test_sherpa_bad_onnx_files_give_model_error(tmp_path):
    pytest.importorskip("sherpa_onnx", reason="optional extra sherpa-onnx not installed")
    (tmp_path / "tokens.txt").write_text("<blk> 0\na 1\n")
    for part in ("encoder", "decoder", "joiner"):
        (tmp_path / f"{part}.onnx").write_bytes(b"not an onnx file")
    settings = replace(Settings(), models_dir=tmp_path.parent)
    with pytest.raises(ModelError, match="cannot load sherpa-onnx model"):
        create_recognizer(settings, "sherpa", tmp_path.name)


def test_context_frames_grow_in_one_second_buckets():
    assert context_frames(16000, min_ctx_s=5, tail_s=1) == 500
    assert context_frames(16000 * 5, min_ctx_s=3, tail_s=1) == 600
    assert context_frames(int(16000 * 4.2), min_ctx_s=3, tail_s=1) == 600
    assert context_frames(16000 * 40, min_ctx_s=3, tail_s=1) == 3000
