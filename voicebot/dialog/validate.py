"""Dialplan files → `Dialplan`, or a list of `file:line:col: message` issues.

YAML is composed into nodes first, so every error (YAML syntax, duplicate keys, schema,
unknown intents/queues/closing days, missing or malformed prompt files) points at the line
and column an operator has to fix. Lines and columns are 1-based.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from voicebot.dialog.checks import Loc, prompt_issues, semantic_issues
from voicebot.dialog.plan import Dialplan
from voicebot.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Issue:
    file: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.message}"


def _pos(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def locate(root: yaml.Node | None, loc: Sequence[Any], *, at_key: bool = False) -> tuple[int, int, str]:
    """The deepest node along a pydantic-style `loc`, and the dotted path that matched.

    Elements that are not in the YAML (union member tags, fields filled by shorthand) are
    skipped, so the position is the closest thing the operator wrote."""
    if root is None:
        return 1, 1, ""
    node, key_node, path = root, None, []
    for elem in loc:
        if isinstance(node, yaml.MappingNode):
            hit = next(((k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == str(elem)), None)
            if hit is None:
                continue
            key_node, node = hit
            path.append(str(elem))
        elif isinstance(node, yaml.SequenceNode) and isinstance(elem, int) and 0 <= elem < len(node.value):
            key_node, node = None, node.value[elem]
            path.append(str(elem))
    target = key_node if at_key and key_node is not None else node
    line, col = _pos(target)
    return line, col, ".".join(path)


def _duplicates(node: yaml.Node | None, out: list[tuple[yaml.Node, str]]) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode):
                if k.value in seen:
                    out.append((k, f"duplicate key {k.value!r} (the later one would silently win)"))
                seen.add(k.value)
            _duplicates(v, out)
    elif isinstance(node, yaml.SequenceNode):
        for v in node.value:
            _duplicates(v, out)


def _pydantic_issues(file: str, root: yaml.Node, exc: ValidationError) -> list[Issue]:
    by_pos: dict[tuple[int, int], tuple[int, Issue]] = {}
    for err in exc.errors():
        loc, kind = err["loc"], err["type"]
        at_key = kind == "extra_forbidden" or "[key]" in loc
        line, col, path = locate(root, loc, at_key=at_key)
        text = err["msg"].removeprefix("Value error, ")
        if kind == "extra_forbidden":
            text = f"unknown field {str(loc[-1])!r}"
        elif kind == "missing":
            text = f"missing field {str(loc[-1])!r}"
            path = ".".join(str(p) for p in loc[:-1])
        elif kind.startswith("literal_") and isinstance(err.get("ctx"), dict):
            text = f"expected {err['ctx'].get('expected')}, got {err.get('input')!r}"
        message = f"{path}: {text}" if path else text
        depth = len(loc)
        prev = by_pos.get((line, col))
        if prev is None or depth > prev[0]:  # of a union's errors, keep the most specific
            by_pos[(line, col)] = (depth, Issue(file, line, col, message))
    return [issue for _, issue in sorted(by_pos.values(), key=lambda x: (x[1].line, x[1].col))]


def check_text(text: str, file: str, *, name: str, base_dir: Path | None = None) -> tuple[Dialplan | None, list[Issue]]:
    """Parse and check a dialplan's text. Prompt files are checked when `base_dir` is given."""
    try:
        loader = yaml.SafeLoader(text)
        try:
            root = loader.get_single_node()
            data = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        at_eof = "end of stream" in (exc.problem or "")  # e.g. an unclosed quote: point at where it opened
        mark = (exc.context_mark if at_eof else None) or exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = f"{exc.context}: {exc.problem}" if exc.context and exc.problem else exc.problem or exc.context
        return None, [Issue(file, line, col, f"invalid YAML: {what}")]
    except yaml.YAMLError as exc:
        return None, [Issue(file, 1, 1, f"invalid YAML: {exc}")]
    if not isinstance(data, dict):
        return None, [Issue(file, 1, 1, "a dialplan is a YAML mapping starting with 'schema: 1'")]
    dups: list[tuple[yaml.Node, str]] = []
    _duplicates(root, dups)
    issues = [Issue(file, *_pos(n), m) for n, m in dups]
    if "schema" not in data:
        issues.append(Issue(file, 1, 1, "missing 'schema: 1' (the dialplan format version)"))
    if "name" in data and data["name"] != name:
        issues.append(Issue(file, *locate(root, ["name"])[:2], f"name: must be the file stem {name!r} or left out"))
    try:
        plan = Dialplan.model_validate({**data, "name": name})
    except ValidationError as exc:
        return None, issues + _pydantic_issues(file, root, exc)
    found: list[tuple[Loc, str, bool]] = list(semantic_issues(plan))
    if base_dir is not None:
        found += prompt_issues(plan, base_dir)
    for loc, message, at_key in found:
        line, col, _ = locate(root, loc, at_key=at_key)
        issues.append(Issue(file, line, col, message))
    issues.sort(key=lambda i: (i.line, i.col))
    return (None if issues else plan), issues


def check_file(path: Path) -> tuple[Dialplan | None, list[Issue]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        return None, [Issue(str(path), 1, 1, f"cannot read: {exc.strerror}")]
    except UnicodeDecodeError:
        return None, [Issue(str(path), 1, 1, "not UTF-8 text")]
    plan, issues = check_text(text, str(path), name=path.stem, base_dir=path.parent)
    return (plan.with_path(path) if plan else None), issues


def load_dialplan(path: Path) -> Dialplan:
    plan, issues = check_file(path)
    if plan is None:
        more = f" (and {len(issues) - 1} more; run `voicebot dialplan validate`)" if len(issues) > 1 else ""
        raise ConfigError(f"{issues[0]}{more}")
    return plan
