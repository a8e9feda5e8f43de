# ruff: noqa: E501  (the call table reads best one call per line)
"""Make the synthetic Danish suite in tests/calls/synthetic/: espeak-ng callers at 8 kHz (G.711 µ-law
round trip), one WAV + one expectation YAML per call. Re-run after changing CALLS:

    .venv/bin/python tests/calls/make_synthetic.py

Caller steps are timed from the end of the bot's greeting (measured with the project's own
synthesizer on the dialplan's greeting), so the first request comes after the greeting and
later steps come while or after the bot answers, as real callers do.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # tests/conftest.py: espeak_pcm

from speechkit import espeak_pcm  # noqa: E402

from voicebot.dialog.text import render  # noqa: E402
from voicebot.gateway import build_services  # noqa: E402
from voicebot.transports.wav import write_wav  # noqa: E402

RATE = 8000
OUT = HERE / "synthetic"
OPEN = "2026-11-24T10:15:00+01:00"  # a Tuesday morning
HOLIDAY = "2026-12-25T10:15:00+01:00"  # juledag
EVENING = "2026-11-24T21:30:00+01:00"
# what the odder dialplan does with a topic, where that is not "answer it"
RULES: dict[str, dict[str, Any]] = {"sagsstatus": {"outcome": "transferred", "transfer_reason": "intent_rule"}}

# (name, description, steps, options). A step is (gap_s, "say"|"dtmf"|"pause", value): the gap
# runs from the end of the previous step (the first: from the end of the greeting).
TOPICS: list[tuple[str, str, str]] = [
    ("pas", "Jeg skal have fornyet mit pas.", "Hvordan bestiller jeg et nyt pas?"),
    ("koerekort", "Jeg vil gerne forny mit kørekort.", "Mit kørekort er udløbet, hvad gør jeg?"),
    ("flytning", "Jeg skal flytte og vil melde adresseændring.", "Hvordan melder jeg flytning?"),
    ("laegeskift", "Jeg vil gerne skifte læge.", "Hvordan skifter jeg min praktiserende læge?"),
    ("sundhedskort", "Jeg har mistet mit sundhedskort.", "Hvordan får jeg et nyt sygesikringskort?"),
    ("mitid", "Jeg kan ikke logge på med MitID.", "Jeg har brug for hjælp til mit MitID."),
    ("digital_post", "Hvordan læser jeg min digitale post?", "Jeg vil gerne fritages for digital post."),
    ("tidsbestilling", "Jeg vil gerne bestille en tid hos borgerservice.", "Kan jeg booke en tid?"),
    ("aabningstider", "Hvornår har I åbent?", "Hvad er jeres åbningstider i borgerservice?"),
    ("kontakt_adresse", "Hvad er jeres adresse?", "Hvor ligger rådhuset?"),
    ("rotter", "Jeg har set en rotte i haven.", "Jeg vil anmelde rotter."),
    (
        "pladsanvisning",
        "Jeg skal have en vuggestueplads til mit barn.",
        "Hvordan skriver jeg mit barn op til børnehave?",
    ),
    ("sagsstatus", "Jeg vil høre, hvordan det går med min sag.", "Hvornår får jeg svar på min ansøgning?"),
    ("fuldmagt", "Jeg vil give min søn fuldmagt.", "Hvordan giver jeg en fuldmagt til min datter?"),
]


def calls() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    n = 0
    for intent, first, second in TOPICS:
        for k, text in enumerate((first, second)):
            n += 1
            steps = [(0.8, "say", text)] + ([(9.0, "say", "Nej tak, det var det hele.")] if k == 1 else [])
            expect: dict[str, Any] = {"intents": [intent]} if k == 0 else {"intents_any": [intent]}
            expect.update(RULES.get(intent, {"outcome": "contained"}))
            out.append(
                {
                    "name": f"{n:03d}-{intent}-{k + 1}",
                    "description": f"topic {intent}" + (", then no more questions" if k else ""),
                    "steps": steps,
                    "expect": expect,
                }
            )
    human = "transferred"
    extra: list[dict[str, Any]] = [
        {"name": "human-1", "description": "asks for a human", "steps": [(0.8, "say", "Jeg vil gerne tale med en medarbejder.")],
         "expect": {"intents": ["medarbejder"], "outcome": human, "transfer_reason": "caller_request"}},
        {"name": "human-2", "description": "asks for a person after a topic",
         "steps": [(0.8, "say", "Jeg skal have et nyt pas."), (9.0, "say", "Må jeg tale med et menneske?")],
         "expect": {"intents_any": ["pas", "medarbejder"], "outcome": human, "transfer_reason": "caller_request"}},
        {"name": "dtmf0-1", "description": "presses 0 after the greeting", "steps": [(1.0, "dtmf", "0")],
         "expect": {"intents": [], "outcome": human, "transfer_reason": "caller_request"}},
        {"name": "dtmf0-2", "description": "presses 0 during the greeting", "steps": [(-2.0, "dtmf", "0")],
         "expect": {"outcome": human, "transfer_reason": "caller_request"}},
        {"name": "dtmf-menu", "description": "presses 1 (kørekort in the key menu)", "steps": [(1.0, "dtmf", "1")],
         "expect": {"intents": [], "say_contains": ["180 kroner"]}},
        {"name": "noinput", "description": "says nothing: two re-prompts, then the bot hangs up",
         "steps": [(30.0, "pause", 0)],
         "expect": {"intents": [], "outcome": "abandoned", "record": {"end_reason": "bot_hangup"}}},
        {"name": "nomatch", "description": "talks about something the bot does not know",
         "steps": [(0.8, "say", "Min kat har spist min hjemmelavede lasagne.")],
         "expect": {"intents": [], "outcome": "abandoned"}},
        {"name": "closed-holiday", "description": "asks for a human on Christmas Day: told the hours, no transfer",
         "at": HOLIDAY, "steps": [(0.8, "say", "Jeg vil gerne tale med en medarbejder.")],
         "expect": {"intents": ["medarbejder"], "outcome": "abandoned", "say_contains": ["lukket"]}},
        {"name": "closed-evening-topic", "description": "a topic in the evening: the bot still answers",
         "at": EVENING, "steps": [(0.8, "say", "Hvordan bestiller jeg et nyt pas?")],
         "expect": {"intents": ["pas"], "outcome": "contained", "say_contains": ["lukket"]}},
        {"name": "survey", "description": "topic, no more questions, rates 3 on the survey",
         "steps": [(0.8, "say", "Jeg vil gerne skifte læge."), (9.0, "say", "Nej tak."), (4.0, "dtmf", "3")],
         "expect": {"intents_any": ["laegeskift"], "outcome": "contained", "record": {"rating": 3}}},
        {"name": "bargein", "description": "interrupts the greeting with a request",
         "steps": [(-2.5, "say", "Jeg skal bruge et nyt sundhedskort.")],
         "expect": {"intents": ["sundhedskort"], "outcome": "contained", "record": {"barge_ins": 1}}},
        {"name": "two-topics", "description": "two topics in one call",
         "steps": [(0.8, "say", "Jeg skal flytte."), (9.0, "say", "Ja, hvornår har I åbent?")],
         "expect": {"intents_any": ["flytning", "aabningstider"], "outcome": "contained"}},
        {"name": "goodbye", "description": "says no thanks at once: goodbye and the survey",
         "steps": [(0.8, "say", "Nej, det var ikke noget. Tak, farvel.")],
         "expect": {"intents_any": ["afslut"], "say_contains": ["bedømme"]}},
    ]  # fmt: skip
    for k, call in enumerate(extra):
        call["name"] = f"{len(out) + k + 1:03d}-{call['name']}"
    return out + extra


def greeting_seconds(services: Any, plan_name: str) -> float:
    plan = services.dialplans.get(plan_name)
    synth = services.synthesizer(plan)
    text = render(plan.greeting, {"kommune": plan.kommune or "kommunen", "hours": ""}).text
    if plan.recording_consent is not None:
        text = render(plan.recording_consent, {}).text + " " + text
    menu = plan.dtmf_menu.prompt.text if plan.dtmf_menu and plan.dtmf_menu.announce else ""
    return len(synth.synthesize(f"{text} {menu}".strip(), RATE)) / RATE


def render_call(call: dict[str, Any], greeting_s: float) -> tuple[np.ndarray, list[dict[str, Any]]]:
    t = greeting_s
    pieces: list[tuple[float, np.ndarray]] = []
    dtmf: list[dict[str, Any]] = []
    for gap, kind, value in call["steps"]:
        t = max(0.5, t + gap)
        if kind == "say":
            pcm = espeak_pcm(value, RATE)
            pieces.append((t, pcm))
            t += len(pcm) / RATE
        elif kind == "dtmf":
            dtmf.append({"at_s": round(t, 2), "digit": value})
            t += 0.2
    end = t + 1.0
    pcm = np.zeros(int(end * RATE), np.int16)
    for start, p in pieces:
        i = int(start * RATE)
        pcm[i : i + len(p)] = p
    return pcm, dtmf


DTMF_EXPECT = {  # the odder key menu: 0 human, 1 kørekort, 2 flytning, 9 repeat; other keys do nothing
    "0": {"outcome": "transferred", "transfer_reason": "caller_request"},
    "1": {"intents": [], "say_contains": ["180 kroner"]},
    "2": {"intents": [], "say_contains": ["fem dage"]},
}


def make_dtmf_suite(greeting_s: float) -> int:
    """tests/calls/sipp_dtmf/: SIPp's RFC 2833 captures (GPL-2.0-or-later, see SOURCE.md), one key each."""
    from voicebot.suite.pcap import read_call_pcap

    src = HERE.parent.parent.parent / "shared" / "corpus" / "sip_calls" / "sipp" / "pcap"
    out = HERE / "sipp_dtmf"
    if not src.is_dir():
        print(f"no corpus at {src}; sipp_dtmf/ left as it is")
        return 0
    out.mkdir(exist_ok=True)
    suite = {
        "dialplans": "../../../dialplans",
        "dialplan": "odder",
        "at": OPEN,
        "lead_silence_s": round(greeting_s + 0.8, 1),
    }
    (out / "suite.yaml").write_text(
        "# Defaults: each key is pressed just after the odder greeting.\n" + yaml.safe_dump(suite)
    )
    n = 0
    for pcap in sorted(src.glob("dtmf_2833_*.pcap")):
        _, presses = read_call_pcap(pcap)
        digit = presses[0][1]
        expect = DTMF_EXPECT.get(digit, {"intents": [], "outcome": "abandoned"})
        spec = {"description": f"presses {digit} (RFC 2833 capture)", "expect": expect}
        (out / pcap.name).write_bytes(pcap.read_bytes())
        body = yaml.safe_dump(spec, allow_unicode=True, sort_keys=False, default_flow_style=None)
        (out / f"{pcap.stem}.yaml").write_text(body, encoding="utf-8")
        n += 1
    return n


