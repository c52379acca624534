"""A fetched URL kept as a WARC record: the archival form of what the server sent, and when."""
from __future__ import annotations

import io

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

# The body is kept decoded (httpx undoes gzip/br), so these would no longer describe it.
_DROPPED = {"content-encoding", "transfer-encoding", "content-length"}


def to_warc(body: bytes, fetched: dict) -> bytes:
    """One gzipped WARC `response` record for `body` as fetched (see ingest.fetch_url)."""
    headers = [(k, v) for k, v in fetched.get("headers", {}).items() if k.lower() not in _DROPPED]
    headers.append(("Content-Length", str(len(body))))
    status = StatusAndHeaders(f"{fetched.get('status', 200)} OK", headers, protocol="HTTP/1.1")
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    record = writer.create_warc_record(
        fetched.get("final_url") or fetched["url"], "response", payload=io.BytesIO(body),
        http_headers=status,
        warc_headers_dict={"WARC-Date": _warc_date(fetched.get("retrieved_at")),
                           "WARC-Source-URI": fetched["url"]})
    writer.write_record(record)
    return buffer.getvalue()


def _warc_date(retrieved_at: str | None) -> str:
    if not retrieved_at:
        from warcio.timeutils import datetime_to_iso_date
        import datetime as dt
        return datetime_to_iso_date(dt.datetime.now(dt.timezone.utc))
    return retrieved_at.replace("+00:00", "Z")
