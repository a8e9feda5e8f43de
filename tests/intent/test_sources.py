"""Provenance: every shipped answer cites its own kommune's pages or the shared national sources.

Shipped answers are the shared answers (answers.yaml), each kommune file, and the answer texts in
the dialplans. A kommune file names its own sites under `domains`; nothing else is allowed there
except the national sources (borger.dk, Færdselsstyrelsen, Digitaliseringsstyrelsen, …).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from voicebot.dialog.validate import check_file
from voicebot.errors import ConfigError
from voicebot.intent.base import TOPIC_INTENTS
from voicebot.intent.knowledge import (
    DATA_DIR,
    NATIONAL_DOMAINS,
    POINTERS,
    KnowledgeBase,
    kommune_sources,
    on_domain,
)  # fmt: skip

DIALPLANS = Path(__file__).resolve().parents[2] / "dialplans"
KOMMUNE_FILES = sorted((DATA_DIR / "kommuner").glob("*.yaml"))


def _allowed(url: str, domains: list[str]) -> bool:
    return on_domain(url, domains) or on_domain(url, NATIONAL_DOMAINS)


def test_shared_answers_cite_national_sources_only():
    shared = yaml.safe_load((DATA_DIR / "answers.yaml").read_text(encoding="utf-8"))
    urls = [u for t in shared["topics"].values() for u in t.get("sources") or ()]
    urls += [u for p in shared["pointers"].values() for u in p.get("sources") or ()]
    assert urls
    bad = [u for u in urls if not on_domain(u, NATIONAL_DOMAINS)]
    assert bad == []


@pytest.mark.parametrize("path", KOMMUNE_FILES, ids=lambda p: p.stem)
def test_kommune_file_cites_only_its_own_sites(path: Path):
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    domains = raw["domains"]
    assert domains, path
    bad = [u for u in kommune_sources(raw) if not _allowed(u, domains)]
    assert bad == [], f"{path.name} cites {bad}"


def test_no_kommune_cites_another_kommunes_site():
    owners = {}
    for path in KOMMUNE_FILES:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        for d in raw["domains"]:
            owners[d] = raw["kommune"]
    for path in KOMMUNE_FILES:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        for url in kommune_sources(raw):
            owner = next((k for d, k in owners.items() if on_domain(url, [d])), raw["kommune"])
            assert owner == raw["kommune"], (path.name, url)


@pytest.mark.parametrize("path", sorted(DIALPLANS.glob("*.yaml")), ids=lambda p: p.stem)
def test_dialplan_answers_cite_their_kommune_or_national_sources(path: Path):
    plan, issues = check_file(path)
    assert plan is not None, issues
    kb = KnowledgeBase.load()
    local = kb.kommuner.get(kb.resolve(plan.kommune) or "")
    domains = list(local.domains) if local else []
    urls = list(plan.source) + [r.source for r in plan.intents.values() if r.source]
    bad = [u for u in urls if not _allowed(u, domains)]
    assert bad == [], f"{path.name} cites {bad}"


def test_every_answer_says_whose_facts_it_gives():
    kb = KnowledgeBase.load()
    for kommune in (None, "Odder", "Aarhus", "Odense", "Frederiksberg", "Vejle"):
        for intent in TOPIC_INTENTS:
            ans = kb.answer(intent, kommune)
            assert bool(ans.owners) == bool(ans.sources), (intent, kommune)
            assert "?" not in ans.owners, (intent, kommune, ans.sources)
            local = f"{kb.resolve(kommune)} Kommune"
            for owner in ans.owners:
                assert owner in NATIONAL_DOMAINS.values() or owner == local, (intent, kommune, owner)
        for name in POINTERS:
            assert "?" not in kb.pointer(name, kommune).owners


def test_a_kommune_file_that_cites_another_kommune_is_rejected(tmp_path: Path):
    (tmp_path / "kommuner").mkdir()
    (tmp_path / "answers.yaml").write_text((DATA_DIR / "answers.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "kommuner" / "odder.yaml").write_text(
        "kommune: Odder\ndomains: [odder.dk]\nanswers:\n  pas:\n    text: Et pas koster 891 kroner.\n"
        "    source_url: https://gentofte.dk/borgerservice/pas\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"gentofte\.dk"):
        KnowledgeBase.load(tmp_path)
