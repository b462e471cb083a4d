"""The inbox sensor asks for a run when files arrive or change, and skips when nothing changed."""

from __future__ import annotations

import shutil

import dagster as dg

from pipelines.sensors import inbox_sensor
from pipelines.resources import IngestSettings


def evaluate(inbox, cursor):
    settings = IngestSettings(inbox=str(inbox), store_dir=str(inbox.parent / "store"))
    with dg.build_sensor_context(cursor=cursor, resources={"settings": settings}) as context:
        result = inbox_sensor(context)
        return result, context.cursor


def test_sensor_runs_on_new_and_changed_files_only(tmp_path, corpus_dir):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(corpus_dir / "samples" / "000_2f7257501bd8445e.txt", inbox)
    first, cursor = evaluate(inbox, None)
    assert isinstance(first, dg.RunRequest) and first.tags["nianbao/files"] == "1"

    again, same_cursor = evaluate(inbox, cursor)
    assert isinstance(again, dg.SkipReason) and same_cursor == cursor

    shutil.copy(corpus_dir / "samples" / "002_21970fde474fde16.txt", inbox)
    arrived, cursor2 = evaluate(inbox, cursor)
    assert isinstance(arrived, dg.RunRequest) and arrived.run_key != first.run_key and cursor2 != cursor

    (inbox / "002_21970fde474fde16.txt").write_text("changed", encoding="utf-8")
    changed, _ = evaluate(inbox, cursor2)
    assert isinstance(changed, dg.RunRequest)


def test_sensor_skips_missing_inbox(tmp_path):
    result, _ = evaluate(tmp_path / "nope", None)
    assert isinstance(result, dg.SkipReason) and "does not exist" in result.skip_message
