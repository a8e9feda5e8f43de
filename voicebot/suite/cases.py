"""A suite folder: recordings paired with expectation files by stem, plus `suite.yaml` defaults.

Every problem with one call (no expectation file, a bad key, a recording that cannot be
read, a wrong sample rate) becomes that call's `error`; the rest of the suite still runs.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from voicebot.errors import InputError
from voicebot.suite.pcap import read_call_pcap
from voicebot.suite.schema import CallSpec, load_defaults, merge, parse_spec, read_yaml
from voicebot.transports.wav import CallAudio, read_call_wav

RECORDING_EXTS = (".wav", ".pcap", ".pcapng")
SUITE_RATES = (8000, 16000)


@dataclass
class Case:
    name: str
    recording: Path | None
    spec_path: Path
    spec: CallSpec | None = None
    error: str | None = None


@dataclass
class Suite:
    folder: Path
    cases: list[Case] = field(default_factory=list)
    dialplans_dir: Path | None = None


@dataclass(frozen=True)
class Recording:
    audio: CallAudio
    dtmf: list[tuple[float, str]]  # (t, digit) on the call timeline


def load_suite(folder: Path, pattern: str | None = None) -> Suite:
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder")
    defaults, dialplans_dir = load_defaults(folder)
    recordings = {p.stem: p for p in sorted(folder.iterdir()) if p.suffix.lower() in RECORDING_EXTS}
    specs = {p.stem: p for p in sorted(folder.glob("*.yaml")) if p.name != "suite.yaml"}
    names = sorted(set(recordings) | set(specs))
    if pattern:
        names = [n for n in names if fnmatch.fnmatch(n, pattern) or pattern in n]
    suite = Suite(folder, dialplans_dir=dialplans_dir)
    for name in names:
        spec_path = specs.get(name, folder / f"{name}.yaml")
        case = Case(name, recordings.get(name), spec_path)
        if case.recording is None:
            case.error = f"{spec_path.name}: no recording {name}.wav/.pcap beside it"
        elif name not in specs:
            case.error = f"{case.recording.name}: missing expectation file {spec_path.name}"
        else:
            try:
                raw = read_yaml(spec_path)
                if "expect" not in raw:  # defaults may add to it, but each call says what should happen
                    raise InputError(f"{spec_path.name}: missing `expect:` (what should happen in this call)")
                case.spec = parse_spec(spec_path, merge(defaults, raw))
            except InputError as exc:
                case.error = str(exc)
        suite.cases.append(case)
    if not suite.cases and pattern and recordings:
        raise InputError(f"{folder}: no call matches -k {pattern!r} (one glob or substring of a call's name)")
    if not suite.cases:
        raise InputError(f"{folder}: no recordings (.wav, .pcap, .pcapng) or expectation files (.yaml)")
    return suite


def load_recording(case: Case) -> Recording:
    """The caller audio and DTMF of a case; raises InputError (AudioFormatError) with the file name."""
    assert case.recording is not None and case.spec is not None
    path = case.recording
    dtmf = [(d.at_s, d.digit) for d in case.spec.dtmf]
    if path.suffix.lower() == ".wav":
        audio = read_call_wav(path)
        if audio.sample_rate not in SUITE_RATES:
            raise InputError(
                f"{path.name}: sample rate {audio.sample_rate} Hz; suite recordings must be 8000 or 16000 Hz"
            )
    else:
        audio, pressed = read_call_pcap(path)
        dtmf = sorted(pressed + dtmf)
    lead = case.spec.lead_silence_s
    if lead > 0:
        pad = np.zeros(round(lead * audio.sample_rate), np.int16)
        audio = CallAudio(np.concatenate([pad, audio.pcm]), audio.sample_rate)
        dtmf = [(t + lead, d) for t, d in dtmf]
    return Recording(audio, dtmf)
