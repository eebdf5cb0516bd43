"""Fixtures of fsspec's abstract suite, once per objclient target.

The targets are the conformance battery's (``tests/conformance/targets``):
``local``, the emulated ``reduct``, ``oio`` and ``mictlanx``, and with
``--servers`` Swift, S3 on SeaweedFS and SeaweedFS native.  Each test
gets a new container as its ``fs_path`` (see :data:`SHARED_CONTAINER`); a
test that cannot pass on a target is listed in :data:`XFAILS` with its
reason (strict xfail).
"""

from __future__ import annotations

import importlib
import uuid

import fsspec
import pytest

from objclient.fsspec import ObjectStorageFileSystem

#: The targets the abstract suite runs on, and whether they need --servers.
TARGETS = {"local": False, "reduct": False, "oio": False, "mictlanx": False,
           "swift": True, "s3_seaweedfs": True, "seaweedfs": True}

#: Targets whose tests share one container: creating and deleting a Swift
#: container takes seconds on a loaded machine (5 s of each 10 s test, measured).
#: Not SeaweedFS's S3: its gateway keeps listing an emptied directory as a
#: common prefix (a filer directory outlives its last object), so what one test
#: deleted would show up in the next one's listings.
SHARED_CONTAINER = {"swift"}

_PHANTOM = ("SeaweedFS's S3 gateway keeps listing an emptied directory as a common "
            "prefix (the filer directory outlives its last object), so ls still shows "
            "a directory the test removed; s3fs fails these on the same server")

#: (target or "*", test name) -> why the test cannot pass there.
XFAILS = {("s3_seaweedfs", test): _PHANTOM for test in (
    "test_copy_directory_to_existing_directory", "test_copy_directory_to_new_directory",
    "test_copy_glob_to_existing_directory", "test_put_directory_to_existing_directory",
    "test_put_directory_to_new_directory", "test_put_glob_to_existing_directory")}


def _params():
    return [pytest.param(name, marks=[pytest.mark.servers] if servers else [], id=name)
            for name, servers in TARGETS.items()]


@pytest.fixture(scope="session", params=_params())
def objclient_target(request, tmp_path_factory):
    """``(name, api, account)`` of one target, shared by the session."""
    module = importlib.import_module(f"tests.conformance.targets.{request.param}")
    api, account = module.make_api(tmp_path_factory)
    yield request.param, api, account
    api.close()


@pytest.fixture
def objclient_fs(objclient_target):
    """An :class:`ObjectStorageFileSystem` over the target's API."""
    _name, api, account = objclient_target
    return ObjectStorageFileSystem(api=api, account=account, skip_instance_cache=True)


def _new_container(api, account):
    fs = ObjectStorageFileSystem(api=api, account=account, skip_instance_cache=True)
    name = f"fs-{uuid.uuid4().hex[:10]}"
    fs.mkdir(name)
    return fs, name


def _drop(fs, name):
    try:
        fs.rm(name, recursive=True)
    except FileNotFoundError:
        pass


@pytest.fixture(scope="session")
def shared_container(objclient_target):
    """One container for the whole session (see :data:`SHARED_CONTAINER`)."""
    fs, name = _new_container(*objclient_target[1:])
    yield name
    _drop(fs, name)


@pytest.fixture
def objclient_container(request, objclient_target):
    """A new container for each test, emptied and deleted after it; on the
    targets of :data:`SHARED_CONTAINER` one container shared by the session
    (the abstract tests remove what they make, as with s3fs's one bucket)."""
    if objclient_target[0] in SHARED_CONTAINER:
        yield request.getfixturevalue("shared_container")
        return
    fs, name = _new_container(*objclient_target[1:])
    yield name
    _drop(fs, name)


def pytest_collection_modifyitems(config, items):
    """Mark the tests of :data:`XFAILS` as strict xfails, with their reason."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        target = callspec.params.get("objclient_target") if callspec else None
        test = item.originalname
        reason = XFAILS.get((target, test)) or XFAILS.get(("*", test))
        if reason:
            item.add_marker(pytest.mark.xfail(reason=reason, strict=True))


def pytest_configure(config):
    # objclient installed in development mode may predate the entry point
    if "objclient" not in fsspec.available_protocols():
        fsspec.register_implementation("objclient", ObjectStorageFileSystem)
