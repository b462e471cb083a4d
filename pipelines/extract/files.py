"""Extraction of files straight from disk, without Dagster or a warehouse (`nianbao extract`, `check`)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pipelines.decode.dispatch import decode_document
from pipelines.decode.model import DecodeError, Limits
from pipelines.extract.record import Record, extract_decoded, extract_json_record
from pipelines.ingest.encoding import decode_as
from pipelines.ingest.records import validate_record
from pipelines.ingest.sniff import sniff


class Rejected(Exception):
    """The file is not a document the pipeline accepts; the message is the reason."""


def extract_file(path: str | Path, limits: Limits = Limits()) -> Record:
    """Read, decode and extract one file; raise `Rejected` with the reason when it cannot be."""
    return extract_file_and_text(path, limits)[0]


def extract_file_and_text(path: str | Path, limits: Limits = Limits()) -> tuple[Record, str | None]:
    """`extract_file`, with the decoded text the record's provenance points into (None for a JSON record): what
    `nianbao check` shows on its audit sheet, without decoding the file a second time."""
    data = Path(path).read_bytes()
    report_id = hashlib.sha256(data).hexdigest()
    found = sniff(data)
    if found.reason:
        raise Rejected(found.reason)
    if found.format == "json_record":
        text = decode_as(data, found.encoding or "utf-8")
        errors = validate_record(json.loads(text))
        if errors:
            raise Rejected("json_schema: " + "; ".join(errors[:5]))
        return extract_json_record(report_id, text), None
    try:
        decoded = decode_document(data, found.format, found.encoding, limits)
    except DecodeError as e:
        raise Rejected(e.reason) from e
    return extract_decoded(report_id, decoded, found.format), decoded.text
