"""All dialplans of a folder, looked up by name or by called number."""

from __future__ import annotations

import logging
from pathlib import Path

from voicebot.dialog.plan import Dialplan, load_dialplan
from voicebot.errors import ConfigError

log = logging.getLogger(__name__)


class DialplanRegistry:
    def __init__(self, plans: dict[str, Dialplan]) -> None:
        self._plans = dict(plans)
        self._plans.setdefault("default", Dialplan())

    @classmethod
    def from_dir(cls, folder: Path) -> DialplanRegistry:
        plans: dict[str, Dialplan] = {}
        if folder.is_dir():
            for path in sorted(folder.glob("*.yaml")):
                try:
                    plans[path.stem] = load_dialplan(path)
                except ConfigError as exc:  # one bad file must not take the other lines down
                    log.error("dialplan rejected: %s", exc)
        return cls(plans)

    def names(self) -> list[str]:
        return sorted(self._plans)

    def get(self, name: str) -> Dialplan:
        try:
            return self._plans[name]
        except KeyError:
            raise ConfigError(f"unknown dialplan {name!r}; known: {', '.join(self.names())}") from None

    def for_number(self, called: str) -> Dialplan:
        digits = "".join(c for c in called if c.isdigit() or c == "+")
        for plan in self._plans.values():
            for num in plan.numbers:
                if num == digits or num.lstrip("+") == digits.lstrip("+") or num.endswith(digits[-8:] or "#"):
                    return plan
        return self._plans["default"]
