"""A JSON body with a corrupted byte is an error, never a wrong value.

Found by the chaos round: a byte flipped in a Swift container listing came
back as a name with U+FFFD in it (requests decodes text with replacement
characters).  JSON is UTF-8 (RFC 8259), decoded strictly.
"""

from __future__ import annotations

import json

import pytest

from objclient.exceptions import ClientError
from objclient.http import HTTPClient
from tests.serverfixture import Step, running_server

LISTING = json.dumps([{"name": "cp25-3", "bytes": 1}]).encode()


def _serve(body):
    return Step(body=body, headers={"Content-Type": "application/json; charset=utf-8"})


def test_listing_with_a_flipped_byte_is_a_client_error():
    flipped = LISTING.replace(b"cp25", bytes([ord("c") ^ 0xFF]) + b"p25")
    with running_server() as server, HTTPClient(server.url) as http:
        server.script("/list", _serve(flipped))
        with pytest.raises(ClientError, match="not valid JSON"):
            http.request_json("GET", server.url + "/list")


def test_listing_in_utf8_reads_back_its_names():
    body = json.dumps([{"name": "caf\u00e9"}], ensure_ascii=False).encode("utf-8")
    with running_server() as server, HTTPClient(server.url) as http:
        server.script("/list", _serve(body))
        _resp, doc = http.request_json("GET", server.url + "/list")
    assert doc == [{"name": "caf\u00e9"}]
