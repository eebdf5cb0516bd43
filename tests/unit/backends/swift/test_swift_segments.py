"""What objclient remembers of segment containers (objclient.backends.swift.segments)."""

import threading
import time

import pytest

from objclient.backends.swift.segments import ContainerFlags, segment_container
from objclient.backends.swift.versions import keeps_old_versions


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_segment_container_is_the_containers_name_and_segments():
    assert segment_container("photos") == "photos_segments"


def test_none_is_remembered_for_the_ttl_then_asked_again():
    clock, asked = Clock(), []
    known = ContainerFlags(ttl=60, clock=clock)
    assert known.known("a", "c") is None
    assert known.has("a", "c", lambda: asked.append(1) or False) is False
    clock.now += 59
    assert known.known("a", "c") is False
    assert known.has("a", "c", lambda: asked.append(1) or False) is False
    clock.now += 2
    assert known.known("a", "c") is None
    known.has("a", "c", lambda: asked.append(1) or False)
    assert len(asked) == 2


def test_a_segment_container_found_is_remembered_for_good():
    clock = Clock()
    known = ContainerFlags(ttl=60, clock=clock)
    known.learn("a", "c", True)
    clock.now += 1e9
    assert known.has("a", "c", lambda: pytest.fail("asked")) is True
    assert known.known("a", "other") is None


def test_a_failed_probe_is_not_remembered():
    known = ContainerFlags()

    def fails():
        raise OSError("no answer")

    with pytest.raises(OSError):
        known.has("a", "c", fails)
    assert known.known("a", "c") is None
    assert known.has("a", "c", lambda: True) is True


def test_concurrent_callers_share_one_probe_per_container():
    known, asked = ContainerFlags(), []
    barrier = threading.Barrier(16)

    def probe():
        asked.append(1)
        time.sleep(0.05)  # the others arrive while this one asks
        return False

    def call(container):
        barrier.wait()
        assert known.has("a", container, probe) is False

    threads = [threading.Thread(target=call, args=(f"c{i % 2}",)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(asked) == 2  # one per container


@pytest.mark.parametrize("system, keeps", [
    ({}, False), ({"policy": "gold"}, False),
    ({"versioning": "enabled"}, True), ({"versioning": "suspended"}, True),
    ({"versions_location": "old"}, True), ({"history_location": "old"}, True)])
def test_a_container_keeps_old_versions_with_any_versioning_ever_on(system, keeps):
    assert keeps_old_versions(system) is keeps
