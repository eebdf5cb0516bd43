"""The benchmark's pure parts: targets, the JSON document, publishing, the chart data."""

from __future__ import annotations

import importlib.util
import json
import os
import sys

from tools import bench_plot, bench_report
from tools.bench_report import DELETE_OP

FLOOR = "urllib3 (floor)"
SWIFTCLIENT = "python-swiftclient"


def _result() -> dict:
    """A Swift run: objclient 1.2 x the floor's CPU on 4 KiB ops, 0.5 x swiftclient's."""
    small = {op: (100.0, 1.0, 0.0) for op in ("PUT", "GET", "HEAD", DELETE_OP)}
    return {
        FLOOR: dict(small, **{"LIST 10000": (2.0, 50.0, 0.0),
                              "PUT 256 MiB (MiB/s)": (200.0, 100.0, 0.0),
                              "PUT 64x1MiB/8t": (80.0, 2.0, 0.0)}),
        "objclient": dict({op: (90.0, 1.2, 0.0) for op in small},
                          **{"LIST 10000": (1.5, 80.0, 0.0),
                             "PUT 256 MiB (MiB/s)": (190.0, 120.0, 0.0),
                             "PUT 64x1MiB/8t": (70.0, 3.0, 0.0)}),
        SWIFTCLIENT: dict({op: (95.0, 2.4, 0.0) for op in small},
                          **{"LIST 10000": (1.0, 90.0, 0.0),
                             "PUT 256 MiB (MiB/s)": (150.0, 110.0, 0.0),
                             "PUT 64x1MiB/8t": (75.0, 2.5, 0.0)}),
    }


MEMORY = {"LIST 10000": {FLOOR: 3.0, "objclient": 20.0},
          "256 MiB PUT+GET": {FLOOR: 1.0, "objclient": 10.0}}


def _by_name(found: list) -> dict:
    return {t["target"]: t for t in found}


def test_targets_compare_objclient_with_the_floor_and_the_peers() -> None:
    found = _by_name(bench_report.targets("swift", _result(), FLOOR, MEMORY))
    assert found["PUT 4 KiB CPU <= 1.3 x floor"]["pass"] is True
    assert found["PUT 4 KiB CPU <= 1.3 x floor"]["ratio"] == 1.2
    assert found[f"{DELETE_OP} 4 KiB CPU <= 1.0 x {SWIFTCLIENT}"]["ratio"] == 0.5
    assert found["PUT 256 MiB (MiB/s) throughput >= 0.9 x floor"]["pass"] is True
    assert found[f"PUT 64x1MiB/8t throughput >= {SWIFTCLIENT}"]["pass"] is False
    listing = found["LIST 10000 time <= 1.2 x floor"]
    assert (listing["pass"], round(listing["ratio"], 3)) == (False, 1.333)
    assert all(t["server"] == "swift" for t in found.values())


def test_throughput_targets_compare_like_for_like_with_the_unchecked_row() -> None:
    result = _result()
    result[bench_report.UNCHECKED] = {"PUT 256 MiB (MiB/s)": (185.0, 50.0, 0.0),
                                      "PUT 64x1MiB/8t": (80.0, 1.5, 0.0)}
    result["boto3"] = {"PUT 64x1MiB/8t": (72.0, 4.0, 0.0)}
    found = _by_name(bench_report.targets("swift", result, FLOOR, MEMORY))
    floor = found["PUT 256 MiB (MiB/s) throughput >= 0.9 x floor, like for like "
                  f"({bench_report.UNCHECKED}: {FLOOR} checks nothing)"]
    assert (floor["pass"], floor["ratio"]) == (True, 0.925)
    assert floor["detail"] == "0.925 x; objclient as it comes, MD5 on: 0.950 x"
    peer = found[f"PUT 64x1MiB/8t throughput >= {SWIFTCLIENT}, like for like "
                 f"({bench_report.UNCHECKED}: {SWIFTCLIENT} checks nothing)"]
    assert peer["pass"] is True and round(peer["ratio"], 3) == 1.067
    # boto3 checks what it uploads: objclient as it comes is judged.
    boto = found["PUT 64x1MiB/8t throughput >= boto3"]
    assert boto["pass"] is False and round(boto["ratio"], 3) == 0.972
    table = "\n".join(bench_report.table("swift", result, FLOOR))
    assert bench_report.LIKE_FOR_LIKE_NOTE in table
    assert f"| PUT | {bench_report.UNCHECKED} |" not in table  # 4 KiB: not run


