"""Where the test servers of tools/swift-server, tools/seaweedfs-server and
tools/keystone-server listen and which credentials they accept, in one place.

Each value comes from the environment variable of the same name (what
``tools/servers env`` prints), else the scripts' default.  The tests, the
fault matrix and the benchmark read them from here.
"""

import os

_DEFAULTS = {
    "SWIFT_AUTH_URL": "http://127.0.0.1:8080/auth/v1.0",
    "SWIFT_STORAGE_URL": "http://127.0.0.1:8080/v1/AUTH_test",
    "SWIFT_USER": "test:tester",
    "SWIFT_KEY": "testing",
    "SWIFT_ACCOUNT2": "AUTH_test2",
    "SWIFT_RESELLER_USER": "admin:admin",
    "SWIFT_RESELLER_KEY": "admin",
    "SWIFT_S3_ENDPOINT": "http://127.0.0.1:8080",
    "SWIFT_S3_ACCESS_KEY": "test:tester",
    "SWIFT_S3_SECRET_KEY": "testing",
    "SEAWEEDFS_MASTER_URL": "http://127.0.0.1:9333",
    "SEAWEEDFS_FILER_URL": "http://127.0.0.1:8888",
    "SEAWEEDFS_S3_ENDPOINT": "http://127.0.0.1:8333",
    "SEAWEEDFS_S3_REGION": "us-east-1",
    "SEAWEEDFS_S3_ACCESS_KEY": "AKIDOBJCLIENTADMIN",
    "SEAWEEDFS_S3_SECRET_KEY": "objclient-admin-secret",
    "SEAWEEDFS_S3_READER_ACCESS_KEY": "AKIDOBJCLIENTREADER",
    "SEAWEEDFS_S3_READER_SECRET_KEY": "objclient-reader-secret",
    "KEYSTONE_AUTH_URL": "http://127.0.0.1:5000/v3",
    "KEYSTONE_ADMIN_USER": "admin",
    "KEYSTONE_ADMIN_PASSWORD": "objclient-admin-pw",
    "KEYSTONE_ADMIN_PROJECT": "admin",
    "KEYSTONE_DOMAIN": "objclient",
    "KEYSTONE_USER": "demo",
    "KEYSTONE_PASSWORD": "demo-secret-pw",
    "KEYSTONE_PROJECT": "demo",
    "KEYSTONE_PROJECT_B": "demo-b",
    # catalog URLs of the object-store service, Keystone-style templates
    "KEYSTONE_SWIFT_URL_REGIONONE_PUBLIC": "http://127.0.0.1:8080/v1/AUTH_%(project_id)s",
    "KEYSTONE_SWIFT_URL_REGIONONE_INTERNAL": "http://localhost:8080/v1/AUTH_%(project_id)s",
    "KEYSTONE_SWIFT_URL_REGIONTWO_PUBLIC": "http://127.0.0.1:18080/v1/AUTH_%(project_id)s",
    "KEYSTONE_SWIFT_URL_REGIONTWO_INTERNAL": "http://localhost:18080/v1/AUTH_%(project_id)s",
}

__all__ = sorted(_DEFAULTS)

globals().update({name: os.environ.get(name, default) for name, default in _DEFAULTS.items()})