def main() -> int:
    plan_name = sys.argv[1] if len(sys.argv) > 1 else "odder"
    services = build_services(dialplans_dir=HERE.parent.parent / "dialplans")
    greeting_s = greeting_seconds(services, plan_name)
    OUT.mkdir(parents=True, exist_ok=True)
    for old in list(OUT.glob("*.wav")) + [p for p in OUT.glob("*.yaml") if p.name != "suite.yaml"]:
        old.unlink()
    suite = {"dialplans": "../../../dialplans", "dialplan": plan_name, "at": OPEN}
    (OUT / "suite.yaml").write_text(
        "# Defaults for every call in this folder (made by ../make_synthetic.py).\n" + yaml.safe_dump(suite)
    )
    for call in calls():
        pcm, dtmf = render_call(call, greeting_s)
        # Keep the files small: the silence before the caller's first sound becomes lead_silence_s.
        voiced = np.flatnonzero(pcm)
        first = min([voiced[0] / RATE if len(voiced) else len(pcm) / RATE - 1.0] + [d["at_s"] for d in dtmf])
        lead = max(0.0, round(float(first) - 0.3, 1))
        pcm = pcm[round(lead * RATE) :]
        dtmf = [{"at_s": round(d["at_s"] - lead, 2), "digit": d["digit"]} for d in dtmf]
        write_wav(OUT / f"{call['name']}.wav", pcm, RATE)
        spec: dict[str, Any] = {"description": call["description"]}
        if "at" in call:
            spec["at"] = call["at"]
        if lead:
            spec["lead_silence_s"] = lead
        if dtmf:
            spec["dtmf"] = dtmf
        spec["expect"] = call["expect"]
        body = yaml.safe_dump(spec, allow_unicode=True, sort_keys=False, default_flow_style=None)
        (OUT / f"{call['name']}.yaml").write_text(body, encoding="utf-8")
    print(f"{len(calls())} calls in {OUT.name}/ (greeting {greeting_s:.1f} s, dialplan {plan_name})")
    print(f"{make_dtmf_suite(greeting_s)} calls in sipp_dtmf/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
