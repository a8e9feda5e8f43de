"""Hot reload: a valid change applies to new calls, a broken file keeps the old plan, calls keep theirs."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from voicebot.dialog.registry import DialplanRegistry
from voicebot.errors import ConfigError

PLAN = "schema: 1\nkommune: Odder\nnumbers: ['+4587803333']\ngreeting: \"{greeting}\"\n"


def write(folder: Path, name: str, greeting: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(PLAN.format(greeting=greeting), encoding="utf-8")
    return path


def test_broken_file_keeps_the_old_plan_and_logs_the_error(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = write(tmp_path, "odder", "Goddag, version et.")
    reg = DialplanRegistry.from_dir(tmp_path)
    in_call = reg.get("odder")  # a call in progress holds this object
    assert in_call.greeting.text == "Goddag, version et."

    path.write_text("schema: 1\nkommune: Odder\nthresholds: {answer: 7}\n", encoding="utf-8")
    with caplog.at_level(logging.ERROR, logger="voicebot.dialog.registry"):
        report = reg.reload()
    assert list(report.rejected) == ["odder"] and report.loaded == []
    assert reg.get("odder") is in_call  # the old plan stays in force
    assert f"{path}:3:22: thresholds.answer" in caplog.text and "keeping the previous version" in caplog.text
    assert reg.rejected == {"odder.yaml": report.rejected["odder"]}

    write(tmp_path, "odder", "Goddag, version to.")
    report = reg.reload()
    assert report.loaded == ["odder"] and reg.rejected == {}
    assert reg.get("odder").greeting.text == "Goddag, version to."
    assert in_call.greeting.text == "Goddag, version et."  # the call in progress kept its plan


def test_unchanged_files_are_not_reloaded_and_removed_files_go(tmp_path: Path) -> None:
    write(tmp_path, "odder", "Goddag.")
    write(tmp_path, "default", "Goddag fra default.")
    reg = DialplanRegistry.from_dir(tmp_path)
    assert reg.names() == ["default", "odder"]
    assert not reg.reload().changed
    (tmp_path / "odder.yaml").unlink()
    (tmp_path / "default.yaml").unlink()
    report = reg.reload()
    assert sorted(report.removed) == ["default", "odder"]
    assert reg.names() == ["default"]  # the built-in default takes over
    assert reg.get("default").greeting.text.startswith("Goddag, du har ringet til kommunen")
    with pytest.raises(ConfigError, match="unknown dialplan 'odder'"):
        reg.get("odder")


def test_a_new_invalid_file_is_not_loaded(tmp_path: Path) -> None:
    reg = DialplanRegistry.from_dir(tmp_path)
    (tmp_path / "aarhus.yaml").write_text("schema: 1\ngreting: x\n", encoding="utf-8")
    assert "aarhus" in reg.reload().rejected
    assert reg.names() == ["default"]


def test_lookup_by_called_number(tmp_path: Path) -> None:
    write(tmp_path, "odder", "Goddag.")
    reg = DialplanRegistry.from_dir(tmp_path)
    for called in ("+4587803333", "4587803333", "004587803333", "87803333", "sip:+4587803333"):
        assert reg.for_number(called).name == "odder", called
    assert reg.for_number("+4589402000").name == "default"
    assert reg.for_number("").name == "default"


async def test_watch_picks_up_a_change(tmp_path: Path) -> None:
    write(tmp_path, "odder", "Før.")
    reg = DialplanRegistry.from_dir(tmp_path)
    task = asyncio.create_task(reg.watch(0.01))
    try:
        write(tmp_path, "odder", "Efter.")
        for _ in range(500):
            await asyncio.sleep(0.01)
            if reg.get("odder").greeting.text == "Efter.":
                break
        assert reg.get("odder").greeting.text == "Efter."
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
