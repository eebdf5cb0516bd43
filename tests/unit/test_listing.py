"""objclient.listing: Swift's listing rules over any sorted source."""

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from objclient.listing import list_page, name_key, prefix_end


def _scan_over(names):
    ordered = sorted(set(names), key=name_key)

    def scan(start, inclusive):
        for name in ordered:
            if start is None or name_key(name) > name_key(start) or (inclusive and name == start):
                yield name, name
    return scan


def _reference(names, prefix="", delimiter=None, marker=None, end_marker=None):
    """Everything a listing must return, computed the slow obvious way."""
    out = []
    for name in sorted(set(names), key=name_key):
        if not name.startswith(prefix):
            continue
        if marker is not None and name_key(name) <= name_key(marker):
            continue
        if end_marker is not None and name_key(name) >= name_key(end_marker):
            continue
        if delimiter:
            cut = name.find(delimiter, len(prefix))
            if cut >= 0:
                common = name[:cut + 1]
                if common != marker and common not in out:
                    out.append(common)
                continue
        out.append(name)
    return out


def _all_pages(names, limit, **kw):
    scan = _scan_over(names)
    marker = kw.pop("marker", None)
    got = []
    for _ in range(10000):
        page = list_page(scan, marker=marker, limit=limit, **kw)
        entries = sorted(page.items + page.prefixes, key=name_key)
        got.extend(entries)
        if not page.truncated:
            return got
        assert page.next_marker == entries[-1]
        marker = page.next_marker
    raise AssertionError("listing never ended")


def test_prefix_end_is_the_first_name_after_the_prefix_range():
    assert prefix_end("a/") == "a0"
    assert prefix_end("") is None
    assert name_key(prefix_end("é")) > name_key("é\U0010ffff")


def test_common_prefix_equal_to_marker_is_not_repeated():
    scan = _scan_over(["a/1", "a/2", "b"])
    page = list_page(scan, delimiter="/", marker="a/")
    assert page.prefixes == [] and page.items == ["b"]


def test_truncated_only_when_more_entries_exist():
    scan = _scan_over(["a", "b"])
    assert list_page(scan, limit=2).truncated is False
    assert list_page(scan, limit=1).truncated is True


ALPHABET = st.sampled_from(list("ab/-.é") + ["\U0001f389"])


@settings(max_examples=300, deadline=None)
@given(names=st.lists(st.text(ALPHABET, min_size=1, max_size=6), max_size=30),
       prefix=st.text(ALPHABET, max_size=2), delimiter=st.sampled_from([None, "/", "-"]),
       limit=st.integers(1, 7), use_marker=st.booleans(), use_end=st.booleans())
def test_paged_listing_equals_the_obvious_listing(names, prefix, delimiter, limit,
                                                  use_marker, use_end):
    rnd = random.Random(len(names))
    marker = rnd.choice(names) if names and use_marker else None
    end_marker = rnd.choice(names) if names and use_end else None
    expected = _reference(names, prefix, delimiter, marker, end_marker)
    assert _all_pages(names, limit, prefix=prefix, delimiter=delimiter, marker=marker,
                      end_marker=end_marker) == expected
