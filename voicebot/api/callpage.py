"""What the citizens' call page shows about a dialplan: its name as people know it, and the
privacy notice (what the call stores, for how long, and whether audio is recorded). Pure: the caller passes
whether this server records audio for the plan (voicebot.gateway.records_calls)."""

from __future__ import annotations

from voicebot.dialog.plan import Dialplan

SHARED_LABEL = "Anden kommune (fælles nummer)"


def plan_label(plan: Dialplan) -> str:
    """'Odder Kommune'; the fallback plan is the shared number for every other kommune."""
    if not plan.kommune:
        return SHARED_LABEL
    name = plan.kommune.strip()
    return name if name.lower().endswith("kommune") else f"{name} Kommune"


def _how_long(plan: Dialplan) -> str:
    """The dialplan's `retention_days` (enforced by voicebot.calls.retention), said plainly."""
    days = plan.retention_days
    return f"i {days} dage" if days else "efter kommunens regler for opbevaring"


def privacy_notice(plan: Dialplan, records_audio: bool) -> str:
    who = plan_label(plan) if plan.kommune else "kommunen"
    parts = [
        f"Du taler med en automatisk assistent for {who}. Det du siger, bliver lavet om til tekst, "
        "så assistenten kan svare, og du ser teksten her på siden.",
        f"Kommunen gemmer teksten, emnet og udfaldet af samtalen i sin opkaldslog {_how_long(plan)}, "
        "og en medarbejder, du bliver stillet videre til, får de samme oplysninger.",
        "Lyden bliver optaget for at forbedre servicen." if records_audio else "Lyden bliver ikke gemt.",
        "Sig ikke dit CPR-nummer, med mindre en medarbejder beder om det.",
    ]
    return " ".join(parts)
