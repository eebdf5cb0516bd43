"""Static large objects in versioned containers: deleting or overwriting
one keeps its segments, which Swift's older versions (their manifests)
still read; in a container without versioning they are removed."""

import os
import uuid

import pytest

from objclient.exceptions import NoSuchContainer

from .conftest import drop_container, make_api

KiB = 1024


@pytest.fixture(scope="module")
def small_slo():
    """Uploads over 4 KiB become static large objects of 1 KiB segments."""
    api = make_api(segment_threshold=4 * KiB, segment_size=KiB)
    yield api
    api.close()


def _segments(api, container):
    try:
        return sorted(o.name for o in api.object_list_iter(None, container + "_segments"))
    except NoSuchContainer:
        return []


def _legacy(api, mode):
    """A container with legacy versioning: old versions copied to ``<name>-old``."""
    name = f"ft-lslo-{uuid.uuid4().hex[:8]}"
    api.container_create(None, name + "-old")
    api.container_create(None, name, system={mode: name + "-old"})
    return name


def _drop_legacy(api, name):
    drop_container(api, None, name)
    # history mode leaves delete markers there, which listings hide
    for info in api.object_list(None, name + "-old", deleted=True)["objects"]:
        api.object_delete(None, name + "-old", info["name"])
    for cont in (name + "-old", name + "_segments"):
        drop_container(api, None, cont)


@pytest.fixture
def with_history(small_slo):
    name = _legacy(small_slo, "history_location")
    yield name
    _drop_legacy(small_slo, name)


@pytest.fixture
def with_stack(small_slo):
    name = _legacy(small_slo, "versions_location")
    yield name
    _drop_legacy(small_slo, name)


def _read(api, container, obj, version=None):
    return api.object_fetch(None, container, obj, version=version)[1].read()


def test_an_older_version_of_a_large_object_survives_an_overwrite_and_a_delete(
        small_slo, versioned):
    first, second = os.urandom(6 * KiB), os.urandom(5 * KiB)
    old = small_slo.object_create_ext(None, versioned, data=first, obj_name="big")[3]
    small_slo.object_create(None, versioned, data=second, obj_name="big")
    assert _read(small_slo, versioned, "big", old["version"]) == first
    assert len(_segments(small_slo, versioned)) == 11
    assert small_slo.object_delete(None, versioned, "big") is True
    assert _read(small_slo, versioned, "big", old["version"]) == first
    rows = small_slo.object_list(None, versioned, versions=True)["objects"]
    newer = [r["version"] for r in rows if r["version"] != old["version"]]
    assert len(newer) == 1 and _read(small_slo, versioned, "big", newer[0]) == second
    assert len(_segments(small_slo, versioned)) == 11


def test_a_small_overwrite_keeps_the_segments_of_the_older_large_version(small_slo, versioned):
    big = os.urandom(6 * KiB)
    old = small_slo.object_create_ext(None, versioned, data=big, obj_name="doc")[3]
    small_slo.object_create(None, versioned, data=b"small now", obj_name="doc")
    assert _read(small_slo, versioned, "doc") == b"small now"
    assert _read(small_slo, versioned, "doc", old["version"]) == big


def test_a_resumed_upload_takes_over_no_segments_of_older_versions(small_slo, versioned):
    datas = [os.urandom(6 * KiB) for _ in range(3)]
    versions = [small_slo.object_create_ext(None, versioned, data=data, obj_name="big",
                                            resume=True)[3]["version"] for data in datas]
    assert None not in versions
    for version, data in zip(versions, datas):
        assert _read(small_slo, versioned, "big", version) == data


def test_a_suspended_container_keeps_the_segments_of_its_versions(small_slo, versioned):
    big = os.urandom(6 * KiB)
    old = small_slo.object_create_ext(None, versioned, data=big, obj_name="big")[3]
    small_slo.container_set_properties(None, versioned,
                                     system={"versioning": "suspended"})
    small_slo.object_delete(None, versioned, "big")
    assert _read(small_slo, versioned, "big", old["version"]) == big


def test_a_history_location_copy_of_a_large_object_stays_readable(small_slo, with_history):
    first, second = os.urandom(6 * KiB), os.urandom(5 * KiB)
    small_slo.object_create(None, with_history, data=first, obj_name="big")
    small_slo.object_create(None, with_history, data=second, obj_name="big")
    small_slo.object_delete(None, with_history, "big")
    copies = [o.name for o in small_slo.object_list_iter(None, with_history + "-old")]
    assert len(copies) == 2
    assert sorted(_read(small_slo, with_history + "-old", name) for name in copies) == \
        sorted([first, second])


def test_a_versions_location_restores_the_older_large_object_on_delete(small_slo,
                                                                       with_stack):
    first, second = os.urandom(6 * KiB), os.urandom(5 * KiB)
    small_slo.object_create(None, with_stack, data=first, obj_name="big")
    small_slo.object_create(None, with_stack, data=second, obj_name="big")
    small_slo.object_delete(None, with_stack, "big")
    assert _read(small_slo, with_stack, "big") == first


def test_without_versioning_overwrite_and_delete_leave_no_segments(small_slo, container):
    plain = container
    small_slo.object_create(None, plain, data=os.urandom(6 * KiB), obj_name="big")
    small_slo.object_create(None, plain, data=os.urandom(5 * KiB), obj_name="big")
    assert len(_segments(small_slo, plain)) == 5
    small_slo.object_create(None, plain, data=b"small", obj_name="big")
    assert _segments(small_slo, plain) == []
    small_slo.object_create(None, plain, data=os.urandom(5 * KiB), obj_name="big")
    small_slo.object_delete(None, plain, "big")
    assert _segments(small_slo, plain) == []
