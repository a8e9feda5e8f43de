"""Fixtures for the SIP tests. Every child process runs in its own process group and is killed
in a finalizer; ports are random free high ports; every wait is bounded."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from siphelpers import Gateway, dialplan_yaml, free_port, kill_group, start_serve
from speechkit import espeak_pcm


@pytest.fixture(scope="module")  # one per test file: a gateway that fails takes one file's tests with it, not all
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    tmp = tmp_path_factory.mktemp("gateway")
    sip_port, http_port, agent_port = free_port(), free_port(), free_port()
    (tmp / "dialplans").mkdir()
    (tmp / "dialplans" / "testkommune.yaml").write_text(dialplan_yaml(agent_port), encoding="utf-8")
    call_log = tmp / "calls.jsonl"
    args = ["--sip-port", str(sip_port), "--http-port", str(http_port), "--dialplans", str(tmp / "dialplans"),
            "--call-log", str(call_log), "--answer-delay", "0.3",
            "--slots-per-source", "4"]  # the process limit is tested here; the per-source one in test_limits
    proc = start_serve(tmp, args, "SIP ready")
    gw = Gateway(proc, sip_port, http_port, agent_port, call_log, tmp / "serve.log")
    yield gw
    kill_group(proc)


@pytest.fixture(scope="session")
def question_pcm() -> np.ndarray:
    return espeak_pcm("Hvad koster et nyt pas?")
