"""The real app over a real store, with tokens of each role, for API and page tests."""

from __future__ import annotations

import shutil
from functools import lru_cache
from pathlib import Path

from fastapi.testclient import TestClient

from voicebot.api.app import create_app
from voicebot.calls.store import CallStore
from voicebot.config import Settings
from voicebot.dialog.registry import DialplanRegistry
from voicebot.gateway import Services

REPO = Path(__file__).resolve().parents[2]
TOKENS = {
    "viewer": "viewer-token-0001", "operator": "operator-token-0001", "agent": "agent-token-0001",
    "odder": "odder-viewer-0001",
}  # fmt: skip
TOKEN_SETTING = ",".join(
    [f"{TOKENS['viewer']}:viewer", f"{TOKENS['operator']}:operator", f"{TOKENS['agent']}:agent",
     f"{TOKENS['odder']}:viewer:Odder"]
)  # fmt: skip


@lru_cache(maxsize=1)
def intent_engine():
    from voicebot.intent.factory import create_intent_engine

    return create_intent_engine(Settings())


def make_services(db_url: str, tmp: Path, metrics_public: bool = True) -> Services:
    plans = tmp / "dialplans"
    if not plans.exists():
        shutil.copytree(REPO / "dialplans", plans)
    settings = Settings(api_tokens=TOKEN_SETTING, secret="test-secret", metrics_public=metrics_public,
                        database_url=db_url, dialplans_dir=plans)  # fmt: skip
    return Services(settings=settings, dialplans=DialplanRegistry.from_dir(plans), intent_engine=intent_engine(),
                    calls=CallStore(db_url))  # fmt: skip


def client(services: Services, role: str | None = None) -> TestClient:
    c = TestClient(create_app(services), follow_redirects=False)
    if role:
        c.headers["Authorization"] = f"Bearer {TOKENS[role]}"
    return c
