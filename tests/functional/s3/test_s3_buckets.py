"""OpenIO's ``container_list(s3_buckets_only=True)`` on S3: every
container is a bucket."""


def test_s3_buckets_only_lists_every_bucket(seaweed, bucket):
    everything = seaweed.container_list(None, prefix=bucket)
    buckets = seaweed.container_list(None, prefix=bucket, s3_buckets_only=True)
    assert [row[0] for row in buckets] == [row[0] for row in everything] == [bucket]
