"""``objclient sync``: the options the sync benchmark relies on, JSON out,
and ``--dask`` on a Dask cluster."""

import json
import os

import distributed  # the test extra installs dask[distributed]

from objclient.cli import main


def _tree(root, count):
    for i in range(count):
        path = root / f"d{i % 3}" / f"f{i:03d}.{'jpg' if i % 2 else 'txt'}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * (i + 1))


def _sync(capsys, *argv):
    code = main(["-f", "json", "sync", *argv])
    out = capsys.readouterr().out
    return code, json.loads(out) if out else None


def test_options_filter_compare_and_report_as_json(tmp_path, capsys):
    _tree(tmp_path / "src", 20)
    src, dst = str(tmp_path / "src"), str(tmp_path / "dst")
    code, report = _sync(capsys, src, dst, "--include", "*.jpg", "--min-size", "4",
                         "--checkers", "2", "--transfers", "2")
    assert code == 0 and report["copied"] == 9 and report["failed"] == 0
    code, report = _sync(capsys, src, dst, "--include", "*.jpg", "--size-only")
    assert report["copied"] == 1 and report["skipped"] == 9
    code, report = _sync(capsys, src, dst, "--checksum", "--delete", "--dry-run")
    assert report["copied"] == 10 and report["dry_run"] is True
    assert not os.path.exists(tmp_path / "dst" / "d0" / "f000.txt")


def test_max_delete_exits_with_an_error_and_deletes_nothing_past_it(tmp_path, capsys):
    _tree(tmp_path / "src", 4)
    _tree(tmp_path / "dst", 8)
    code, _ = _sync(capsys, str(tmp_path / "src"), str(tmp_path / "dst"), "--delete",
                    "--max-delete", "2")
    assert code == 1
    assert len(list((tmp_path / "dst").rglob("*.*"))) >= 6


def test_dask_runs_the_shards_on_the_cluster(tmp_path, capsys):
    _tree(tmp_path / "src", 30)
    with distributed.LocalCluster(n_workers=1, processes=False, protocol="tcp", host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        code, report = _sync(capsys, str(tmp_path / "src"), str(tmp_path / "dst"),
                             "--dask", cluster.scheduler_address)
        assert code == 0 and report["copied"] == 30
        code, report = _sync(capsys, str(tmp_path / "src"), str(tmp_path / "dst"),
                             "--dask", cluster.scheduler_address)
        assert report["skipped"] == 30