def test_memory_targets_use_the_bounds_and_say_them() -> None:
    found = _by_name(bench_report.targets("s3", _result(), FLOOR, MEMORY))
    constant = found["LIST 10000: constant memory (peak RSS growth <= max(16 MiB, floor's "
                     "+ 8 MiB) = 16.0 MiB)"]
    assert (constant["pass"], constant["mib"], constant["detail"]) == (False, 20.0, "20.0 MiB")
    big_page = dict(MEMORY, **{"LIST 10000": {FLOOR: 13.0, "objclient": 20.0}})
    again = bench_report.targets("s3", _result(), FLOOR, big_page)
    assert [t["pass"] for t in again if "constant memory" in t["target"]] == [True]
    assert bench_report.list_memory_bound(13.0) == 21.0
    assert found["256 MiB PUT+GET peak RSS growth <= 64 MiB"]["pass"] is True


def test_import_targets() -> None:
    found = _by_name(bench_report.import_targets({"objclient": 60.0, "boto3": 200.0}))
    assert found["import objclient < 150 ms"] == {
        "server": "-", "target": "import objclient < 150 ms", "pass": True, "ms": 60.0,
        "detail": "60.0 ms"}
    assert found["import objclient <= 0.5 x import boto3"]["ratio"] == 0.3
    assert bench_report.import_targets({"boto3": 1.0}) == []


def test_target_lines_print_pass_or_fail() -> None:
    lines = bench_report.target_lines(bench_report.import_targets({"objclient": 200.0}))
    assert lines == ["- FAIL: import objclient < 150 ms (200.0 ms)"]


def test_table_labels_delete_and_explains_it() -> None:
    lines = bench_report.table("swift", _result(), FLOOR)
    assert any(line.startswith(f"| {DELETE_OP} | objclient |") for line in lines)
    assert bench_report.DELETE_NOTE in lines and "peers send one DELETE" in lines[-2]
    mem = bench_report.memory_table("swift", MEMORY, FLOOR)
    assert "| LIST 10000 | objclient | 20.0 | 6.67 |" in mem


def test_json_document_shape() -> None:
    result = _result()
    server = bench_report.server_json(result, FLOOR, MEMORY)
    assert server["floor"] == FLOOR and server["clients"] == [FLOOR, "objclient", SWIFTCLIENT]
    assert server["operations"]["PUT 256 MiB (MiB/s)"]["objclient"] == {
        "rate": 190.0, "unit": "MiB/s", "cpu_ms_per_op": 120.0, "signing_ms_per_op": 0.0}
    assert server["operations"]["GET"]["objclient"]["unit"] == "ops/s"
    assert server["peak_rss_growth_mib"]["LIST 10000"]["objclient"] == 20.0
    found = bench_report.targets("swift", result, FLOOR, MEMORY)
    doc = bench_report.results_json({"date": "d"}, {"swift": server}, {"objclient": 50.0},
                                    found)
    assert set(doc) == {"meta", "servers", "import_ms", "targets", "all_pass"}
    assert doc["all_pass"] is False
    assert json.loads(json.dumps(doc)) == doc


