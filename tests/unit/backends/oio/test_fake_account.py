"""The fake account service answers as oio/account/server.py and
backend_fdb.py do, and objclient works against each answer the sources
leave open (``account/list`` as a bare array of names or a paged listing)."""

import pytest
import requests

import objclient
from objclient.exceptions import NoSuchAccount
from objclient.http.retry import RetryPolicy
from tests.fakes.openio import ACCOUNT, PROXY, start_fake

URL = f"{ACCOUNT}/v1.0/account"


@pytest.fixture(params=["listing", "names"])
def reply(request):
    return request.param


@pytest.fixture
def fake(reply):
    fake, mock = start_fake(account_list_reply=reply)
    yield fake
    mock.stop()
    mock.reset()


@pytest.fixture
def api(fake):
    return objclient.ObjectStorageApi(f"oio+{PROXY}?namespace=OPENIO",
                                      retries=RetryPolicy(backoff_factor=0))


def test_create_is_201_with_the_id_as_text_then_202(fake):
    first = requests.put(f"{URL}/create", params={"id": "a1"})
    assert (first.status_code, first.text) == (201, "a1")
    assert first.headers["Content-Type"].startswith("text/plain")
    assert requests.put(f"{URL}/create", params={"id": "a1"}).status_code == 202


def test_errors_are_text_descriptions_not_json(fake):
    resp = requests.get(f"{URL}/show", params={"id": "nope"})
    assert (resp.status_code, resp.text) == (404, "Account not found")
    assert resp.headers["Content-Type"].startswith("text/plain")
    missing = requests.get(f"{URL}/show")
    assert (missing.status_code, missing.text) == (400, "Missing account ID")


def test_routes_are_bound_to_their_methods(fake):
    assert requests.get(f"{URL}/create", params={"id": "a"}).status_code == 405
    assert requests.post(f"{URL}/show", params={"id": "a"}).status_code == 405
    assert requests.get(f"{URL}/nothing").status_code == 404


def test_delete_is_404_409_then_204(fake, api):
    resp = requests.post(f"{URL}/delete", params={"id": "a"})
    assert (resp.status_code, resp.text) == (404, "No such account")
    api.container_create("a", "c")
    resp = requests.post(f"{URL}/delete", params={"id": "a"})
    assert (resp.status_code, resp.text) == (409, "Account not empty")
    api.container_delete("a", "c")
    assert requests.post(f"{URL}/delete", params={"id": "a"}).status_code == 204


def test_update_needs_a_json_object_and_string_values(fake):
    assert requests.put(f"{URL}/update", params={"id": "a"}).status_code == 400
    assert requests.put(f"{URL}/update", params={"id": "a"}, data="[]").status_code == 500
    bad = '{"metadata": {"k": 1}}'
    assert requests.put(f"{URL}/update", params={"id": "a"}, data=bad).status_code == 400
    both = '{"metadata": {"k": "v"}, "to_delete": ["k"]}'
    assert requests.put(f"{URL}/update", params={"id": "a"}, data=both).status_code == 400


def test_update_creates_a_missing_account_when_autocreate_is_on(fake, api):
    api.account_set_properties("new", {"k": "v"})
    assert api.account_get_properties("new")["properties"] == {"k": "v"}


def test_update_of_a_missing_account_without_autocreate_is_no_such_account():
    fake, mock = start_fake(account_autocreate=False)
    try:
        api = objclient.ObjectStorageApi(f"oio+{PROXY}?namespace=OPENIO")
        with pytest.raises(NoSuchAccount):
            api.account_set_properties("new", {"k": "v"})
    finally:
        mock.stop()
        mock.reset()


def test_refresh_and_flush_are_404_for_a_missing_account(fake):
    for action in ("refresh", "flush"):
        assert requests.post(f"{URL}/{action}", params={"id": "x"}).status_code == 404
        assert requests.post(f"{URL}/{action}").status_code == 400
    requests.put(f"{URL}/create", params={"id": "x"})
    for action in ("refresh", "flush"):
        assert requests.post(f"{URL}/{action}", params={"id": "x"}).status_code == 204


def test_show_has_the_backend_fields_with_times_in_seconds(fake):
    requests.put(f"{URL}/create", params={"id": "a"})
    doc = requests.get(f"{URL}/show", params={"id": "a"}).json()
    assert {"id", "bytes", "objects", "containers", "buckets", "shards", "ctime",
            "mtime", "metadata", "regions"} <= set(doc)
    assert 1e9 < doc["ctime"] < 1e11


def test_list_reply_follows_the_chosen_server_line(fake, reply):
    for name in ("b", "a", "c"):
        requests.put(f"{URL}/create", params={"id": name})
    doc = requests.get(f"{URL}/list", params={"limit": "2"}).json()
    if reply == "names":
        assert doc == ["a", "b", "c"]
    else:
        assert doc == {"listing": [{"id": "a"}, {"id": "b"}], "truncated": True,
                       "next_marker": "b"}


def test_objclient_account_list_reads_either_reply(fake, api):
    for name in ("b", "a", "c", "ab"):
        api.account_create(name)
    assert api.account_list() == [{"id": n} for n in ("a", "ab", "b", "c")]
    assert api.account_list(prefix="a") == [{"id": "a"}, {"id": "ab"}]
    assert api.account_list(marker="a", limit=2) == [{"id": "ab"}, {"id": "b"}]
    assert api.account_list(end_marker="b") == [{"id": "a"}, {"id": "ab"}]


def test_containers_ignore_the_delimiter_and_clamp_the_limit(fake, api):
    for name in ("d/1", "d/2", "e"):
        api.container_create("a", name)
    doc = requests.get(f"{URL}/containers",
                       params={"id": "a", "delimiter": "/", "limit": "abc"}).json()
    assert [row[0] for row in doc["listing"]] == ["d/1", "d/2", "e"]
    assert doc["truncated"] is False and "next_marker" not in doc
    page = requests.get(f"{URL}/containers", params={"id": "a", "limit": "1",
                                                     "marker": "d/1"}).json()
    assert ([r[0] for r in page["listing"]], page["truncated"], page["next_marker"]) == \
        (["d/2"], True, "d/2")


def test_lb_choose_answers_addr_and_id_and_refuses_unknown_types(fake):
    base = f"{PROXY}/v3.0/OPENIO/lb/choose"
    resp = requests.get(base, params={"type": "account"})
    assert resp.json() == [{"addr": ACCOUNT.split("//")[1], "id": ACCOUNT.split("//")[1]}]
    assert requests.get(base, params={"type": "nothing"}).status_code == 404
    assert requests.get(base, params={"type": "account"}).status_code == 200
    assert requests.get(base, params={"type": "account", "size": "x"}).status_code == 400
    assert requests.get(base).json()["status"] == 453
