"""Record mode: save a finished call as a suite-ready case for a tester to correct.

    save_case(folder, caller_pcm, 8000, record) → folder/<stamp>-<call_id>.wav
                                                  folder/<stamp>-<call_id>.yaml         (pre-filled expectation)
                                                  folder/<stamp>-<call_id>.record.json  (the call record as it was)

The expectation is what the bot did, so replaying the case passes until behaviour changes;
the tester corrects whatever the bot got wrong. Only call this for dialplans with recording consent.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from voicebot.calls.record import CallRecord
from voicebot.transports.wav import write_wav

HEADER = (
    "# Pre-filled from a recorded call: this is what the bot DID, not necessarily what it should do.\n"
    "# Check the transcript in {record}, correct `expect`, then commit the case to the suite.\n"
)


def case_name(record: dict[str, Any]) -> str:
    stamp = re.sub(r"[^0-9T]", "", str(record.get("started_at", "")))[:15]
    call_id = re.sub(r"[^A-Za-z0-9_-]", "", str(record.get("call_id", "call")))[:40] or "call"
    return f"{stamp}-{call_id}" if stamp else call_id


def expectation_from(record: dict[str, Any], dtmf: list[tuple[float, str]] | None = None) -> dict[str, Any]:
    expect: dict[str, Any] = {"intents": list(record.get("intents", []))}
    outcome = record.get("outcome")
    if outcome in ("contained", "transferred", "abandoned"):
        expect["outcome"] = outcome
    reason = (record.get("transfer") or {}).get("reason")
    if reason:
        expect["transfer_reason"] = reason
    gaps = record.get("response_gaps_ms") or []
    if gaps:  # the slowest gap seen, with headroom, rounded up to 100 ms
        expect["max_response_gap_ms"] = int(math.ceil(max(gaps) * 1.5 / 100.0) * 100)
    spec: dict[str, Any] = {"dialplan": record.get("dialplan") or "default"}
    if record.get("started_at"):
        spec["at"] = record["started_at"]
    if dtmf:
        spec["dtmf"] = [{"at_s": round(t, 2), "digit": d} for t, d in dtmf]
    spec["expect"] = expect
    return spec


def save_case(
    folder: Path,
    caller_pcm: np.ndarray,
    sample_rate: int,
    record: CallRecord | dict[str, Any],
    *,
    dtmf: list[tuple[float, str]] | None = None,
    name: str | None = None,
) -> tuple[Path, Path]:
    """Write the caller audio, the record and a pre-filled expectation; returns (wav, yaml)."""
    rec = record.to_dict() if isinstance(record, CallRecord) else dict(record)
    if sample_rate not in (8000, 16000):
        from voicebot.audio.resample import resample

        caller_pcm, sample_rate = resample(caller_pcm, sample_rate, 16000), 16000
    name = name or case_name(rec)
    folder.mkdir(parents=True, exist_ok=True)
    wav, spec_path, rec_path = folder / f"{name}.wav", folder / f"{name}.yaml", folder / f"{name}.record.json"
    write_wav(wav, np.asarray(caller_pcm, dtype=np.int16), sample_rate)
    rec_path.write_text(json.dumps(rec, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    body = yaml.safe_dump(expectation_from(rec, dtmf), allow_unicode=True, sort_keys=False, default_flow_style=None)
    spec_path.write_text(HEADER.format(record=rec_path.name) + body, encoding="utf-8")
    return wav, spec_path
