"""tools/bench_sync_run.py without servers: the workload, the command lines
of each tool, the targets and the report."""

from __future__ import annotations

import os
import stat
import types
from typing import Any, Dict, List

from tools import bench_sync_run as bench

TODAY_HELP = "usage: objclient sync [-h] [--delete] [--checksum] [--dry-run] [--workers WORKERS]"
REBUILT_HELP = ("usage: objclient sync [--delete] [--max-delete N] [--checkers N] "
                "[--transfers N] [-f json]")


def test_objclient_gets_workers_from_todays_cli_and_transfers_and_checkers_from_the_rebuilt_one(
) -> None:
    assert bench.objclient_options(TODAY_HELP, False) == ["--workers", "8"]
    assert bench.objclient_options(REBUILT_HELP, True) == [
        "--transfers", "8", "--checkers", "8", "--delete"]


def test_the_folder_is_the_same_for_the_same_seed_and_mutation_changes_and_deletes_one_percent(
        tmp_path: Any) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert bench.make_folder(str(a), 200, 1, 1) == 201
    bench.make_folder(str(b), 200, 1, 1)
    files = sorted(p.relative_to(a) for p in a.rglob("*.bin"))
    assert files == sorted(p.relative_to(b) for p in b.rglob("*.bin"))
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files)
    assert (a / "big" / "big00.bin").stat().st_size == 1 << 20
    before = {f: (a / f).read_bytes() for f in files}
    changed, deleted = bench.mutate_folder(str(a), 200)
    assert (changed, deleted) == (2, 2)
    after = {p.relative_to(a): p.read_bytes() for p in a.rglob("*.bin")}
    assert len(before) - len(after) == 2
    assert sum(1 for f, data in after.items() if before[f] != data) == 2


def _setup(tmp_path: Any) -> bench.Setup:
    proxy = types.SimpleNamespace(port=1)
    return bench.Setup(str(tmp_path), proxy, proxy)  # type: ignore[arg-type]


def test_generated_configs_are_private_and_no_command_line_holds_a_secret(tmp_path: Any) -> None:
    setup = _setup(tmp_path)
    for path in (setup.rclone_conf, setup.aws_conf, setup.aws_creds):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    secret = setup.secrets[0]  # the S3 secret key
    for tool in bench.TOOLS:
        cmd = setup.command(tool, ("folder", "/data"), ("s3", "bucket"), delete=True)
        assert secret not in " ".join(cmd)
    assert setup.redact(f"denied for {secret}") == "denied for <secret>"


def test_every_tool_is_pointed_at_the_proxy_with_eight_transfers(tmp_path: Any) -> None:
    setup = _setup(tmp_path)
    rclone = setup.command("rclone", ("s3", "b"), ("swift", "c"), delete=False)
    assert rclone[:4] == ["rclone", "sync", "s3:b", "swift:c"]
    assert rclone[4:8] == ["--transfers", "8", "--checkers", "8"]
    with open(setup.rclone_conf) as fh:
        conf = fh.read()
    assert "endpoint = http://127.0.0.1:1\n" in conf
    assert "storage_url = http://127.0.0.1:1/" in conf
    aws = setup.command("aws", ("folder", "/d"), ("s3", "b"), delete=True)
    assert aws[aws.index("--endpoint-url") + 1] == "http://127.0.0.1:1" and "--delete" in aws
    with open(setup.aws_conf) as fh:
        assert "max_concurrent_requests = 8" in fh.read()
    ours = setup.command("objclient", ("s3", "b"), ("swift", "c"), delete=False)
    assert ours[ours.index("sync") + 1:ours.index("sync") + 3] == [
        "s3+http://127.0.0.1:1#b", "swift+" + setup.swift_auth + "#c"]


def _row(tool: str, phase: str, wall: float, requests: int, ok: bool = True) -> Dict[str, Any]:
    return {"workload": "W1", "phase": phase, "tool": tool, "wall_s": wall, "cpu_s": 1.0,
            "peak_rss_mib": 50.0, "requests": requests, "methods": {"S3": {"PUT": requests}},
            "rc": 0, "objects_at_destination": 3, "expected": 3, "ok": ok}


def _result(rows: List[Dict[str, Any]], growth: float) -> Dict[str, Any]:
    return {"rows": rows, "sizes": bench.QUICK, "versions": {"rclone": "v1"}, "tools": ["aws"],
            "objclient_options": "--workers 8",
            "memory": {"objects": 1000, "growth_mib": growth, "peak_rss_mib": 80,
                       "base_rss_mib": 20, "wall_s": 1.0, "merge_functions": []}}


def test_targets_compare_objclient_with_rclone_phase_by_phase() -> None:
    rows = [_row("objclient", "first", 8.0, 10), _row("rclone", "first", 10.0, 20),
            _row("objclient", "no-change", 1.0, 30), _row("rclone", "no-change", 1.0, 20)]
    verdicts = {t["target"]: t["pass"] for t in bench.targets(_result(rows, 70.0))}
    assert verdicts["W1 first: objclient wall <= 0.8x rclone's"] is True
    assert verdicts["W1 first: objclient requests <= rclone's"] is True
    assert verdicts["W1 no-change: objclient wall <= 0.8x rclone's"] is False
    assert verdicts["W1 no-change: objclient requests <= rclone's"] is False
    assert verdicts["memory: no-change sync of 1,000 objects grows peak RSS by < 64 MiB"] is False


def test_the_report_has_a_row_per_phase_and_tool_and_a_verdict_per_target() -> None:
    rows = [_row("objclient", "first", 8.0, 10), _row("rclone", "first", 10.0, 20, ok=False)]
    text = bench.render(_result(rows, 10.0), "quick run")
    assert "| W1 | first | objclient | 8.00 | 1.00 | 50 | 10 | S3: PUT 10 | ok |" in text
    assert "| W1 | first | rclone | 10.00 |" in text and "| WRONG |" in text
    assert "| W2 | all | aws | n/a |" in text
    assert "- PASS: W1 first: objclient wall <= 0.8x rclone's: 8.00 s vs 10.00 s (0.80x)" in text
    assert "- FAIL: W1 first: rclone left the destination right" in text
    assert "growth 10.0 MiB" in text and "dict-based compare" in text
