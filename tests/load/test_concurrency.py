"""32 threads and 4 forked children on ONE shared api, against real servers.

Each worker owns its object names and checks every byte and size it reads
back.  The suite runs 60 operations per thread and 50 per child; set
``OBJCLIENT_LOAD_OPS=500`` (children then run 200) or run
``tools/faults --load`` for the issue's full 32 x 500 / 4 x 200.
"""

from __future__ import annotations

import pytest

from objclient.exceptions import ClientError

from .workload import (CHILDREN, THREADS, drop_load_target, load_ops, open_load_target,
                       run_forked, run_threads)

BACKENDS = ("s3", "swift")


@pytest.fixture(params=BACKENDS)
def shared(request):
    try:
        api, account, container = open_load_target(request.param)
    except ClientError as exc:
        raise RuntimeError(f"{request.param} server not usable ({exc}); run "
                           "`tools/servers start`") from exc
    yield api, account, container
    drop_load_target(api, account, container)


def test_32_threads_on_one_api_see_only_their_own_bytes_and_no_errors(shared):
    api, account, container = shared
    ops = load_ops(60)
    res = run_threads(api, account, container, THREADS, ops)
    print(f"{THREADS} x {ops}: {res.ops} ops in {res.elapsed:.1f} s, "
          f"{res.ops_per_s:.0f} ops/s, stale listings {res.stale_listings}")
    assert res.errors == []
    assert res.mismatches == []
    assert res.ops == THREADS * ops


def test_forked_children_of_a_used_api_run_correctly_without_shared_sockets(shared):
    api, account, container = shared
    api.container_show(account, container)  # the parent has a pooled connection now
    ops = 200 if load_ops(60) >= 500 else 50
    res = run_forked(api, account, container, CHILDREN, ops)
    print(f"{CHILDREN} forks x {ops}: {res.ops} ops in {res.elapsed:.1f} s, "
          f"{res.ops_per_s:.0f} ops/s")
    assert res.errors == []
    assert res.mismatches == []
    assert res.ops == CHILDREN * ops
    # The parent's own connection still works after the children used theirs.
    api.container_show(account, container)
