"""tools/bench_sync --quick against the real servers: every tool syncs every
phase right, requests are counted, and no secret is printed or written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from tools import server_env

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_quick_run_syncs_every_phase_right_and_counts_requests(tmp_path: Any) -> None:
    md, js = tmp_path / "bench_sync.md", tmp_path / "bench_sync.json"
    env = dict(os.environ, OBJCLIENT_VENV=os.path.dirname(os.path.dirname(sys.executable)))
    done = subprocess.run([os.path.join(ROOT, "tools", "bench_sync"), "--quick", "--md", str(md),
                           "--json", str(js)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    result = json.loads(js.read_text())
    phases = {(r["workload"], r["phase"], r["tool"]) for r in result["rows"]}
    assert len(phases) == 13  # W1: 3 phases x 3 tools; W2: 2 phases x 2 tools
    assert all(r["ok"] and r["proxy_errors"] == 0 for r in result["rows"])
    firsts = [r for r in result["rows"] if r["phase"] == "first"]
    assert all(r["requests"] >= 200 for r in firsts)  # 200 small files + 2 big: all counted
    assert result["memory"]["objects"] == 20_000 and result["memory"]["growth_mib"] > 0
    text = md.read_text()
    assert "| W1 | no-change | rclone |" in text and "Targets:" in text
    for secret in (server_env.SEAWEEDFS_S3_SECRET_KEY, server_env.SWIFT_KEY):
        for output in (done.stdout, done.stderr, text, js.read_text()):
            assert secret not in output
