"""Response headers: the fast view over urllib3's store, and its public fallback."""

from __future__ import annotations

import types

from urllib3._collections import HTTPHeaderDict

import pytest

from objclient.exceptions import InvalidArgument
from objclient.http.headers import (Headers, LoweredHeaders, check_header, lowered,
                                    response_headers)

RAW = [("Content-Type", "text/plain"), ("X-Object-Meta-A", "1"), ("Set-Cookie", "a=1"),
       ("Set-Cookie", "b=2")]


def test_the_view_reads_like_urllib3s_mapping() -> None:
    theirs = HTTPHeaderDict(RAW)
    ours = response_headers(types.SimpleNamespace(headers=theirs))
    assert isinstance(ours, Headers)
    for name in ("content-type", "X-OBJECT-META-A", "Set-Cookie", "missing"):
        assert ours.get(name) == theirs.get(name)
    assert sorted(lowered(ours).items()) == sorted((k.lower(), v) for k, v in theirs.itermerged())
    assert "CONTENT-TYPE" in ours and len(ours) == len(theirs)


def test_a_store_of_another_shape_falls_back_to_the_public_mapping() -> None:
    theirs = HTTPHeaderDict(RAW)
    vars(theirs)["_container"] = list(theirs.items())  # what a future urllib3 might keep
    assert response_headers(types.SimpleNamespace(headers=theirs)) is theirs
    plain = {"X-Object-Meta-A": "1"}  # any mapping without that store
    assert response_headers(types.SimpleNamespace(headers=plain)) is plain
    assert dict(lowered(plain).items()) == {"x-object-meta-a": "1"}


def test_lowered_is_one_plain_dict_per_response_with_repeats_joined() -> None:
    theirs = HTTPHeaderDict(RAW)
    ours = response_headers(types.SimpleNamespace(headers=theirs))
    found = lowered(ours)
    assert type(found) is LoweredHeaders
    assert found == {"content-type": "text/plain", "x-object-meta-a": "1",
                     "set-cookie": "a=1, b=2"}
    assert lowered(ours) is found and lowered(found) is found  # made once, handed back
    single = response_headers(types.SimpleNamespace(headers=HTTPHeaderDict(RAW[:2])))
    assert lowered(single) == {"content-type": "text/plain", "x-object-meta-a": "1"}
    assert lowered({"ETag": "x"}) == {"etag": "x"}  # any other mapping


@pytest.mark.parametrize("value", ["a\r\nb", "a\nb", "a\0", " a", "a\t", "\u20ac"])
def test_a_header_name_already_checked_does_not_let_a_bad_value_through(value: str) -> None:
    check_header("X-Known", "fine value")  # the name is now remembered as good
    with pytest.raises(InvalidArgument):
        check_header("X-Known", value)


def test_latin_1_and_control_characters_other_than_cr_lf_nul_still_pass() -> None:
    check_header("X-Known", "caf\u00e9")
    check_header("X-Known", "a\x01b")
