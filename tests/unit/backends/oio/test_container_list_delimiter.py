"""``container_list(account, delimiter=...)`` folds names into prefix rows
``[prefix, 0, 0, 1, 0]`` as OpenIO's ``container_list`` promises, whether the
account service folds them (as newer servers are described to) or ignores
``delimiter`` (as the stored oio/account/server.py does)."""

import pytest

import objclient
from objclient.backends.oio.account import marker_before
from objclient.http.retry import RetryPolicy
from objclient.listing import name_key
from tests.fakes.openio import ACCOUNT, PROXY, start_fake

NAMES = ("a", "d/1", "d/2", "d/x/3", "e", "f/1", "g")


@pytest.fixture(params=["ignored", "grouped"])
def server(request):
    return request.param


@pytest.fixture
def api(server):
    fake, mock = start_fake(containers_delimiter=server)
    api = objclient.ObjectStorageApi(f"oio+{PROXY}?namespace=OPENIO",
                                     retries=RetryPolicy(backoff_factor=0))
    for name in NAMES:
        api.container_create("acct", name)
    yield api, mock
    mock.stop()
    mock.reset()


def _rows(listing):
    return [(row[0], row[3]) for row in listing]


def test_delimiter_folds_names_into_prefix_rows(api):
    api, _mock = api
    rows = api.container_list("acct", delimiter="/")
    assert _rows(rows) == [("a", 0), ("d/", 1), ("e", 0), ("f/", 1), ("g", 0)]
    prefix_row = rows[1]
    assert list(prefix_row)[:4] == ["d/", 0, 0, 1]


def test_delimiter_with_a_prefix_folds_below_it(api):
    api, _mock = api
    rows = api.container_list("acct", prefix="d/", delimiter="/")
    assert _rows(rows) == [("d/1", 0), ("d/2", 0), ("d/x/", 1)]


def test_delimited_pages_follow_on_by_marker_without_repeating_a_prefix(api):
    api, _mock = api
    first = api.container_list("acct", delimiter="/", limit=2)
    assert _rows(first) == [("a", 0), ("d/", 1)]
    rest = api.container_list("acct", delimiter="/", marker="d/")
    assert _rows(rest) == [("e", 0), ("f/", 1), ("g", 0)]
    assert _rows(api.container_list("acct", delimiter="/", end_marker="f")) == \
        [("a", 0), ("d/", 1), ("e", 0)]


def test_without_delimiter_every_container_is_listed(api):
    api, _mock = api
    assert [row[0] for row in api.container_list("acct")] == list(NAMES)


def test_a_server_that_folds_is_asked_once(api, server):
    api, mock = api
    before = len(mock.calls)
    api.container_list("acct", delimiter="/")
    asked = [c for c in mock.calls[before:] if c.request.url.startswith(ACCOUNT)]
    assert "delimiter=%2F" in asked[0].request.url
    if server == "grouped":
        assert len(asked) == 1
    else:
        assert len(asked) > 1 and all("delimiter" not in c.request.url for c in asked[1:])


@pytest.mark.parametrize("name", ["d0", "a", "d/\u00e9", "x\ue000"])
def test_marker_before_sorts_just_below_the_name(name):
    assert name_key(name[:-1]) <= name_key(marker_before(name)) < name_key(name)
