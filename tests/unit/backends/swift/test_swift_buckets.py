"""Which Swift containers s3api shows as buckets (container_list(s3_buckets_only=True))."""

import pytest

from objclient.backends.swift.account import s3_bucket_name


@pytest.mark.parametrize("name, ok", [
    ("photos", True), ("my.bucket-1", True), ("ab", False), ("a" * 64, False),
    ("photos+segments", False), ("Photos", False), ("my_bucket", False),
    ("-photos", False), ("photos-", False), ("a..b", False), ("a.-b", False),
    ("192.168.0.1", False), ("1.2.3", True),
])
def test_s3_bucket_name_is_s3apis_validate_bucket_name(name, ok):
    assert s3_bucket_name(name) is ok


def test_without_dns_compliance_capitals_and_underscores_pass():
    assert s3_bucket_name("My_Bucket", dns_compliant=False)
    assert not s3_bucket_name("My_Bucket")
