"""objclient.names: bad names and properties are refused with a reason."""

import pytest

from objclient.exceptions import InvalidArgument, InvalidName
from objclient.names import NameRules

RULES = NameRules()


@pytest.mark.parametrize("name", ["", "a\0b", "x" * 1025, "\udc80"],
                         ids=["empty", "nul", "long", "surrogate"])
def test_object_names_refused(name):
    with pytest.raises(InvalidName):
        RULES.check_object(name)


def test_object_name_limit_counts_utf8_bytes():
    RULES.check_object("é" * 512)
    with pytest.raises(InvalidName, match="1026 bytes"):
        RULES.check_object("é" * 513)


@pytest.mark.parametrize("name", ["a/b", ".", ".."])
def test_container_names_refused(name):
    with pytest.raises(InvalidName):
        RULES.check_container(name)


def test_non_str_names_refused():
    with pytest.raises(InvalidName, match="must be a str"):
        RULES.check_object(b"bytes")


@pytest.mark.parametrize("props", [
    {"k": "line\r\nInjected: 1"}, {"k\n": "v"}, {"": "v"}, {"k": None},
    {"k" * 200: "v"}, {"k": "v" * 300}, {f"k{i}": "v" for i in range(91)},
    {f"k{i}": "v" * 250 for i in range(20)},
], ids=["crlf-value", "lf-key", "empty-key", "none", "long-key", "long-value", "too-many",
        "too-big"])
def test_bad_properties_refused(props):
    with pytest.raises(InvalidArgument):
        RULES.check_properties(props)


def test_property_values_become_strings():
    assert RULES.check_properties({"n": 1, "ok": "é"}) == {"n": "1", "ok": "é"}


def test_property_key_charset_is_enforced_when_set():
    rules = NameRules(property_key_chars="abc")
    with pytest.raises(InvalidArgument, match="'d'"):
        rules.check_property_key("abd")
