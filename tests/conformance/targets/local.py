"""The embedded local backend, in a temporary folder."""

import objclient

NAME = "local"


def make_api(tmp_path_factory):
    root = tmp_path_factory.mktemp("local-store")
    api = objclient.ObjectStorageApi(f"file://{root}?fsync=0")
    return api, "conformance"
