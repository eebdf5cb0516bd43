"""No secret in any log line, error, repr or timing, on the real servers.

Each backend runs a small workload with ``debug=True`` and ``timings=True``
while every logger records at DEBUG, then fails on purpose (wrong key,
missing object); everything captured is searched for every secret used.
"""

import logging
import uuid

import pytest

import objclient
from objclient.exceptions import ClientError

from .matrix import S3_ACCESS, S3_ENDPOINT, S3_SECRET, SWIFT_AUTH, SWIFT_KEY, SWIFT_USER

SWIFT_KEY_FOR_GREP = SWIFT_KEY if len(SWIFT_KEY) >= 6 else None


def _swift(key=SWIFT_KEY, **kw):
    return objclient.ObjectStorageApi("swift+" + SWIFT_AUTH, user=SWIFT_USER, key=key, **kw)


def _s3(secret=S3_SECRET, **kw):
    return objclient.ObjectStorageApi("s3+" + S3_ENDPOINT, access_key=S3_ACCESS,
                                      secret_key=secret, path_keys=True, **kw)


def _workload(api, account):
    container = f"oc-secret-{uuid.uuid4().hex[:8]}"
    api.container_create(account, container)
    api.object_create(account, container, data=b"x" * 100, obj_name="o",
                      properties={"k": "v"})
    _meta, stream = api.object_fetch(account, container, "o")
    b"".join(stream)
    api.object_list(account, container)
    try:
        api.object_get_properties(account, container, "missing")
    except ClientError as err:
        yield str(err)
    api.object_delete(account, container, "o")
    api.container_delete(account, container)


@pytest.mark.parametrize("backend", ["swift", "s3"])
def test_no_secret_in_logs_errors_reprs_or_timings(backend, caplog):
    caplog.set_level(logging.DEBUG)
    make = _swift if backend == "swift" else _s3
    api = make(debug=True, timings=True)
    captured = list(_workload(api, None))
    secrets = [S3_SECRET] if backend == "s3" else [s for s in [SWIFT_KEY_FOR_GREP] if s]
    auth = api.http.auth
    token = getattr(auth, "token", None)
    if token:
        secrets.append(token)
    captured += [repr(api), repr(api.http), repr(auth), str(api.http.get_timing_records())]
    wrong_secret = "wrong-" + uuid.uuid4().hex
    wrong = make(wrong_secret, debug=True)
    with pytest.raises(ClientError) as err:
        wrong.container_list(None)
    secrets.append(wrong_secret)
    captured += [str(err.value), repr(err.value), repr(wrong), repr(wrong.http.auth)]
    captured.append(caplog.text)
    haystack = "\n".join(captured)
    assert "curl -i -X" in haystack  # the debug log really ran
    for secret in secrets:
        assert secret and secret not in haystack, f"a {backend} secret leaked"
    # signatures of the signed requests must not be readable either
    for line in caplog.text.splitlines():
        if "Signature=" in line:
            assert "{SHA256}" in line
