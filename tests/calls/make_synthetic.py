"""Make the synthetic Danish suite in tests/calls/synthetic/: espeak-ng callers at 8 kHz (G.711 µ-law
round trip), one WAV + one expectation YAML per call. Re-run after changing CALLS:

    .venv/bin/python tests/calls/make_synthetic.py

Spoken calls come from callers who listen (synthetic_caller.py): each answer is placed after the
bot's reply, found by replaying the call so far with fixed timing, so a recording runs to the end
of the conversation it claims. Key and silence calls keep fixed steps, timed from the end of the
greeting (measured with the project's own synthesizer).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from voicebot.asr import numerics

numerics.pin()  # before numpy: the callers react to what the bot heard, the same on any machine

import numpy as np  # noqa: E402
import yaml  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # tests/conftest.py: espeak_pcm

from speechkit import espeak_pcm  # noqa: E402
from synthetic_caller import Caller, simulate  # noqa: E402

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


def callers() -> list[Caller]:
    """Callers who listen and answer (see synthetic_caller.py): topics, a person, closed line, survey."""
    out: list[Caller] = []
    n = 0
    for intent, first, second in TOPICS:
        for k, says in enumerate(([first, second], [second, first])):
            n += 1
            rule = RULES.get(intent, {"outcome": "contained", "record": {"answered": [intent]}})
            out.append(
                Caller(f"{n:03d}-{intent}-{k + 1}", f"topic {intent}" + (", then no more questions" if k else ""),
                       says, intent, dict(rule), more=["Nej tak, det var det hele."] if k else [None])
            )  # fmt: skip
    human = {"outcome": "transferred"}
    extra = [
        Caller("human-1", "asks for a person by voice",
               ["Jeg vil gerne tale med en medarbejder.", "Medarbejder."], "medarbejder", human),
        Caller("human-2", "asks for a person after a topic", ["Jeg skal have et nyt pas."], "pas", human,
               more=["Må jeg tale med et menneske?"]),
        Caller("nomatch", "talks about something the bot does not know: the menu, then a person, never a hang-up",
               ["Min kat har spist min hjemmelavede lasagne."], None,
               {"outcome": "transferred", "transfer_reason": "no_match_limit", "say_contains": ["trykke"]}),
        Caller("closed-holiday", "asks for a person on Christmas Day: told the hours, no transfer",
               ["Jeg vil gerne tale med en medarbejder.", "Medarbejder."], "medarbejder",
               {"outcome": "abandoned", "say_contains": ["lukket"]}, at=HOLIDAY),
        Caller("closed-evening-topic", "a topic in the evening: the bot still answers",
               ["Hvordan bestiller jeg et nyt pas?", "Jeg skal have fornyet mit pas."], "pas",
               {"outcome": "contained", "say_contains": ["lukket"], "record": {"answered": ["pas"]}}, at=EVENING),
        Caller("survey", "topic, no more questions, rates 3 on the survey", ["Jeg vil gerne skifte læge."],
               "laegeskift", {"outcome": "contained", "record": {"rating": 3, "answered": ["laegeskift"]}},
               more=["Nej tak."], rating="3"),
        Caller("bargein", "interrupts the greeting with a request",
               ["Jeg skal bruge et nyt sundhedskort.", "Jeg har mistet mit sundhedskort."], "sundhedskort",
               {"outcome": "contained", "record": {"barge_ins": 1, "answered": ["sundhedskort"]}}, first_gap_s=-2.5),
        Caller("two-topics", "two topics in one call", ["Jeg skal flytte."], "flytning",
               {"outcome": "contained", "record": {"answered": ["flytning", "aabningstider"]}},
               more=["Hvornår har I åbent?", None]),
        Caller("goodbye", "says no thanks at once: goodbye and the survey",
               ["Nej, det var ikke noget. Tak, farvel."], None, {"say_contains": ["bedømme"]},
               accepts_person=False),
    ]  # fmt: skip
    for c in out + extra:
        if c.goal:
            c.expect = {"topic": c.goal, **c.expect}
    for k, c in enumerate(extra):  # 029-030, then the fixed calls 031-034, then 035-
        c.name = f"{len(out) + k + 1 + (4 if k >= 2 else 0):03d}-{c.name}"
    return out + extra


def fixed_calls(first: int) -> list[dict[str, Any]]:
    """Calls with fixed steps: keys and silence need no listening."""
    human = "transferred"
    calls: list[dict[str, Any]] = [
        {"name": "dtmf0-1", "description": "presses 0 after the greeting", "steps": [(1.0, "dtmf", "0")],
         "expect": {"intents": [], "outcome": human, "transfer_reason": "caller_request"}},
        {"name": "dtmf0-2", "description": "presses 0 during the greeting", "steps": [(-2.0, "dtmf", "0")],
         "expect": {"outcome": human, "transfer_reason": "caller_request"}},
        {"name": "dtmf-menu", "description": "presses 1 (kørekort in the key menu)", "steps": [(1.0, "dtmf", "1")],
         "expect": {"intents": [], "say_contains": ["180 kroner"]}},
        {"name": "noinput", "description": "says nothing: two re-prompts, then the bot hangs up",
         "steps": [(30.0, "pause", 0)],
         "expect": {"intents": [], "outcome": "abandoned", "record": {"end_reason": "bot_hangup"}}},
    ]  # fmt: skip
    for k, call in enumerate(calls):
        call["name"] = f"{first + k:03d}-{call['name']}"
    return calls


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


def write_case(
    name: str, description: str, pcm: np.ndarray, dtmf: list[dict[str, Any]], expect: dict[str, Any], at: str | None
) -> None:
    # Keep the files small: the silence before the caller's first sound becomes lead_silence_s.
    voiced = np.flatnonzero(pcm)
    first = min([voiced[0] / RATE if len(voiced) else len(pcm) / RATE - 1.0] + [d["at_s"] for d in dtmf])
    lead = max(0.0, round(float(first) - 0.3, 1))
    pcm = pcm[round(lead * RATE) :]
    dtmf = [{"at_s": round(d["at_s"] - lead, 2), "digit": d["digit"]} for d in dtmf]
    write_wav(OUT / f"{name}.wav", pcm, RATE)
    spec: dict[str, Any] = {"description": description}
    if at:
        spec["at"] = at
    if lead:
        spec["lead_silence_s"] = lead
    if dtmf:
        spec["dtmf"] = dtmf
    spec["expect"] = expect
    body = yaml.safe_dump(spec, allow_unicode=True, sort_keys=False, default_flow_style=None)
    (OUT / f"{name}.yaml").write_text(body, encoding="utf-8")


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
    plan = services.dialplans.get(plan_name)
    made = 0
    for caller in callers():
        pcm, presses = simulate(caller, plan, services, espeak_pcm, RATE, greeting_s)
        dtmf = [{"at_s": round(t, 2), "digit": d} for t, _, d in presses]
        write_case(caller.name, caller.description, pcm, dtmf, caller.expect, caller.at)
        made += 1
    for call in fixed_calls(31):
        pcm, dtmf = render_call(call, greeting_s)
        write_case(call["name"], call["description"], pcm, dtmf, call["expect"], call.get("at"))
        made += 1
    print(f"{made} calls in {OUT.name}/ (greeting {greeting_s:.1f} s, dialplan {plan_name})")
    print(f"{make_dtmf_suite(greeting_s)} calls in sipp_dtmf/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
