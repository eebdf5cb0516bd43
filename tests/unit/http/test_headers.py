"""Response headers: the fast view over urllib3's store, and its public fallback."""

from __future__ import annotations

import types

from urllib3._collections import HTTPHeaderDict

from objclient.http.headers import Headers, lower_items, response_headers

RAW = [("Content-Type", "text/plain"), ("X-Object-Meta-A", "1"), ("Set-Cookie", "a=1"),
       ("Set-Cookie", "b=2")]


def test_the_view_reads_like_urllib3s_mapping() -> None:
    theirs = HTTPHeaderDict(RAW)
    ours = response_headers(types.SimpleNamespace(headers=theirs))
    assert isinstance(ours, Headers)
    for name in ("content-type", "X-OBJECT-META-A", "Set-Cookie", "missing"):
        assert ours.get(name) == theirs.get(name)
    assert sorted(lower_items(ours)) == sorted((k.lower(), v) for k, v in theirs.itermerged())
    assert "CONTENT-TYPE" in ours and len(ours) == len(theirs)


def test_a_store_of_another_shape_falls_back_to_the_public_mapping() -> None:
    theirs = HTTPHeaderDict(RAW)
    vars(theirs)["_container"] = list(theirs.items())  # what a future urllib3 might keep
    assert response_headers(types.SimpleNamespace(headers=theirs)) is theirs
    plain = {"X-Object-Meta-A": "1"}  # any mapping without that store
    assert response_headers(types.SimpleNamespace(headers=plain)) is plain
    assert dict(lower_items(plain)) == {"x-object-meta-a": "1"}
