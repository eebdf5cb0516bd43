"""Fixtures of fsspec's abstract suite, once per objclient target.

The targets are the conformance battery's (``tests/conformance/targets``):
``local``, the emulated ``reduct``, ``oio`` and ``mictlanx``, and with
``--servers`` Swift, S3 on SeaweedFS and SeaweedFS native.  Each test class
gets a fresh container as its ``fs_path``; a test that cannot pass on a
target is listed in :data:`XFAILS` with its reason (strict xfail).
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

#: (target or "*", test name) -> why the test cannot pass there.
XFAILS: dict = {}


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


@pytest.fixture
def objclient_container(objclient_fs):
    """A new container, emptied and deleted after the test."""
    name = f"fs-{uuid.uuid4().hex[:10]}"
    objclient_fs.mkdir(name)
    yield name
    try:
        objclient_fs.rm(name, recursive=True)
    except FileNotFoundError:
        pass


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
