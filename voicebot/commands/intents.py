"""`voicebot chat TEXT --kommune K [--json]`, `voicebot intents eval FILE.jsonl`, `voicebot intents calibrate`.

All go through the same engine object as the voice pipeline (gateway.build_services)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from voicebot.config import load_settings
from voicebot.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("chat", help="ask the intent engine one question, as the chat API would")
    p.add_argument("text", help="the question, e.g. 'hvad koster et pas?'")
    p.add_argument("--kommune", default=None, help="the caller's kommune, e.g. Odder")
    p.add_argument("--json", action="store_true", help="print the full result as JSON")
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
    if not args.text.strip():
        raise InputError("the question is empty")
    res = _engine().classify(args.text, kommune=args.kommune)
    if args.json:
        out = res.to_dict()
        out["handoff"] = res.intent == "medarbejder"
        print(json.dumps(out, ensure_ascii=False))
    else:
        print(f"{res.intent} ({res.confidence:.2f}): {res.answer or ''}")
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
