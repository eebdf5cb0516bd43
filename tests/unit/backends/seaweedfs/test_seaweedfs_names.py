"""Name, property and checksum encodings of the SeaweedFS backend (no server)."""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from objclient.backends.seaweedfs.checksum import Crc32c, crc32c
from objclient.backends.seaweedfs.names import (
    DIR_MARK, SEGMENT, before, decode_name, decode_property_key, decode_property_value,
    encode_name, encode_property_key, encode_property_value, extended_to_properties,
    hex_to_md5_b64, is_object_dir, md5_b64_to_hex, object_parts, url_path)

TRICKY = ["with space", "per%cent", "plus+sign", "question?mark", "hash#tag", "/a//b",
          "a/../../etc/passwd", "..", ".", "ünïcödé/名前", "semi;colon=eq&amp", "tab\tname",
          "quote'\"", "star*", "tilde~", "emoji 🎉", "under_score", "-2F", "~", "+"]

names = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)


@pytest.mark.parametrize("name", TRICKY)
def test_tricky_names_round_trip_and_stay_one_flat_level(name):
    enc = encode_name(name)
    assert decode_name(enc) == name
    assert "/" not in enc and enc not in (".", "..") and "." not in enc
    assert DIR_MARK not in enc


def test_escapes_are_readable():
    assert encode_name("a/b") == "a-2Fb"
    assert encode_name("..") == "-2E-2E"
    assert encode_name("q?") == "q=3F"
    assert encode_name("_") == "_5F"
    assert encode_name("é") == "~C3~A9"


@given(st.lists(names, min_size=2, max_size=8))
def test_encoding_keeps_utf8_byte_order(values):
    by_bytes = sorted(values, key=lambda s: s.encode("utf-8"))
    by_encoded = sorted(values, key=encode_name)
    assert [encode_name(v) for v in by_bytes] == [encode_name(v) for v in by_encoded]


@given(names)
def test_any_name_round_trips(name):
    assert decode_name(encode_name(name)) == name


@pytest.mark.parametrize("foreign", ["a.b", "-2f", "-41", "~", "=3", "a+b", "-zz", "~FF"])
def test_names_objclient_did_not_write_are_rejected(foreign):
    assert decode_name(foreign) is None


@pytest.mark.parametrize("size", [1, SEGMENT - 1, SEGMENT, SEGMENT + 1, 2 * SEGMENT,
                                  2 * SEGMENT + 7, 3 * SEGMENT])
def test_long_names_split_into_marked_directories_that_fit_the_filer(size):
    enc = "x" * size
    parts = object_parts(enc)
    assert "".join(p[:-1] if is_object_dir(p) else p for p in parts) == enc
    assert all(is_object_dir(p) for p in parts[:-1])
    assert 1 <= len(parts[-1]) <= SEGMENT and not parts[-1].endswith(DIR_MARK)
    assert all(len(p) <= 255 for p in parts)


def test_tree_walk_order_matches_name_order():
    rng = random.Random(7)
    alphabet = "ab-~"
    values = {"".join(rng.choice(alphabet) for _ in range(rng.choice([1, 5, SEGMENT - 1,
                                                                          SEGMENT, SEGMENT + 1,
                                                                          2 * SEGMENT + 3])))
              for _ in range(200)}

    def walk_key(enc):
        # depth first in byte order of entry names = tuple order of the parts
        return tuple(object_parts(enc))

    assert sorted(values, key=walk_key) == sorted(values)


def test_before_sorts_just_below_the_name():
    for name in ["b", "a-2F", "x" * 200, "0"]:
        low = before(name)
        assert low < name
        assert all(not (low < other < name) for other in [name[:-1], name[:-1] + "~~~"])


def test_property_keys_survive_header_canonicalisation():
    for key in ["author", "Key Upper", "k-2", "é", "n", "X-Y_z.1"]:
        suffix = encode_property_key(key)
        assert suffix[:1] == suffix[:1].upper()
        canonical = suffix[:1].upper() + suffix[1:].lower()
        assert decode_property_key(canonical) == key
        assert all(c.isalnum() or c == "." for c in suffix)


def test_property_values_are_ascii_and_round_trip():
    for value in ["Zoë", " lead", "a%20b", "名前", ""]:
        raw = encode_property_value(value)
        raw.encode("ascii")
        assert decode_property_value(raw) == value


def test_extended_attributes_become_properties():
    import base64
    ext = {"Seaweed-" + encode_property_key("Owner"):
           base64.b64encode(encode_property_value("Zoë").encode()).decode(),
           "Seaweed-Bad!": "eA==", "Other": "eA=="}
    assert extended_to_properties(ext, b64=True) == {"Owner": "Zoë"}


def test_url_path_percent_encodes_levels():
    assert url_path("objclient", "a=3F", "x+") == "objclient/a%3D3F/x%2B"


def test_md5_conversions():
    hexmd5 = "5eb63bbbe01eeed093cb22bb8f5acdc3"
    assert md5_b64_to_hex(hex_to_md5_b64(hexmd5)) == hexmd5
    assert hex_to_md5_b64("zz") is None and md5_b64_to_hex("bad!") is None


def test_crc32c_matches_the_volume_servers_etag():
    # the ETag seen on a SeaweedFS 4.48 volume server
    assert Crc32c(b"hello world").hexdigest() == "c99465aa"
    assert crc32c(b"123456789") == 0xE3069283  # the standard CRC-32C check value
    running = Crc32c()
    running.update(b"hello ")
    running.update(b"world")
    assert running.hexdigest() == "c99465aa"
