"""The chaos round against real servers: random faults under load.

32 threads and 4 forked children hammer Swift (native API) and SeaweedFS S3
through :class:`~tests.faults.chaos_proxy.ChaosProxy` for
``$OBJCLIENT_CHAOS_SECONDS`` (60 by default) per backend; afterwards no
acknowledged object may be lost, none may hold bytes that were never
written, and no multipart upload or segment may be left over.  Every error
must be a typed :class:`objclient.exceptions.ClientError`.
"""

from __future__ import annotations

import pytest

from objclient.exceptions import ClientError

from .chaos import chaos_seconds, run_chaos, summary


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["swift", "s3"])
def test_chaos_round_loses_corrupts_and_leaks_nothing(backend):
    try:
        report = run_chaos(backend, chaos_seconds())
    except ClientError as exc:
        raise RuntimeError(f"{backend} server not usable ({exc}); run "
                           "`tools/servers start`") from exc
    print("\n".join(report.lines()))
    print(summary([report]))
    assert report.tally.ops > 0
    assert sum(report.faults.values()) > 0
    assert report.tally.untyped == 0, report.tally.problems
    assert (report.lost, report.corrupt, report.leaked) == (0, 0, 0), report.lines()
