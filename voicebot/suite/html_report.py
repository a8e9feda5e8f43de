"""The HTML report: summary, charts (embedded PNG), and per call expected vs got, the
transcript and audio players. The WAVs are written beside the report in `<stem>_files/`.
"""

from __future__ import annotations

import base64
from html import escape
from pathlib import Path
from typing import Any

from voicebot.suite.charts import confusion_image, gap_histogram
from voicebot.suite.check import bot_text, transfer_reason
from voicebot.suite.results import CallResult
from voicebot.transports.wav import write_wav

CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;max-width:1100px;color:#222}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}
.passed{color:#1e7b34}.failed,.error{color:#b3261e}details{margin:.6em 0;border:1px solid #ddd;padding:.4em .8em}
summary{cursor:pointer;font-weight:600}.turn-bot{color:#3b6ea5}.why{color:#b3261e;margin:.3em 0}
.charts img{max-width:100%;margin-right:1em}pre{white-space:pre-wrap;margin:0}
"""


def _img(png: bytes, alt: str) -> str:
    return f'<img alt="{escape(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'


def _fmt(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, list):
        return ", ".join(str(x) for x in v) or "(none)"
    return str(v)


def _expected_vs_got(r: CallResult) -> str:
    exp, rec = r.expect or {}, r.record or {}
    gaps = rec.get("response_gaps_ms") or []
    rows = [
        ("intents", exp.get("intents", exp.get("intents_any")), rec.get("intents")),
        ("outcome", exp.get("outcome"), rec.get("outcome")),
        ("transfer reason", exp.get("transfer_reason"), transfer_reason(rec) if rec else None),
        ("max response gap ms", exp.get("max_response_gap_ms"), round(max(gaps)) if gaps else None),
    ]
    for key, want in (exp.get("record") or {}).items():
        rows.append((key, want, rec.get(key)))
    if exp.get("say_contains"):
        said = bot_text(rec).lower()
        rows.append(("bot says", exp["say_contains"], [s for s in exp["say_contains"] if s.lower() in said]))
    body = "".join(
        f"<tr><th>{escape(k)}</th><td>{escape(_fmt(w))}</td><td>{escape(_fmt(g))}</td></tr>" for k, w, g in rows
    )
    return f"<table><tr><th></th><th>expected</th><th>got</th></tr>{body}</table>"


def _transcript(rec: dict[str, Any] | None) -> str:
    if not rec:
        return ""
    rows = []
    for t in rec.get("turns", []):
        tag = f" <i>[{escape(t['intent'])} {t.get('confidence') or 0:.2f}]</i>" if t.get("intent") else ""
        rows.append(
            f'<tr class="turn-{escape(t["speaker"])}"><td>{t["start_s"]:.2f}s</td><td>{escape(t["speaker"])}</td>'
            f"<td>{escape(t['text'])}{tag}</td></tr>"
        )
    return f"<table>{''.join(rows)}</table>"


def _audio(r: CallResult, files: Path, rel: str) -> str:
    players = []
    for who, pcm in (("caller", r.caller_audio), ("bot", r.bot_audio)):
        if pcm is None or len(pcm) == 0:
            continue
        name = f"{r.name}.{who}.wav"
        write_wav(files / name, pcm, r.sample_rate)
        players.append(f'{who} <audio controls preload="none" src="{escape(rel)}/{escape(name)}"></audio>')
    return "<p>" + " &nbsp; ".join(players) + "</p>" if players else ""


def write_html(path: Path, results: list[CallResult], *, suite_name: str, summary: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    files = path.parent / f"{path.stem}_files"
    rel = files.name
    gaps = [g for r in results if r.record for g in r.record.get("response_gaps_ms") or []]
    pairs = [p for r in results if r.record for p in r.pairs]
    head = "".join(f"<tr><th>{escape(k)}</th><td>{escape(_fmt(v))}</td></tr>" for k, v in summary.items())
    index = "".join(
        f'<tr><td><a href="#{escape(r.name)}">{escape(r.name)}</a></td><td class="{r.status}">{r.status}</td>'
        f"<td>{escape((r.error or '; '.join(r.failures))[:160])}</td></tr>"
        for r in results
    )
    parts = [
        f"<!doctype html><html lang='da'><meta charset='utf-8'><title>Replay: {escape(suite_name)}</title>",
        f"<style>{CSS}</style><h1>Replay suite {escape(suite_name)}</h1><table>{head}</table>",
        "<h2>Charts</h2><div class='charts'>",
        _img(gap_histogram(gaps), "response gap histogram"),
        _img(confusion_image(pairs), "intent confusion table"),
        f"</div><h2>Calls</h2><table><tr><th>call</th><th>status</th><th>why</th></tr>{index}</table>",
    ]
    for r in results:
        why = (r.error and [r.error]) or r.failures
        parts.append(
            f'<details id="{escape(r.name)}"{" open" if not r.passed else ""}><summary>{escape(r.name)} '
            f'<span class="{r.status}">{r.status}</span> {escape(r.description or "")}</summary>'
            + "".join(f'<div class="why">{escape(w)}</div>' for w in why)
            + (_expected_vs_got(r) if r.record or r.expect else "")
            + _audio(r, files, rel)
            + _transcript(r.record)
            + "</details>"
        )
    path.write_text("\n".join(parts) + "</html>\n", encoding="utf-8")
