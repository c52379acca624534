"""Ingestion readers: document bytes to plain text plus metadata.

    read_bytes(data, name=..., max_bytes=MAX_BYTES) -> ReadResult
    fetch_url(url, timeout=20.0, max_bytes=MAX_BYTES) -> (body, provenance)

The format is detected from the content. Each format is one Reader subclass in
`stationwatch.ingest.readers`; adding a format means adding one module there.
"""
from .base import MAX_BYTES, IngestError, ReadResult
from .core import read_bytes
from .fetch import fetch_url

__all__ = ["read_bytes", "fetch_url", "IngestError", "ReadResult", "MAX_BYTES"]
