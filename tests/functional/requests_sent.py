"""What an API sends: a test helper for the functional tests that count requests."""

from urllib.parse import urlsplit


def count_requests(api, monkeypatch):
    """``calls``: the ``(method, path)`` of every request ``api`` sends from now on."""
    calls = []
    send = api.http.request

    def counting(method, url, *args, **kwargs):
        calls.append((method, urlsplit(url).path))
        return send(method, url, *args, **kwargs)

    monkeypatch.setattr(api.http, "request", counting)
    return calls
