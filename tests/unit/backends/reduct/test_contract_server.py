"""Contract tests: server, bucket, token and replication endpoints, and errors.

Every request is checked against shared/protocols/reductstore.md (method,
path, query, headers, body); every answer is shaped as it documents.
"""

import pytest

from objclient.backends.reduct import BucketSettings
from objclient.exceptions import (BadRequest, ClientError, Conflict, Forbidden, InvalidArgument,
                                  NoSuchContainer, NoSuchObject, NotFound, TooManyRequests,
                                  Unauthorized)

from .conftest import make_client, reply, sent, sent_json

INFO = {"version": "1.21.0", "instance_name": "i", "instance_role": "STANDALONE",
        "bucket_count": 1, "usage": 10, "uptime": 3, "oldest_record": 1, "latest_record": 2,
        "defaults": {"bucket": {"quota_type": "NONE", "quota_size": 0,
                                "max_block_size": 64000000, "max_block_records": 1024}},
        "license": None}


def test_info_sends_bearer_token_and_notes_api_version(rs, client):
    reply(rs, "GET", "info", json_body=INFO)
    assert client.info()["usage"] == 10
    method, path, query, headers, body = sent(rs)
    assert (method, path, query, body) == ("GET", "/api/v1/info", {}, b"")
    assert headers["Authorization"] == "Bearer tok"
    assert client.api_version == (1, 21)


def test_list_returns_bucket_infos(rs, client):
    reply(rs, "GET", "list", json_body={"buckets": [{"name": "a", "entry_count": 0}]})
    assert client.list()[0]["name"] == "a"
    assert sent(rs)[:2] == ("GET", "/api/v1/list")


def test_alive_is_a_head_without_token(rs, client):
    reply(rs, "HEAD", "alive", version="1.17")
    assert client.alive() is True
    method, path, _q, headers, _b = sent(rs)
    assert (method, path) == ("HEAD", "/api/v1/alive")
    assert "Authorization" not in headers
    assert client.api_version == (1, 17)


def test_ready_is_false_on_503(rs):
    c = make_client()
    for _ in range(3):
        reply(rs, "HEAD", "ready", status=503,
              error="The server is starting up, please try again later")
    assert c.ready() is False


def test_me_returns_the_callers_token(rs, client):
    reply(rs, "GET", "me", json_body={"name": "t", "value": "", "permissions": None})
    assert client.me()["name"] == "t"
    assert sent(rs)[1] == "/api/v1/me"


def test_create_bucket_without_settings_sends_an_empty_body(rs, client):
    reply(rs, "POST", "b/data")
    bucket = client.create_bucket("data")
    method, path, _q, headers, body = sent(rs)
    assert (method, path, body) == ("POST", "/api/v1/b/data", b"")
    assert "Content-Type" not in headers
    assert bucket.name == "data"


def test_create_bucket_with_settings_sends_json_without_nulls(rs, client):
    reply(rs, "POST", "b/data")
    client.create_bucket("data", BucketSettings(quota_type="FIFO", quota_size=1000))
    assert sent_json(rs) == {"quota_type": "FIFO", "quota_size": 1000}
    assert sent(rs)[3]["Content-Type"] == "application/json"


def test_create_bucket_exist_ok_swallows_409(rs, client):
    reply(rs, "POST", "b/data", status=409, error="Bucket 'data' already exists")
    assert client.create_bucket("data", exist_ok=True).name == "data"


def test_create_bucket_409_without_exist_ok_is_conflict(rs, client):
    reply(rs, "POST", "b/data", status=409, error="Bucket 'data' already exists")
    with pytest.raises(Conflict) as err:
        client.create_bucket("data")
    assert err.value.server_message == "Bucket 'data' already exists"


def test_get_bucket_missing_is_no_such_container(rs, client):
    reply(rs, "GET", "b/nope", status=404, error="Bucket 'nope' is not found")
    with pytest.raises(NoSuchContainer) as err:
        client.get_bucket("nope")
    assert "Bucket 'nope' is not found" in str(err.value)


