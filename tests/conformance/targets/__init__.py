"""One module per conformance target.

Each module defines ``NAME`` (the matrix column, e.g. ``s3/seaweedfs``) and
``make_api(tmp_path_factory) -> (ObjectStorageApi, account)``.  A target
whose server is not reachable must fail loudly in ``make_api`` (raise), never
skip: the test command starts every server the suite needs.
"""
