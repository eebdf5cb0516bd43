"""SigV4Auth's clock: requests dated by the server's time once it is known."""

import time

import requests

from objclient.auth.clock import amz_to_epoch
from objclient.auth.sigv4 import SigV4Auth, amz_date
from objclient.timestamps import http_date_to_epoch

SKEWED = (b"<?xml version='1.0' encoding='UTF-8'?>\n<Error><Code>RequestTimeTooSkewed</Code>"
          b"<Message>The difference between the request time and the current time is too "
          b"large.</Message><RequestId>tx1</RequestId></Error>")


def _signed_time(auth):
    request = requests.Request("GET", "http://s3.example/bucket/key").prepare()
    auth.sign(request)
    return amz_to_epoch(request.headers["X-Amz-Date"])


def _date(epoch):
    return time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(epoch))


def test_requests_are_dated_by_the_injected_clock():
    auth = SigV4Auth("AK", "SK", clock=lambda: 2_000_000_000.0)
    assert _signed_time(auth) == 2_000_000_000.0


def test_request_time_too_skewed_teaches_the_offset_from_the_date_header():
    real = time.time()
    auth = SigV4Auth("AK", "SK", clock=lambda: real + 1200)
    assert auth.correct_clock(403, {"Date": _date(real)}, SKEWED) is True
    assert abs(_signed_time(auth) - real) <= 2
    assert abs(auth.clock.offset + 1200) <= 2


def test_the_error_bodys_server_time_wins_over_the_headers():
    auth = SigV4Auth("AK", "SK", clock=lambda: 2_000_000_000.0)
    body = SKEWED.replace(b"</Error>", b"<ServerTime>2033-05-18T03:13:20Z</ServerTime></Error>")
    assert auth.correct_clock(403, {"Date": _date(1_000_000_000)}, body) is True
    assert auth.clock.offset == amz_to_epoch("20330518T031320Z") - 2_000_000_000.0
    assert _signed_time(auth) == amz_to_epoch("20330518T031320Z")


def test_another_403_code_is_not_a_clock_problem():
    auth = SigV4Auth("AK", "SK", clock=lambda: time.time() + 1200)
    body = b"<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
    assert auth.correct_clock(403, {"Date": _date(time.time())}, body) is False
    assert auth.clock.offset == 0.0


def test_a_bodyless_403_counts_as_skew_only_when_the_date_is_far_off():
    real = time.time()
    near = SigV4Auth("AK", "SK", clock=lambda: real + 20)
    assert near.correct_clock(403, {"Date": _date(real)}, b"") is False
    far = SigV4Auth("AK", "SK", clock=lambda: real - 1200)
    assert far.correct_clock(403, {"Date": _date(real)}, b"") is True


def test_a_second_skew_answer_with_the_same_time_asks_for_no_resend():
    real = time.time()
    auth = SigV4Auth("AK", "SK", clock=lambda: real + 1200)
    assert auth.correct_clock(403, {"Date": _date(real)}, SKEWED) is True
    assert auth.correct_clock(403, {"Date": _date(real)}, SKEWED) is False


def test_presigned_urls_are_dated_by_the_servers_time():
    real = time.time()
    auth = SigV4Auth("AK", "SK", clock=lambda: real + 1200)
    auth.correct_clock(403, {"Date": _date(real)}, SKEWED)
    url = auth.presign("http://s3.example/bucket/key")
    stamp = url.split("X-Amz-Date=")[1][:16]
    assert abs(amz_to_epoch(stamp) - real) <= 2


def test_amz_date_takes_epoch_seconds():
    assert amz_date(0.0) == "19700101T000000Z"
    assert http_date_to_epoch(_date(86400)) == 86400
