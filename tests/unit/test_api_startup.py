"""A network facade builds cheaply: what building a Swift or S3 API does not
import (issue 26, cold starts).  Each of these modules is imported where it
is needed: a large-object upload (the transfer package), a CRC-32C (the
``crc32c`` package and its argparse), a profile or ``~/.aws`` file
(configparser), a proxy (urllib.request), a curl command in a log (shlex),
the keyring (the keyring saver), threads (concurrent.futures: a Swift
listing with properties); S3 needs no TempAuth."""

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

#: imported by none of the builds below
DEFERRED = ("objclient.transfer", "crc32c", "argparse", "configparser", "urllib.request",
            "xml.sax", "shlex", "requests", "objclient.http.keyring_saver",
            "concurrent.futures")

SCRIPT = """
import json, sys
import objclient
api = objclient.ObjectStorageApi(sys.argv[1], **json.loads(sys.argv[2]))
print(json.dumps(sorted(sys.modules)))
"""


def _modules_after_build(url, **options):
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["PYTHONPATH"] = ROOT
    proc = subprocess.run([sys.executable, "-c", SCRIPT, url, json.dumps(options)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, env=env, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _deferred(modules, also=()):
    names = DEFERRED + also
    return [m for m in modules if m in names or m.startswith(tuple(n + "." for n in names))]


def test_swift_build_imports_no_transfer_engine_configparser_nor_proxy_code():
    modules = _modules_after_build("swift+http://127.0.0.1:9/auth/v1.0", user="a:b", key="c")
    assert "objclient.backends.swift" in modules
    assert _deferred(modules) == []


def test_s3_build_imports_no_transfer_engine_configparser_nor_proxy_code():
    modules = _modules_after_build("s3+http://127.0.0.1:9", access_key="a", secret_key="b",
                                   region="us-east-1")
    assert "objclient.backends.s3" in modules
    assert _deferred(modules, also=("objclient.auth.tempauth",)) == []
