"""Fixtures of the wire-layer tests: the in-process server and a no-sleep clock."""

from __future__ import annotations

import time
import types
from typing import Iterator, List

import pytest

from objclient.http import client as client_mod
from tests.serverfixture import ScriptedServer, running_server


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    """A scripted HTTP server on 127.0.0.1."""
    with running_server() as srv:
        yield srv


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> List[float]:
    """Record the client's backoff waits instead of sleeping."""
    recorded: List[float] = []
    fake = types.SimpleNamespace(monotonic=time.monotonic, time=time.time,
                                 sleep=recorded.append)
    monkeypatch.setattr(client_mod, "time", fake)
    return recorded
