"""Listing pages against a mocked proxy that caps a listing at 10,000 names
(Swift's container_listing_limit): the extra row objclient asks for to know
whether more follow cannot come then, and the next page must still be read."""

from urllib.parse import parse_qs, urlsplit

import responses

import objclient

ROOT = "http://127.0.0.1:9"
STORAGE = ROOT + "/v1/AUTH_t"
NAMES = [f"o{i:06d}" for i in range(10001)]


def _listing(names):
    def callback(request):
        query = parse_qs(urlsplit(request.url).query)
        limit = int(query["limit"][0])
        assert limit <= 10000  # Swift answers 412 above its cap
        marker = query.get("marker", [""])[0]
        rows = [{"name": n, "bytes": 1, "hash": "0" * 32, "content_type": "text/plain",
                 "last_modified": "2026-11-25T04:13:24.000000"}
                for n in names if n > marker][:limit]
        return 200, {"Content-Type": "application/json"}, __import__("json").dumps(rows)
    return callback


@responses.activate
def test_a_full_server_page_is_followed_by_the_next_one():
    responses.add_callback(responses.GET, STORAGE + "/box", callback=_listing(NAMES))
    responses.add_callback(responses.GET, STORAGE, callback=_listing(
        [n.replace("o", "c") for n in NAMES]))
    api = objclient.ObjectStorageApi(f"swift+{STORAGE}", token="tok", retries=None)
    page = api.object_list(None, "box", limit=20000)
    assert len(page.objects) == 10000 and page.truncated and page.next_marker == "o009999"
    assert [o.name for o in api.object_list_iter(None, "box", page_size=10000)] == NAMES
    # A page of exactly the limit asked, under the cap, knows it is complete.
    small = api.object_list(None, "box", limit=10, marker="o009990")
    assert len(small.objects) == 10 and not small.truncated
    containers = api.container_list(None, limit=20000)
    assert len(containers) == 10000
