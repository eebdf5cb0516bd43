"""Fault injection against real servers (Swift, SeaweedFS S3) through a TCP proxy.

Every case ends in success or a typed :class:`objclient.exceptions.ClientError`
within its deadline, never with lost or corrupt data; see ``matrix.py`` for
the faults and ``tools/faults`` for the summary table.
"""

from __future__ import annotations

import os
import uuid

import pytest

import objclient
from objclient.exceptions import ClientError, ConnectionFailed

from .matrix import FAULTS, MATRIX, MiB, open_target, run_case, run_large_upload

BACKEND_NAMES = ("swift", "s3")
CASES = [(b, f, op) for b in BACKEND_NAMES for f, ops in MATRIX for op in ops]


@pytest.fixture(scope="module")
def targets():
    opened = {}
    try:
        for name in BACKEND_NAMES:
            try:
                opened[name] = open_target(name)
            except ClientError as exc:
                raise RuntimeError(f"{name} server not usable ({exc}); run "
                                   "`tools/servers start`") from exc
        yield opened
    finally:
        for tgt in opened.values():
            tgt.close()


@pytest.mark.parametrize("backend,fault,op", CASES,
                         ids=[f"{b}-{f}-{op}" for b, f, op in CASES])
def test_operation_under_fault_ends_in_success_or_typed_error(targets, backend, fault, op):
    spec = FAULTS[fault]
    outcome = run_case(targets[backend], spec, op)
    assert outcome.problems(spec) == [], outcome


@pytest.mark.parametrize("backend", BACKEND_NAMES)
def test_failed_large_upload_leaves_no_object_segments_or_uploads(targets, backend):
    outcome = run_large_upload(targets[backend])
    assert outcome.result == "typed", outcome
    assert outcome.data_lost == 0, outcome.detail
    assert outcome.elapsed < 20


def test_s3_multipart_initiate_post_is_not_resent_and_its_unseen_upload_is_aborted(targets):
    """CreateMultipartUpload is not idempotent: a reset response must not
    make the client start a second upload, and the one the server started
    (whose id the client never saw) is found and aborted."""
    tgt = targets["s3"]
    api = tgt.fresh(**tgt.large_options)
    name = "initiate-" + uuid.uuid4().hex[:8]
    before = tgt.proxy.connections
    tgt.proxy.inject("reset_response", 1, after=0)
    with pytest.raises(ConnectionFailed) as info:
        api.object_create(tgt.account, tgt.container, data=os.urandom(6 * MiB),
                          obj_name=name)
    tgt.proxy.clear()
    api.close()
    assert info.value.attempts == 1
    assert tgt.proxy.connections - before >= 1
    assert tgt.direct.blob_client.list_uploads(tgt.container, prefix=name) == []


def test_swift_metadata_post_resent_after_reset_sets_exactly_the_new_metadata(targets):
    """Swift's object POST replaces the whole metadata set, so it is resent;
    the server ends with exactly the properties asked for."""
    tgt = targets["swift"]
    name = "post-" + uuid.uuid4().hex[:8]
    tgt.direct.object_create(tgt.account, tgt.container, data=b"x", obj_name=name,
                             properties={"old": "1"})
    api = tgt.fresh()
    before = tgt.proxy.connections
    tgt.proxy.inject("reset_response", 1, after=0)
    api.object_set_properties(tgt.account, tgt.container, name, {"new": "2"}, clear=True)
    tgt.proxy.clear()
    api.close()
    assert tgt.proxy.connections - before >= 2
    props = tgt.direct.object_get_properties(tgt.account, tgt.container, name).properties
    assert props == {"new": "2"}


def test_swift_metadata_post_not_resent_when_retries_disabled(targets):
    tgt = targets["swift"]
    name = "post-" + uuid.uuid4().hex[:8]
    tgt.direct.object_create(tgt.account, tgt.container, data=b"x", obj_name=name)
    api = tgt.fresh(retries=objclient.RetryPolicy.disabled())
    before = tgt.proxy.connections
    tgt.proxy.inject("reset_request", 1, after=10)
    with pytest.raises(ConnectionFailed):
        api.object_set_properties(tgt.account, tgt.container, name, {"k": "v"})
    tgt.proxy.clear()
    api.close()
    assert tgt.proxy.connections - before == 1
    assert tgt.direct.object_get_properties(tgt.account, tgt.container, name).properties == {}
