"""The fake proxy's ``reference/*`` routes answer as proxy/dir_actions.c and
the meta1 calls behind it do, and objclient's directory client works
against each ``reference/show`` reply the sources leave open (with or
without ``cid``/``account``/``name``)."""

import pytest
import requests

import objclient
from objclient.exceptions import BadRequest, Forbidden, NoSuchContainer, NotSupported
from objclient.http.retry import RetryPolicy
from tests.fakes.openio import PROXY, cid_of, start_fake

URL = f"{PROXY}/v3.0/OPENIO/reference"
REF = {"acct": "a", "ref": "r"}
RDIR = {"seq": 1, "type": "rdir", "host": "127.0.0.1:6300", "args": ""}


@pytest.fixture(params=["names", "dir_srv"])
def reply(request):
    return request.param


@pytest.fixture
def fake(reply):
    fake, mock = start_fake(ref_show_reply=reply)
    yield fake
    mock.stop()
    mock.reset()


@pytest.fixture
def api(fake):
    return objclient.ObjectStorageApi(f"oio+{PROXY}?namespace=OPENIO",
                                      retries=RetryPolicy(backoff_factor=0))


def _post(action, params=REF, **kwargs):
    return requests.post(f"{URL}/{action}", params=params, **kwargs)


def _status(resp):
    return resp.status_code, resp.json()["status"]


def test_create_is_201_then_202_without_a_body(fake):
    first = _post("create", data='{"properties": {"k": "v"}}')
    assert (first.status_code, first.content) == (201, b"")
    assert _post("create").status_code == 202
    assert fake.references[("a", "r")]["properties"] == {"k": "v"}


def test_create_refuses_bad_properties_partial_urls_and_bare_cids(fake):
    assert _status(_post("create", data='{"properties": {"k": 1}}')) == (400, 400)
    assert _status(_post("create", data="{not json")) == (400, 400)
    missing = _post("create", params={"acct": "a"})
    assert missing.status_code == 400 and "Incomplete URL" in missing.json()["message"]
    assert _status(_post("create", params={"cid": cid_of("a", "r")})) == (400, 400)


def test_show_of_a_missing_reference_is_404_code_406(fake):
    assert _status(requests.get(f"{URL}/show", params=REF)) == (404, 406)


def test_show_reply_follows_the_chosen_source(fake, reply):
    _post("create")
    _post("link", params={**REF, "type": "meta2"})
    doc = requests.get(f"{URL}/show", params=REF).json()
    assert doc["srv"] == [{"seq": 1, "type": "meta2", "host": "127.0.0.1:6120", "args": ""}]
    assert doc["dir"][0]["type"] == "meta1"
    names = {"cid": cid_of("a", "r"), "account": "a", "name": "r"}
    assert set(doc) == ({"dir", "srv"} | (set(names) if reply == "names" else set()))
    by_cid = requests.get(f"{URL}/show", params={"cid": cid_of("a", "r").lower()})
    assert by_cid.json()["srv"] == doc["srv"]
    typed = requests.get(f"{URL}/show", params={**REF, "type": "rdir"}).json()
    assert typed["srv"] == []


def test_link_needs_a_type_and_a_reference_unless_autocreate(fake):
    assert _status(_post("link")) == (400, 400)
    assert _status(_post("link", params={**REF, "type": "meta2"})) == (404, 406)
    made = _post("link", params={**REF, "type": "meta2"},
                 headers={"x-oio-action-mode": "autocreate"})
    assert made.status_code == 200 and made.json()[0]["seq"] == 1
    again = _post("link", params={**REF, "type": "meta2", "autocreate": "garbage"})
    assert again.json() == made.json()


def test_link_of_an_unknown_type_is_code_453(fake):
    _post("create")
    assert _status(_post("link", params={**REF, "type": "nothing"})) == (404, 453)


