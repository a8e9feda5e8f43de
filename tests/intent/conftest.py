from __future__ import annotations

import pytest

from voicebot.config import load_settings
from voicebot.intent.factory import create_intent_engine


@pytest.fixture(scope="session")
def engine():
    """The engine the gateway builds (trained once, weights cached in the settings' cache folder)."""
    return create_intent_engine(load_settings())
