"""`voicebot chat TEXT --kommune K [--json]`, `voicebot intents eval FILE.jsonl`, `voicebot intents calibrate`.

All go through the same engine object as the voice pipeline (gateway.build_services). `chat` runs
the kommune's dialplan through the phone's dialog policy (voicebot/chat/session.py), exactly as
POST /api/chat does; `voicebot chat - --kommune odder` reads one question per line as one session."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from voicebot.config import load_settings
from voicebot.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("chat", help="ask a question as the chat API and the phone would answer it")
    p.add_argument("text", help="the question, e.g. 'hvad koster et pas?'; '-' reads one question per line")
    p.add_argument("--kommune", default=None, help="the caller's kommune, e.g. Odder")
    p.add_argument("--json", action="store_true", help="print the full result as JSON")
    p.add_argument("--at", default=None, help="ISO date-time of the chat, for opening hours (default: now)")
    p.set_defaults(func=run_chat)

    g = sub.add_parser("intents", help="evaluate or calibrate the intent engine")
    gs = g.add_subparsers(dest="intents_command", required=True, metavar="ACTION")
    e = gs.add_parser("eval", help="accuracy, macro-F1, confusions and confident-wrong rate on a JSONL file")
    e.add_argument("file", type=Path, help='JSONL, one {"text": ..., "intent": ...} per line')
    e.add_argument("--kommune", default=None)
    e.add_argument("--threshold", type=float, default=0.6, help="the dialplan's answer threshold (default 0.6)")
    e.add_argument("--json", action="store_true", help="end with one JSON object with the figures")
    e.set_defaults(func=run_eval)
    c = gs.add_parser("calibrate", help="refit confidence anchors by cross-validation (writes calibration.json)")
    c.add_argument("--out", type=Path, default=None, help="where to write (default: the engine's data folder)")
    c.set_defaults(func=run_calibrate)


def _engine():
    from voicebot.intent.factory import create_intent_engine

    return create_intent_engine(load_settings())


def run_chat(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from voicebot.api.chat import reply_json
    from voicebot.chat.session import ChatSession, plan_for
    from voicebot.dialog.registry import DialplanRegistry

    lines = sys.stdin.read().splitlines() if args.text == "-" else [args.text]
    lines = [t for t in lines if t.strip()]
    if not lines:
        raise InputError("the question is empty")
    settings = load_settings()
    plan = plan_for(DialplanRegistry.from_dir(settings.dialplans_dir), args.kommune)
    try:
        at = datetime.fromisoformat(args.at) if args.at else datetime.now(UTC)
    except ValueError as exc:
        raise InputError(f"--at: not an ISO date-time: {args.at!r}") from exc
    session = ChatSession(plan, _engine(), "cli", started_at=at)
    for text in lines:
        reply = session.ask(text)
        if args.json:
            print(json.dumps(reply_json(reply, "cli"), ensure_ascii=False))
        else:
            print(f"{reply.intent} ({reply.confidence:.2f}): {reply.answer}")
    return 0


def run_eval(args: argparse.Namespace) -> int:
    from voicebot.intent.evaluation import evaluate, read_jsonl

    if not 0.0 <= args.threshold <= 1.0:
        raise InputError("--threshold must be between 0 and 1")
    report = evaluate(_engine(), read_jsonl(args.file), kommune=args.kommune, threshold=args.threshold)
    print(f"n={report.n}  accuracy={report.accuracy:.3f}  macro-F1={report.macro_f1:.3f}  "
          f"confident-wrong={report.confident_wrong_rate:.3f}  answered={report.answered_rate:.3f}")
    if report.confusions:
        print("confusions (true → predicted: count)")
        for true, pred, count in report.confusions[:20]:
            print(f"  {true:>16} → {pred:<16} {count}")
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
    return 0


def run_calibrate(args: argparse.Namespace) -> int:
    from voicebot.intent.asr_data import ASR_FILE, load_transcripts
    from voicebot.intent.calibration import cross_validate, fit, write
    from voicebot.intent.knowledge import DATA_DIR
    from voicebot.intent.model import load_phrases

    pairs = cross_validate(load_phrases(DATA_DIR / "phrases.yaml"), asr=load_transcripts(DATA_DIR / ASR_FILE))
    cal = fit(pairs)
    out = args.out or DATA_DIR / "calibration.json"
    write(cal, out, len(pairs))
    print(f"{out}: raw anchors {', '.join(f'{x:.3f}' for x in cal.xs)}", file=sys.stderr)
    return 0
