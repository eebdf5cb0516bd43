"""The network benchmark's pure parts: the access log's counts, the targets, the table."""

from __future__ import annotations

import pytest

from tools import bench_net_report as report
from tools.bench_net_report import COLD, OBJCLIENT, UNCHECKED, Segment
from tools.tls_front import LogCounts, nginx_conf, parse_log

SWIFTCLIENT = "python-swiftclient"


def test_log_counts_requests_handshakes_and_resumed_sessions():
    lines = ["7 1 . PUT 201 /v1/a/c/o", "7 2 . GET 200 /v1/a/c/o", "9 1 r HEAD 200 /v1/a/c/o",
             ""]
    assert parse_log(lines) == LogCounts(3, 2, 1, {"PUT": 1, "GET": 1, "HEAD": 1})


def test_the_nginx_configuration_keeps_upstream_connections_and_streams_bodies():
    conf = nginx_conf("/tmp/x", "/tmp/x/c.pem", "/tmp/x/k.pem", {"swift": (4443, 8080)})
    assert "listen 127.0.0.1:4443 ssl;" in conf
    assert "server 127.0.0.1:8080; keepalive" in conf
    assert 'proxy_set_header Connection "";' in conf
    assert "proxy_request_buffering off;" in conf and "proxy_buffering off;" in conf
    assert "proxy_set_header Host $http_host;" in conf  # SigV4 signs the Host


def _swift_rows(objclient_wall: float, peer_wall: float) -> report.Rows:
    return {
        "GET 4 KiB": {OBJCLIENT: Segment(objclient_wall, 20, 20),
                      SWIFTCLIENT: Segment(peer_wall, 20, 20)},
        "DELETE 4 KiB": {OBJCLIENT: Segment(1.0, 20, 40), SWIFTCLIENT: Segment(1.0, 20, 20)},
        "16 threads: PUT 1000 x 4 KiB": {OBJCLIENT: Segment(3.0, 1000, 1000, 15, 15),
                                         SWIFTCLIENT: Segment(3.0, 1000, 1000, 15, 15)},
        "16 threads: GET 1000 x 4 KiB": {OBJCLIENT: Segment(3.0, 1000, 1000, 1, 1),
                                         SWIFTCLIENT: Segment(3.0, 1000, 1000, 6, 6)},
        "PUT 256 MiB": {OBJCLIENT: Segment(3.0, mib=256), UNCHECKED: Segment(1.9, mib=256),
                        SWIFTCLIENT: Segment(2.0, mib=256)},
        COLD: {OBJCLIENT: Segment(0.3, 1, 2, 1, 1), SWIFTCLIENT: Segment(0.4, 1, 2, 1, 1)},
    }


def _by_target(found):
    return {t["target"]: t for t in found}


def test_objclient_slower_than_the_fastest_python_peer_fails_its_wall_target():
    found = _by_target(report.targets("swift", _swift_rows(1.1, 1.0)))
    assert not found["GET 4 KiB: objclient's wall <= python-swiftclient's"]["pass"]
    found = _by_target(report.targets("swift", _swift_rows(0.9, 1.0)))
    assert found["GET 4 KiB: objclient's wall <= python-swiftclient's"]["pass"]


def test_an_extra_request_for_a_kept_semantic_fails_with_its_reason():
    found = _by_target(report.targets("swift", _swift_rows(1.0, 1.0)))
    delete = found["DELETE 4 KiB: objclient's requests <= python-swiftclient's"]
    assert not delete["pass"] and "segment container" in delete["reason"]
    assert "kept semantic" in report.target_lines([delete])[0]


def test_throughput_against_a_peer_that_checks_nothing_is_judged_like_for_like():
    found = report.targets("swift", _swift_rows(1.0, 1.0))
    big = [t for t in found if t["target"].startswith("PUT 256 MiB: objclient's wall")]
    assert len(big) == 1 and "like for like" in big[0]["target"] and big[0]["pass"]


def test_connections_of_the_threaded_workload_add_up_put_and_get():
    found = _by_target(report.targets("swift", _swift_rows(1.0, 1.0)))
    target = found["16 threads (PUT then GET): objclient opens <= 16 connections"]
    assert target["pass"] and target["detail"] == "16"


def test_cold_start_limits_are_per_server():
    found = _by_target(report.targets("swift", _swift_rows(1.0, 1.0)))
    assert found["cold start: objclient's wall <= 1 x python-swiftclient's"]["pass"]
    rows = {COLD: {OBJCLIENT: Segment(0.3), "boto3": Segment(0.5)}}
    s3 = _by_target(report.targets("s3", rows))
    assert not s3["cold start: objclient's wall <= 0.5 x boto3's"]["pass"]


def test_the_table_shows_small_operations_per_op_and_large_ones_in_mib_per_s():
    lines = report.table("swift", _swift_rows(1.0, 1.0))
    assert any("| GET 4 KiB | objclient | 50.0 ms/op | 20 | 0 | 0 (0) |" == ln for ln in lines)
    assert any("PUT 256 MiB" in ln and "(128 MiB/s)" in ln for ln in lines)
    assert any(ln.startswith("Note: ") for ln in lines)


def test_requests_are_split_by_method_when_there_are_several():
    seg = Segment(1.0, 1000, 1009, methods={"PUT": 1000, "HEAD": 9})
    assert report.requests_text(seg) == "1009 (1000 PUT, 9 HEAD)"
    assert report.requests_text(Segment(1.0, 20, 20, methods={"GET": 20})) == "20"


def test_a_small_workload_is_not_judged_on_the_unchecked_row():
    rows = {"16 threads: PUT 1000 x 4 KiB": {OBJCLIENT: Segment(1.0), UNCHECKED: Segment(9.0),
                                             SWIFTCLIENT: Segment(1.5)}}
    found = _by_target(report.targets("swift", rows))
    assert found["16 threads: PUT 1000 x 4 KiB: objclient's wall <= python-swiftclient's"][
        "pass"]


def test_an_unknown_workload_is_refused_before_anything_starts(capsys):
    from tools import bench_net
    with pytest.raises(SystemExit):
        bench_net.main(["--workload", "small,nope"])
    assert "unknown workload(s) nope" in capsys.readouterr().err


def test_a_large_transfer_with_integrity_on_is_judged_against_the_floor():
    rows = {"GET 256 MiB": {OBJCLIENT: Segment(2.5, mib=256), report.FLOOR: Segment(2.0, mib=256),
                            SWIFTCLIENT: Segment(2.4, mib=256)}}
    found = _by_target(report.targets("swift", rows))
    target = found["GET 256 MiB: objclient with integrity on >= 0.9 x the unverified floor's "
                   "throughput"]
    assert (target["pass"], target["detail"]) == (False, "0.800 x")
