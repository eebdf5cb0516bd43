"""SeaweedFS native: master + volume servers + filer (tools/seaweedfs-server).

The accounts live under the filer directory ``/objclient-conformance`` (away
from ``/buckets``, where the S3 gateway of the same server keeps buckets).
"""

import objclient
from objclient.exceptions import ClientError
from tools import server_env

NAME = "seaweedfs"
NEEDS_SERVERS = True  # tools/servers; the `servers` tier (tests/conftest.py)


def make_api(tmp_path_factory):
    master = server_env.SEAWEEDFS_MASTER_URL
    filer = server_env.SEAWEEDFS_FILER_URL
    host = master.split("://", 1)[-1]
    api = objclient.ObjectStorageApi(f"seaweedfs+http://{host}?filer={filer}"
                                     "&root=/objclient-conformance")
    try:
        api.directory.cluster_status(master)
        api.directory.lookup(api.directory.assign().fid)
    except ClientError as err:
        api.close()
        raise RuntimeError(f"SeaweedFS is not reachable at {master} / {filer} ({err}); "
                           "start it with: tools/seaweedfs-server start") from None
    api.account_create("conformance")
    return api, "conformance"
