"""`objclient object list` of a huge container prints as it pages, in
constant memory: a stub facade yields 200,000 entries to a fresh process."""

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
ENTRIES = 200_000

SCRIPT = """
import io, json, resource, sys
import objclient.api
from objclient.cli import main

N = int(sys.argv[1])


class Sink(io.TextIOBase):
    written = 0

    def write(self, text):
        Sink.written += len(text)
        return len(text)

    def isatty(self):
        return False


class Entry:
    def __init__(self, n):
        self.n = n

    def to_dict(self):
        return {"name": f"photos/2026/img-{self.n:07d}.jpg", "size": 1000 + self.n,
                "hash": "%032x" % self.n, "mime_type": "image/jpeg",
                "mtime": 1796315475.1 + self.n, "properties": {"k": "v"}}


written_before_last = []


class StubApi:
    def __init__(self, *args, **kwargs):
        pass

    def object_list_iter(self, account, container, **kwargs):
        for n in range(N):
            if n == N - 1:
                written_before_last.append(Sink.written)
            yield Entry(n)

    def close(self):
        pass


objclient.api.ObjectStorageApi = StubApi
sys.stdout = Sink()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
code = main(["object", "list", "box"] + sys.argv[2:])
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(json.dumps({"code": code, "grown_kib": grown, "written": Sink.written,
                  "written_before_last": written_before_last[0]}), file=sys.stderr)
"""


def _list(*options):
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(ENTRIES), *options], cwd=ROOT,
                          capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, PYTHONPATH=ROOT))
    return json.loads(proc.stderr.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["json", "table"])
def test_a_listing_of_200000_entries_prints_as_it_pages_in_constant_memory(fmt):
    run = _list("-f", fmt)
    assert run["code"] == 0 and run["written"] > ENTRIES * 40
    assert run["written_before_last"] > run["written"] * 0.9
    assert run["grown_kib"] < 16 * 1024, run  # the whole listing held: over 150 MiB
