"""The terminal logger of runs: which dbt step lines reach the terminal."""

from __future__ import annotations

import logging

from pipeline.progress import DBT_NOTES, ConciseFilter


def record(step: str, message: str, level: int = logging.INFO) -> logging.LogRecord:
    rec = logging.LogRecord("papertrends", level, __file__, 1, message, None, None)
    rec.dagster_meta = {"step_key": step, "orig_message": message}
    return rec


def test_dbt_progress_reaches_the_terminal_and_dagster_dbt_notes_do_not() -> None:
    shown = ConciseFilter()
    progress = record("dbt_models", "dbt built marts/papers (21/27)")
    assert shown.filter(progress) and progress.concise == "dbt_models: dbt built marts/papers (21/27)"
    assert shown.filter(record("dbt_models", "dbt build: 27 models and seeds, 65 tests as checks"))
    for note in DBT_NOTES:
        assert not shown.filter(record("dbt_models", f"{note} for source test ..."))
    assert not shown.filter(record("dbt_models", "a debug line", logging.DEBUG))
    assert shown.filter(record("ingest_snapshots", "ingest progress: 3/90 files"))


def test_dagster_note_on_omitted_outputs_is_one_short_line() -> None:
    shown = ConciseFilter()
    names = "{'marts__papers_table_rules_papers', 'seeds__topics_table_rules_topics', 'marts__a_table_rules_a'}"
    note = record("dbt_models", f"op 'dbt_models' did not yield or return expected outputs {names}.")
    assert shown.filter(note) and note.concise == "dbt_models: 3 declared outputs not produced (listed in the UI's event log)"
