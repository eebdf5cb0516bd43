"""fsspec's abstract suite on one S3 server: objclient.fsspec beside s3fs.

Runs ``fsspec.tests.abstract``'s classes twice against the SeaweedFS S3
gateway of ``tools/servers`` (each test in a new bucket): once through
``objclient://`` (S3 backend) and once through s3fs, each in its own Python
(s3fs pins a botocore older than the shared venv's boto3, so it lives in a
venv of its own: ``python -m venv /tmp/s3fsvenv && /tmp/s3fsvenv/bin/pip
install s3fs pytest``), and prints the pass counts side by side::

    eval "$(tools/servers env)"
    python tools/fsspec_compare.py --s3fs-python /tmp/s3fsvenv/bin/python

This file is also the test module both runs collect (``FSSPEC_COMPARE``
names the filesystem); pytest runs it with ``--noconftest`` so that the
s3fs venv needs nothing of objclient.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import uuid
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict

import pytest
from fsspec.tests.abstract import (AbstractCopyTests, AbstractFixtures, AbstractGetTests,
                                   AbstractOpenTests, AbstractPipeTests, AbstractPutTests)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLASSES = ("TestCopy", "TestGet", "TestPut", "TestPipe", "TestOpen")


def make_fs(which: str):
    """The filesystem under test, over ``$SEAWEEDFS_S3_ENDPOINT``."""
    sys.path.insert(0, ROOT)
    from tools import server_env
    endpoint = server_env.SEAWEEDFS_S3_ENDPOINT
    if which == "s3fs":
        import s3fs
        return s3fs.S3FileSystem(key=server_env.SEAWEEDFS_S3_ACCESS_KEY,
                                 secret=server_env.SEAWEEDFS_S3_SECRET_KEY,
                                 client_kwargs={"endpoint_url": endpoint,
                                                "region_name": server_env.SEAWEEDFS_S3_REGION},
                                 skip_instance_cache=True)
    from objclient.fsspec import ObjectStorageFileSystem
    return ObjectStorageFileSystem(store="s3+" + endpoint, path_keys=True,
                                   access_key=server_env.SEAWEEDFS_S3_ACCESS_KEY,
                                   secret_key=server_env.SEAWEEDFS_S3_SECRET_KEY,
                                   region=server_env.SEAWEEDFS_S3_REGION,
                                   skip_instance_cache=True)


class CompareFixtures(AbstractFixtures):
    """s3fs's own fixture choices (s3fs/tests/derived): no empty directories."""

    @pytest.fixture(scope="class")
    def fs(self):
        return make_fs(os.environ.get("FSSPEC_COMPARE", "objclient"))

    @pytest.fixture
    def fs_path(self, fs):
        bucket = f"cmp-{uuid.uuid4().hex[:10]}"
        fs.mkdir(bucket)
        yield bucket
        try:
            fs.rm(bucket, recursive=True)
        except FileNotFoundError:
            pass

    @pytest.fixture
    def supports_empty_directories(self):
        return False


class TestCopy(AbstractCopyTests, CompareFixtures):
    pass


class TestGet(AbstractGetTests, CompareFixtures):
    pass


class TestPut(AbstractPutTests, CompareFixtures):
    pass


class TestPipe(AbstractPipeTests, CompareFixtures):
    pass


class TestOpen(AbstractOpenTests, CompareFixtures):
    pass


def run(which: str, python: str) -> dict:
    """Run this module's tests for one filesystem; ``{class: Counter}``."""
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "junit.xml")
        env = dict(os.environ, FSSPEC_COMPARE=which)
        subprocess.run([python, "-m", "pytest", os.path.abspath(__file__), "--noconftest",
                        "-p", "no:cacheprovider", "-q", f"--junitxml={report}",
                        "--rootdir", tmp, "-o", "addopts="],
                       cwd=ROOT, env=env, check=False, stdout=subprocess.DEVNULL)
        counts: dict = defaultdict(Counter)
        for case in ET.parse(report).iter("testcase"):
            cls = case.get("classname", "").rsplit(".", 1)[-1]
            kinds = {child.tag for child in case}
            outcome = ("failed" if kinds & {"failure", "error"} else
                       "skipped" if "skipped" in kinds else "passed")
            counts[cls][outcome] += 1
            if outcome == "failed":
                counts["failed names"][f"{cls}.{case.get('name')}"] += 1
        return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--s3fs-python", required=True,
                        help="the Python of a venv where s3fs and pytest are installed")
    parser.add_argument("--objclient-python", default=sys.executable)
    args = parser.parse_args()
    results = {"objclient": run("objclient", args.objclient_python),
               "s3fs": run("s3fs", args.s3fs_python)}
    print(f"{'class':<10} {'objclient pass/fail/skip':>26} {'s3fs pass/fail/skip':>22}")
    total = {name: Counter() for name in results}
    for cls in CLASSES:
        cells = []
        for name, counts in results.items():
            c = counts.get(cls, Counter())
            total[name].update(c)
            cells.append(f"{c['passed']}/{c['failed']}/{c['skipped']}")
        print(f"{cls:<10} {cells[0]:>26} {cells[1]:>22}")
    cells = [f"{t['passed']}/{t['failed']}/{t['skipped']}" for t in total.values()]
    print(f"{'total':<10} {cells[0]:>26} {cells[1]:>22}")
    for name, counts in results.items():
        print(f"failed with {name}: " + (", ".join(sorted(counts["failed names"])) or "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
