"""Report charts as PNG bytes: the response-gap histogram and the intent confusion table."""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display; must precede pyplot
import matplotlib.pyplot as plt

from voicebot.suite.check import NONE


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def gap_histogram(gaps_ms: list[float]) -> bytes:
    fig, ax = plt.subplots(figsize=(6.4, 3.2))
    if gaps_ms:
        ax.hist(gaps_ms, bins=min(30, max(5, len(gaps_ms) // 2)), color="#3b6ea5", edgecolor="white")
        for q, style in ((50, "--"), (95, ":")):
            v = sorted(gaps_ms)[min(len(gaps_ms) - 1, int(len(gaps_ms) * q / 100))]
            ax.axvline(v, color="#c0392b", linestyle=style, label=f"p{q} {v:.0f} ms")
        ax.legend()
    else:
        ax.text(0.5, 0.5, "no response gaps", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel("response gap (ms): end of caller speech → first bot audio")
    ax.set_ylabel("turns")
    return _png(fig)


def confusion_matrix(pairs: list[tuple[str, str]]) -> tuple[list[str], list[str], list[list[int]]]:
    counts = Counter(pairs)
    rows = sorted({w for w, _ in pairs}, key=lambda x: (x == NONE, x))
    cols = sorted({g for _, g in pairs} | {w for w in rows if w != NONE}, key=lambda x: (x == NONE, x))
    return rows, cols, [[counts[(r, c)] for c in cols] for r in rows]


def confusion_image(pairs: list[tuple[str, str]]) -> bytes:
    rows, cols, grid = confusion_matrix(pairs)
    fig, ax = plt.subplots(figsize=(max(4.0, 0.45 * len(cols) + 2), max(2.5, 0.4 * len(rows) + 1.5)))
    if not pairs:
        ax.text(0.5, 0.5, "no intent expectations", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return _png(fig)
    top = max(max(r) for r in grid) or 1
    ax.imshow(grid, cmap="Blues", vmin=0, vmax=top, aspect="auto")
    for i, row in enumerate(grid):
        for j, n in enumerate(row):
            if n:
                right = rows[i] == cols[j]
                ax.text(j, i, str(n), ha="center", va="center", color="white" if n > top / 2 else "black",
                        fontweight="bold" if right else "normal")  # fmt: skip
    ax.set_xticks(range(len(cols)), cols, rotation=60, ha="right")
    ax.set_yticks(range(len(rows)), rows)
    ax.set_xlabel("recognised")
    ax.set_ylabel("expected")
    return _png(fig)
