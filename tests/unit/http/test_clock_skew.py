"""The request loop after a 403 RequestTimeTooSkewed: the signer learns the
server's clock, the request is signed and sent once more, and later requests
are dated right from the start.  The S3 server here is a ``responses``
callback that checks the signing time as SeaweedFS and Swift's s3api do
(15 minutes either way) and answers like them."""

import logging
import time

import pytest
import responses

from objclient.auth.clock import amz_to_epoch
from objclient.auth.sigv4 import SigV4Auth
from objclient.exceptions import Forbidden
from objclient.http import HTTPClient

URL = "http://s3.example/bucket/key"
SKEWED = (b"<?xml version='1.0' encoding='UTF-8'?>\n<Error><Code>RequestTimeTooSkewed</Code>"
          b"<Message>The difference between the request time and the current time is too "
          b"large.</Message><RequestId>tx1</RequestId></Error>")


def _date(epoch):
    return time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(epoch))


class SkewCheckingS3:
    """Refuses a request whose ``X-Amz-Date`` is over 15 minutes from
    ``server_clock()``; records the signing times it saw."""

    def __init__(self, server_clock=time.time):
        self.server_clock = server_clock
        self.seen = []

    def __call__(self, request):
        signed = amz_to_epoch(request.headers["X-Amz-Date"])
        self.seen.append(signed)
        now = self.server_clock()
        headers = {"Date": _date(now), "x-amz-request-id": f"tx{len(self.seen)}"}
        head = request.method == "HEAD"
        if abs(signed - now) > 900:
            return 403, {**headers, "Content-Type": "application/xml"}, b"" if head else SKEWED
        return 200, headers, b"" if head else b"content"


@pytest.fixture
def s3():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        server = SkewCheckingS3()
        for method in (responses.GET, responses.PUT, responses.HEAD):
            rsps.add_callback(method, URL, callback=server)
        yield server


@pytest.mark.parametrize("shift", [1200.0, -1200.0])
def test_a_skewed_403_is_followed_by_one_resigned_request_that_succeeds(s3, shift, caplog):
    http = HTTPClient(auth=SigV4Auth("AK", "SK", clock=lambda: time.time() + shift))
    with caplog.at_level(logging.WARNING, logger="objclient.auth"):
        resp = http.get(URL)
    assert resp.status_code == 200 and resp.content == b"content"
    assert len(s3.seen) == 2
    assert abs(s3.seen[0] - time.time() - shift) < 5
    assert abs(s3.seen[1] - time.time()) < 5
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and "the S3 server" in warnings[0].getMessage()


def test_later_requests_are_dated_by_the_learnt_offset_and_not_logged_again(s3, caplog):
    http = HTTPClient(auth=SigV4Auth("AK", "SK", clock=lambda: time.time() + 1200))
    with caplog.at_level(logging.WARNING, logger="objclient.auth"):
        http.get(URL)
        for _ in range(3):
            http.put(URL, data=b"x")
            http.head(URL)
    assert len(s3.seen) == 2 + 6  # one extra request in all
    assert len([r for r in caplog.records if r.levelname == "WARNING"]) == 1


def test_a_second_skew_answer_is_raised_without_looping():
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, URL, status=403, body=SKEWED,
                 headers={"Date": _date(time.time() - 3600), "Content-Type": "application/xml"})
        rsps.add(responses.GET, URL, status=403, body=SKEWED,
                 headers={"Date": _date(time.time() + 3600), "Content-Type": "application/xml"})
        http = HTTPClient(auth=SigV4Auth("AK", "SK"))
        with pytest.raises(Forbidden) as caught:
            http.get(URL)
        assert len(rsps.calls) == 2
    assert caught.value.code == "RequestTimeTooSkewed"
    assert caught.value.attempts == 2


def test_a_head_refused_for_its_time_is_signed_again_from_the_date_header(s3):
    http = HTTPClient(auth=SigV4Auth("AK", "SK", clock=lambda: time.time() - 1200))
    assert http.head(URL).status_code == 200
    assert len(s3.seen) == 2


def test_an_access_denied_403_is_not_sent_again():
    body = b"<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, URL, status=403, body=body,
                 headers={"Date": _date(time.time() + 3600)})
        http = HTTPClient(auth=SigV4Auth("AK", "SK"))
        with pytest.raises(Forbidden, match="Access Denied"):
            http.get(URL)
        assert len(rsps.calls) == 1


def test_a_body_that_cannot_be_resent_is_not_but_the_next_request_is_dated_right(s3):
    auth = SigV4Auth("AK", "SK", clock=lambda: time.time() + 1200)
    http = HTTPClient(auth=auth)
    with pytest.raises(Forbidden):
        http.put(URL, data=iter([b"streamed ", b"once"]))
    assert len(s3.seen) == 1
    assert abs(auth.clock.offset + 1200) < 5
    assert http.put(URL, data=iter([b"streamed ", b"again"])).status_code == 200
    assert len(s3.seen) == 2


def test_raise_on_error_false_still_gets_the_403_body():
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, URL, status=403, body=b"<Error><Code>AccessDenied</Code></Error>")
        http = HTTPClient(auth=SigV4Auth("AK", "SK"))
        resp = http.get(URL, raise_on_error=False)
    assert resp.status_code == 403
    assert resp.content == b"<Error><Code>AccessDenied</Code></Error>"
