"""All dialplans of a folder, looked up by name (the file stem) or by called number; hot reload.

`reload()` re-reads files whose content changed. A valid file replaces its plan for new calls;
calls in progress hold their own `Dialplan` object and keep it. An invalid file is rejected
with a logged `file:line:col` error and the previous plan stays in force. `watch()` runs
`reload()` every few seconds inside the server's event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path

from voicebot.dialog.plan import Dialplan
from voicebot.dialog.validate import check_file
from voicebot.errors import ConfigError

log = logging.getLogger(__name__)


@dataclass
class ReloadReport:
    loaded: list[str] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)  # name → first error
    removed: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.loaded or self.rejected or self.removed)


def _digits(number: str) -> str:
    d = "".join(c for c in number if c.isdigit())
    return d[2:] if number.strip().startswith("00") else d


class DialplanRegistry:
    def __init__(self, plans: dict[str, Dialplan] | None = None, folder: Path | None = None) -> None:
        self.folder = folder
        self._plans: dict[str, Dialplan] = {"default": Dialplan(), **(plans or {})}
        self._digests: dict[Path, str] = {}
        self.rejected: dict[str, str] = {}  # file name → the error that kept its previous plan

    @classmethod
    def from_dir(cls, folder: Path) -> DialplanRegistry:
        registry = cls(folder=folder)
        registry.reload()
        return registry

    # ------------------------------------------------------------------ lookups
    def names(self) -> list[str]:
        return sorted(self._plans)

    def get(self, name: str) -> Dialplan:
        try:
            return self._plans[name]
        except KeyError:
            raise ConfigError(f"unknown dialplan {name!r}; known: {', '.join(self.names())}") from None

    def for_number(self, called: str) -> Dialplan:
        """The plan serving a called number (E.164, national or 00-prefixed); else `default`."""
        want = _digits(called)
        if want:
            for name in self.names():
                for num in self._plans[name].numbers:
                    have = _digits(num)
                    if have == want or (len(want) >= 8 and have.endswith(want)):
                        return self._plans[name]
        return self._plans["default"]

    # ------------------------------------------------------------------ hot reload
    def reload(self) -> ReloadReport:
        report = ReloadReport()
        if self.folder is None or not self.folder.is_dir():
            return report
        plans = dict(self._plans)
        present = sorted(p for p in self.folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
        for path in present:
            try:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError as exc:
                log.error("dialplan %s unreadable, keeping the previous version: %s", path.name, exc.strerror)
                continue
            if self._digests.get(path) == digest:
                continue
            self._digests[path] = digest
            plan, issues = check_file(path)
            if plan is None:
                first = f"{issues[0]}" + (f" (and {len(issues) - 1} more)" if len(issues) > 1 else "")
                kept = "keeping the previous version" if path.stem in plans else "not loaded"
                log.error("dialplan %s rejected, %s: %s", path.name, kept, first)
                report.rejected[path.stem] = first
                self.rejected[path.name] = first
                continue
            self.rejected.pop(path.name, None)
            plans[path.stem] = plan
            report.loaded.append(path.stem)
        for path in set(self._digests) - set(present):
            del self._digests[path]
            self.rejected.pop(path.name, None)
            if plans.pop(path.stem, None) is not None:
                report.removed.append(path.stem)
        plans.setdefault("default", Dialplan())
        self._warn_shared_numbers(plans)
        self._plans = plans  # one assignment: lookups see the old or the new set, never a mix
        if report.loaded or report.removed:
            log.info("dialplans loaded: %s; removed: %s", report.loaded or "-", report.removed or "-")
        return report

    async def watch(self, interval_s: float = 2.0) -> None:
        """Poll the folder forever (cancel the task to stop); file reads run in a worker thread."""
        while True:
            await asyncio.sleep(interval_s)
            try:
                await asyncio.to_thread(self.reload)
            except Exception:  # a watcher that dies silently would freeze every kommune's plan
                log.exception("dialplan reload failed")

    @staticmethod
    def _warn_shared_numbers(plans: dict[str, Dialplan]) -> None:
        owner: dict[str, str] = {}
        for name in sorted(plans):
            for num in plans[name].numbers:
                if num in owner and owner[num] != name:
                    log.warning("number %s is in dialplans %s and %s; %s wins", num, owner[num], name, owner[num])
                owner.setdefault(num, name)
