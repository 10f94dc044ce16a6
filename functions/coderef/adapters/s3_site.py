"""The site bucket on S3: what `coderef publish --bucket` reads and writes."""

from __future__ import annotations

from typing import Any

from coderef.api.site import content_type
from coderef.publish import SiteFile

_DELETE_BATCH = 1000  # DeleteObjects takes at most 1,000 keys


def s3_client() -> Any:
    """A client for bulk uploads: patient retries, and a connection per upload thread."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        config=Config(retries={"mode": "adaptive", "max_attempts": 10}, max_pool_connections=32),
    )


class S3SiteBucket:
    """Implements publish.Bucket."""

    def __init__(self, name: str, client: Any) -> None:
        self.name = name
        self.client = client

    def etags(self) -> dict[str, str]:
        """Each object's ETag: the MD5 of its body for the single-part, SSE-S3 uploads made
        here, so comparing it with the new body's MD5 tells what changed."""
        found: dict[str, str] = {}
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name):
            for item in page.get("Contents", []):
                found[item["Key"]] = item["ETag"].strip('"')
        return found

    def put(self, file: SiteFile) -> None:
        self.client.put_object(
            Bucket=self.name,
            Key=file.key,
            Body=file.body,
            ContentType=content_type(file.key),
            CacheControl=file.cache_control,
        )

    def delete(self, keys: list[str]) -> None:
        for start in range(0, len(keys), _DELETE_BATCH):
            batch = keys[start : start + _DELETE_BATCH]
            self.client.delete_objects(
                Bucket=self.name,
                Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True},
            )
