"""Headless Chromium from the command line: the rendered DOM and a screenshot of a page."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def chromium(args: list[str], profile: Path, timeout: float = 60.0) -> str:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}", "--window-size=1280,1000",
             "--virtual-time-budget=3000", "--lang=da-DK"]  # fmt: skip
    r = subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=timeout, check=False)
    assert r.returncode == 0, r.stderr[-800:]
    return r.stdout


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def artefact_dir(default: Path) -> Path:
    """Where screenshots go: VOICEBOT_ARTEFACTS if set (CI keeps it), else a tmp folder."""
    folder = Path(os.environ.get("VOICEBOT_ARTEFACTS") or default)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def shoot(url: str, png: Path, profile: Path) -> str:
    """The page's rendered text, and its screenshot at `png`."""
    html = chromium(["--dump-dom", url], profile)
    chromium([f"--screenshot={png}", url], profile)
    assert png.stat().st_size > 5000, f"empty screenshot of {url}"
    return text_of(html)