def test_bucket_info_settings_and_entries_come_from_get(rs, client):
    doc = {"info": {"name": "b", "entry_count": 1, "size": 5, "oldest_record": 1,
                    "latest_record": 2, "is_provisioned": False, "status": "READY"},
           "settings": {"quota_type": "NONE", "quota_size": 0, "max_block_size": 64000000,
                        "max_block_records": 1024},
           "entries": [{"name": "e", "size": 5, "record_count": 2, "block_count": 1,
                        "oldest_record": 1, "latest_record": 2, "status": "READY"}]}
    for _ in range(3):
        reply(rs, "GET", "b/b", json_body=doc)
    bucket = client.bucket("b")
    assert bucket.info()["entry_count"] == 1
    assert bucket.get_settings().max_block_records == 1024
    assert bucket.get_entry_list()[0]["record_count"] == 2


def test_set_settings_is_a_put_of_the_given_fields(rs, client):
    reply(rs, "PUT", "b/b")
    client.bucket("b").set_settings({"max_block_records": 10})
    assert sent(rs)[:2] == ("PUT", "/api/v1/b/b")
    assert sent_json(rs) == {"max_block_records": 10}


def test_bucket_rename_and_remove(rs, client):
    reply(rs, "PUT", "b/old/rename")
    reply(rs, "DELETE", "b/new")
    bucket = client.bucket("old")
    bucket.rename("new")
    assert sent_json(rs, 0) == {"new_name": "new"}
    bucket.remove()
    assert sent(rs)[:2] == ("DELETE", "/api/v1/b/new")


@pytest.mark.parametrize("version,expected", [
    ("1.21", {"permissions": {"full_access": False, "read": ["a*"], "write": []},
              "expires_at": "2030-01-01T00:00:00Z", "ttl": None, "ip_allowlist": []}),
    ("1.17", {"full_access": False, "read": ["a*"], "write": []}),
])
def test_create_token_body_depends_on_the_server_version(rs, client, version, expected):
    reply(rs, "HEAD", "alive", version=version)
    reply(rs, "POST", "tokens/t1", version=version,
          json_body={"value": "secret", "created_at": "2026-01-01T00:00:00Z"})
    expires = "2030-01-01T00:00:00Z" if version == "1.21" else None
    assert client.create_token("t1", {"read": ["a*"]}, expires_at=expires) == "secret"
    assert sent(rs)[:2] == ("POST", "/api/v1/tokens/t1")
    assert sent_json(rs) == expected


def test_token_expiry_on_an_old_server_is_refused(rs, client):
    reply(rs, "HEAD", "alive", version="1.17")
    with pytest.raises(InvalidArgument):
        client.create_token("t", {"full_access": True}, ttl=60)


def test_token_list_get_rotate_remove(rs, client):
    reply(rs, "GET", "tokens", json_body={"tokens": [{"name": "a", "value": ""}]})
    reply(rs, "GET", "tokens/a", json_body={"name": "a", "value": ""})
    reply(rs, "POST", "tokens/a/rotate", json_body={"value": "new", "created_at": "x"})
    reply(rs, "DELETE", "tokens/a")
    assert client.get_token_list()[0]["name"] == "a"
    assert client.get_token("a")["name"] == "a"
    assert client.rotate_token("a") == "new"
    client.remove_token("a")
    assert [(c.request.method, c.request.path_url) for c in rs.calls] == [
        ("GET", "/api/v1/tokens"), ("GET", "/api/v1/tokens/a"),
        ("POST", "/api/v1/tokens/a/rotate"), ("DELETE", "/api/v1/tokens/a")]


def test_replication_endpoints(rs, client):
    settings = {"src_bucket": "a", "dst_bucket": "b", "dst_host": "http://x",
                "dst_token": None, "entries": [], "when": None, "mode": "enabled"}
    reply(rs, "GET", "replications", json_body={"replications": [{"name": "r"}]})
    reply(rs, "GET", "replications/r", json_body={"info": {}, "settings": settings,
                                                  "diagnostics": {"hourly": {}}})
    reply(rs, "POST", "replications/r")
    reply(rs, "PUT", "replications/r")
    reply(rs, "PATCH", "replications/r/mode")
    reply(rs, "DELETE", "replications/r")
    assert client.get_replications()[0]["name"] == "r"
    assert client.get_replication_detail("r")["settings"]["dst_token"] is None
    client.create_replication("r", settings)
    assert sent_json(rs) == settings
    client.update_replication("r", settings)
    client.set_replication_mode("r", "paused")
    assert sent_json(rs) == {"mode": "paused"}
    client.delete_replication("r")
    assert [c.request.method for c in rs.calls] == ["GET", "GET", "POST", "PUT", "PATCH",
                                                   "DELETE"]