def test_unlink_is_204_and_needs_the_reference(fake):
    assert _status(_post("unlink", params={**REF, "type": "rdir"})) == (404, 406)
    _post("create")
    _post("force", params={**REF, "type": "rdir"}, json=RDIR)
    resp = _post("unlink", params={**REF, "type": "rdir"})
    assert (resp.status_code, resp.content) == (204, b"")
    assert fake.references[("a", "r")]["srv"] == []
    assert _post("unlink").status_code == 400


def test_force_checks_the_service_and_refuses_a_linked_seq_unless_replace(fake):
    params = {**REF, "type": "rdir"}
    assert _status(_post("force", params=params, json=RDIR)) == (404, 406)
    _post("create")
    assert _status(_post("force", params=params, json={"seq": 1, "type": "rdir"})) == \
        (400, 400)
    assert _status(_post("force", params=params, json={**RDIR, "seq": "1"})) == (400, 400)
    assert _post("force", params=params, json=RDIR).status_code == 204
    assert _status(_post("force", params=params, json=RDIR)) == (403, 455)
    moved = {**RDIR, "host": "127.0.0.1:6301"}
    assert _post("force", params={**params, "replace": "yes"}, json=moved).status_code == 204
    assert _post("force", params=params, json={**RDIR, "seq": 2}).status_code == 204
    assert [(s["seq"], s["host"]) for s in fake.references[("a", "r")]["srv"]] == \
        [(1, "127.0.0.1:6301"), (2, "127.0.0.1:6300")]


def test_destroy_refuses_linked_services_and_properties_unless_forced(fake):
    assert _status(_post("destroy")) == (404, 406)
    _post("create", json={"properties": {"k": "v"}})
    assert _status(_post("destroy")) == (403, 407)
    _post("link", params={**REF, "type": "meta2"})
    assert "services" in _post("destroy").json()["message"]
    resp = _post("destroy", params={**REF, "force": "1"})
    assert (resp.status_code, resp.content) == (204, b"")
    assert ("a", "r") not in fake.references


def test_routes_answer_no_handler_and_check_the_namespace_first(fake):
    wrong = requests.get(f"{URL}/create", params=REF)
    assert (wrong.status_code, wrong.json()) == (404, {"status": 404,
                                                      "message": "No handler found"})
    other = requests.get(f"{PROXY}/v3.0/OTHER/reference/show", params=REF)
    assert _status(other) == (400, 400)


def test_objclient_directory_calls_against_either_reply(fake, api):
    assert api.directory.create("a", "r", {"k": "v"}) is True
    assert api.directory.create("a", "r") is False
    linked = api.directory.link("a", "r", "meta2")
    assert api.directory.list("a", "r", "meta2")["srv"] == linked
    api.directory.force("a", "r", RDIR)
    with pytest.raises(Forbidden):
        api.directory.force("a", "r", RDIR)
    api.directory.force("a", "r", {**RDIR, "host": "h:1"}, replace=True)
    with pytest.raises(BadRequest):
        api.directory.force("a", "r", {"type": "rdir"})
    api.directory.unlink("a", "r", "rdir")
    with pytest.raises(Forbidden):
        api.directory.destroy("a", "r")
    api.directory.destroy("a", "r", force=True)
    with pytest.raises(NoSuchContainer):
        api.directory.show("a", "r")


def test_objclient_link_without_autocreate_on_a_missing_reference(fake, api):
    with pytest.raises(NoSuchContainer):
        api.directory.link("a", "gone", "meta2", autocreate=False)
    assert api.directory.link("a", "made", "meta2")[0]["type"] == "meta2"


def test_resolve_cid_names_the_container_or_says_it_cannot(fake, api, reply):
    api.container_create("acct", "cont")
    cid = api.directory.cid("acct", "cont")
    if reply == "names":
        assert api.resolve_cid(cid) == ("acct", "cont")
    else:
        with pytest.raises(NotSupported):
            api.resolve_cid(cid)
    with pytest.raises(NoSuchContainer):
        api.resolve_cid("0" * 64)