def test_chart_series_are_ratios_to_the_floor() -> None:
    server = bench_report.server_json(_result(), FLOOR, MEMORY)
    series = bench_plot.chart_series({"servers": {"swift": server}}, "swift")
    assert series["cpu"]["DELETE"] == {FLOOR: 1.0, "objclient": 1.2, SWIFTCLIENT: 2.4}
    assert series["throughput"]["PUT 256 MiB"]["objclient"] == 190.0
    assert "PUT 64x1MiB/8t" in series["throughput"]
    assert series["listing"]["LIST 10000: time"]["objclient"] == 2.0 / 1.5
    assert series["listing"]["LIST 10000: CPU"][SWIFTCLIENT] == 90.0 / 50.0
    assert "LIST 10000" not in series["cpu"]
    assert series["memory"] == MEMORY


def test_publish_copies_report_and_chart_into_doc(tmp_path) -> None:  # type: ignore
    chart = tmp_path / "bench.png"
    chart.write_bytes(b"\x89PNG")
    assert bench_report.publish(str(tmp_path), "# report\n", str(chart)) == [
        bench_report.PUBLISHED_MD, bench_report.PUBLISHED_PNG]
    assert (tmp_path / "doc" / "benchmark-results.md").read_text() == "# report\n"
    assert (tmp_path / "doc" / "_static" / "bench.png").read_bytes() == b"\x89PNG"
    bench_report.publish(str(tmp_path), "# again\n", None)  # no chart: no stale one
    assert not (tmp_path / "doc" / "_static" / "bench.png").exists()


def _generated():  # type: ignore
    path = os.path.join(os.path.dirname(__file__), "..", "..", "doc", "_ext", "generated.py")
    spec = importlib.util.spec_from_file_location("generated_for_bench", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_the_docs_chart_reads_the_bench_table() -> None:
    text = "\n".join(["### swift", ""] + bench_report.table("swift", _result(), FLOOR))
    groups = dict(_generated().bench_chart_data(text))
    assert groups[f"swift: {DELETE_OP}"] == [(FLOOR, 1.0), ("objclient", 1.2),
                                              (SWIFTCLIENT, 2.4)]


def test_published_results_page_shows_the_committed_chart(tmp_path) -> None:  # type: ignore
    generated = _generated()
    out = tmp_path / "out"
    generated.write_generated(str(tmp_path), str(out))
    assert "run ``tools/bench --publish``" in (out / "bench-published.rst").read_text()
    bench_report.publish(str(tmp_path), "# run\n\n| a | b |\n|---|---|\n| 1 | 2 |\n", None)
    assert "bench-published" in generated.write_generated(str(tmp_path), str(out))
    assert "image::" not in (out / "bench-published.rst").read_text()
    (tmp_path / "doc" / "_static" / "bench.png").write_bytes(b"\x89PNG")
    generated.write_generated(str(tmp_path), str(out))
    page = (out / "bench-published.rst").read_text()
    assert "list-table" in page and ".. image:: /_static/bench.png" in page


def test_plot_without_matplotlib_says_how_to_install_it(monkeypatch, tmp_path) -> None:  # type: ignore
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib fails
    doc = {"servers": {}, "import_ms": {}}
    try:
        bench_plot.plot(doc, str(tmp_path / "x.png"))
    except bench_plot.PlotUnavailable as exc:
        assert ".[bench]" in str(exc) and "matplotlib" in str(exc)
    else:
        raise AssertionError("plot without matplotlib must fail")
    assert not (tmp_path / "x.png").exists()


def test_integrity_target_judges_objclient_as_it_comes_against_the_floor() -> None:
    result = _result()
    result[bench_report.UNCHECKED] = {"PUT 256 MiB (MiB/s)": (210.0, 50.0, 0.0)}
    found = _by_name(bench_report.targets("swift", result, FLOOR, MEMORY))
    target = found["PUT 256 MiB (MiB/s) with integrity on >= 0.9 x the unverified floor"]
    assert (target["pass"], target["ratio"]) == (True, 0.95)  # 190 / 200, MD5 on
