"""OpenIO's ``container_list(s3_buckets_only=True)`` on Swift: the containers
Swift's s3api lists as buckets (its ``validate_bucket_name``)."""

import uuid

from tests.functional.s3.conftest import SWIFT, SWIFT_AK, SWIFT_SK, make

from .conftest import drop_container


def test_s3_buckets_only_lists_what_s3api_shows_as_buckets(api):
    prefix = f"ftb{uuid.uuid4().hex[:8]}"
    names = [f"{prefix}-bucket", f"{prefix}-bucket+segments", f"{prefix}_Not_A_Bucket",
             f"{prefix}.two.labels", f"{prefix}-end-"]
    s3 = make(SWIFT, SWIFT_AK, SWIFT_SK, tagging=False)
    try:
        for name in names:
            api.container_create(None, name)
        buckets = api.container_list(None, prefix=prefix, s3_buckets_only=True)
        s3_view = s3.container_list(None, prefix=prefix)
        assert [row[0] for row in buckets] == [row[0] for row in s3_view] == [
            f"{prefix}-bucket", f"{prefix}.two.labels"]
        assert [row[0] for row in api.container_list(None, prefix=prefix)] == sorted(names)
        # a page of limit buckets reads through the containers it skips
        page = api.container_list(None, 1, None, None, prefix, None, True)
        assert [row[0] for row in page] == [f"{prefix}-bucket"]
    finally:
        s3.close()
        for name in names:
            drop_container(api, None, name)
