"""A smoke run of the network benchmark (``tools/bench --network --quick``):
every client, over TLS through the delaying proxy, against the real servers."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tools.bench_net_report import COLD, OBJCLIENT
from tools.tls_front import find_nginx

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_a_quick_network_run_measures_every_workload_for_every_client(tmp_path):
    assert find_nginx(), "the network benchmark needs nginx: apt-get install -y nginx-light"
    out, doc_path = tmp_path / "net.md", tmp_path / "net.json"
    proc = subprocess.run(
        [sys.executable, "-m", "tools.bench_net", "--quick", "--no-publish",
         "--out", str(out), "--json", str(doc_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=85)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    doc = json.loads(doc_path.read_text())
    assert set(doc["servers"]) == {"swift", "s3"}
    for rows in doc["servers"].values():
        assert {"PUT 4 KiB", "DELETE 4 KiB", "LIST 100 objects", "LIST 100, delimiter",
                "PUT 2 MiB", "GET 2 MiB", COLD} <= set(rows)
        for per_client in rows.values():
            assert per_client[OBJCLIENT]["requests"] > 0
            assert all(seg["wall_s"] > 0 for seg in per_client.values())
    assert doc["targets"] and "Targets on swift" in out.read_text()
