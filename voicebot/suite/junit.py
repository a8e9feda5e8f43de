"""JUnit XML: one testcase per call, as CI servers (Jenkins, GitLab, GitHub) read it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from voicebot.suite.results import CallResult


def transcript(record: dict[str, Any] | None) -> str:
    if not record:
        return ""
    lines = []
    for t in record.get("turns", []):
        tag = f" [{t['intent']} {t.get('confidence') or 0:.2f}]" if t.get("intent") else ""
        lines.append(f"{t['start_s']:7.2f}s {t['speaker']:>6}: {t['text']}{tag}")
    return "\n".join(lines)


def junit_xml(results: list[CallResult], *, suite_name: str, summary: dict[str, Any]) -> bytes:
    root = ET.Element(
        "testsuite",
        name=suite_name,
        tests=str(len(results)),
        failures=str(sum(r.status == "failed" for r in results)),
        errors=str(sum(r.status == "error" for r in results)),
        skipped="0",
        time=f"{summary.get('wall_s') or 0:.3f}",
    )
    props = ET.SubElement(root, "properties")
    for key in ("mode", "intent_accuracy", "response_gap_p50_ms", "response_gap_p95_ms"):
        ET.SubElement(props, "property", name=key, value=str(summary.get(key)))
    for r in results:
        case = ET.SubElement(root, "testcase", classname=f"replay.{suite_name}", name=r.name, time=f"{r.wall_s:.3f}")
        if r.error:
            ET.SubElement(case, "error", message=r.error, type="CallError").text = r.error
        elif r.failures:
            ET.SubElement(case, "failure", message=r.failures[0], type="ExpectationFailed").text = "\n".join(r.failures)
        out = transcript(r.record)
        if out:
            ET.SubElement(case, "system-out").text = out
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def write_junit(path: Path, results: list[CallResult], *, suite_name: str, summary: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(junit_xml(results, suite_name=suite_name, summary=summary))