def test_replication_mode_is_checked(client):
    with pytest.raises(InvalidArgument):
        client.set_replication_mode("r", "off")


@pytest.mark.parametrize("status,message,cls", [
    (401, "Invalid token", Unauthorized),
    (403, "Token 't' doesn't have read access to bucket 'b'", Forbidden),
    (404, "Entry 'e' not found in bucket 'b'", NoSuchObject),
    (404, "Record 5 not found in entry b/e", NoSuchObject),
    (404, "Query 3 not found and it might have expired. Check TTL in your query request.",
     NotFound),
    (422, "'ts' must be an unix timestamp in microseconds", BadRequest),
    (400, "Quota of 'b' exceeded", BadRequest),
])
def test_errors_map_status_and_x_reduct_error(rs, client, status, message, cls):
    reply(rs, "GET", "b/b/e", status=status, error=message)
    with pytest.raises(cls) as err:
        client.bucket("b").read("e")
    assert err.value.status == status and err.value.server_message == message
    assert len(rs.calls) == 1


def test_head_error_takes_its_message_from_the_header(rs, client):
    reply(rs, "HEAD", "b/b/e", status=404, error="Bucket 'b' is not found")
    with pytest.raises(NoSuchContainer):
        client.bucket("b").read("e", head=True)


def test_429_is_retried(rs, client):
    reply(rs, "GET", "info", status=429, error="Too many requests")
    reply(rs, "GET", "info", json_body=INFO)
    assert client.info()["version"] == "1.21.0"
    assert len(rs.calls) == 2


def test_429_after_retries_is_too_many_requests(rs, client):
    for _ in range(3):
        reply(rs, "GET", "info", status=429, error="Too many requests")
    with pytest.raises(TooManyRequests):
        client.info()


def test_503_while_starting_is_retried(rs, client):
    reply(rs, "GET", "list", status=503,
          error="The server is starting up, please try again later")
    reply(rs, "GET", "list", json_body={"buckets": []})
    assert client.list() == []


def test_an_unsupported_major_version_is_a_clear_error(rs, client):
    reply(rs, "GET", "info", version="2.0", json_body=INFO)
    with pytest.raises(ClientError) as err:
        client.info()
    assert "Unsupported API version 2.0" in str(err.value)


def test_the_token_never_appears_in_errors(rs, client):
    reply(rs, "GET", "info", status=401, error="Invalid token")
    with pytest.raises(Unauthorized) as err:
        client.info()
    assert "tok" not in str(err.value).replace("token", "")


def test_lifecycle_endpoints(rs, client):
    settings = {"type": "delete", "bucket": "b", "entries": [], "older_than": "30d",
                "interval": "3600s", "when": None, "mode": "enabled"}
    reply(rs, "GET", "lifecycles", json_body={"lifecycles": [{"name": "l"}]})
    reply(rs, "GET", "lifecycles/l", json_body={"settings": settings})
    reply(rs, "POST", "lifecycles/l")
    reply(rs, "PUT", "lifecycles/l")
    reply(rs, "PATCH", "lifecycles/l/mode")
    reply(rs, "DELETE", "lifecycles/l")
    assert client.get_lifecycles()[0]["name"] == "l"
    assert client.get_lifecycle_detail("l")["settings"]["older_than"] == "30d"
    client.create_lifecycle("l", settings)
    assert sent_json(rs) == settings
    client.update_lifecycle("l", settings)
    client.set_lifecycle_mode("l", "dry_run")
    assert sent_json(rs) == {"mode": "dry_run"}
    client.delete_lifecycle("l")
    assert [c.request.path_url for c in rs.calls][-1] == "/api/v1/lifecycles/l"


def test_query_link_body(rs, client):
    reply(rs, "HEAD", "alive")
    reply(rs, "POST", "links/f.bin", json_body={"link": "http://x/api/v1/links/f.bin?ct=1"})
    link = client.bucket("b").create_query_link("e", 0, 10, record_timestamp=5,
                                                expire_at=2_000_000_000_000_000,
                                                file_name="f.bin")
    assert link.startswith("http://x/")
    assert sent_json(rs) == {"bucket": "b", "entry": "e", "record_entry": "e",
                             "record_timestamp": 5,
                             "query": {"query_type": "QUERY", "start": 0, "stop": 10,
                                       "entries": ["e"]},
                             "expire_at": 2_000_000_000, "base_url": None}
