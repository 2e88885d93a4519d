"""A concise console logger for runs: one line per step and the pipeline's own progress.

Dagster's default console logger prints every engine event and every dbt log
line; operators at a terminal (``make run``, ``dagster dev``) want to see
which stage is running and how far the ingest is. The full event log is still
stored by Dagster and shown in the UI.
"""

import logging
import re
import sys
import time

from dagster import InitLoggerContext, logger

# dagster-dbt's notes: tests on dbt sources (our raw tables) recorded as observations; the whole
# project selected. In the UI, not at the terminal.
DBT_NOTES = ("Logging an `AssetObservation` instead of an `AssetCheckResult`", "A dbt subsetted execution is not being performed")
STEP_EVENTS = {"STEP_START": "started", "STEP_SUCCESS": "done", "STEP_FAILURE": "FAILED", "STEP_SKIPPED": "skipped"}
# Dagster's note on a step that produced fewer outputs than it declares (the dbt step when nothing changed:
# its ~25 asset checks), which lists every output name; the terminal gets the count.
OMITTED = re.compile(r"^\S+ '[^']+' did not yield or return expected outputs \{(?P<names>.*)\}\.")


class ConciseFilter(logging.Filter):
    """Keep step transitions, warnings and the INFO messages our own code logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        meta = getattr(record, "dagster_meta", {}) or {}
        event = meta.get("dagster_event")
        step = meta.get("step_key") or ""
        message = str(meta.get("orig_message") or record.getMessage())
        if event is not None:
            label = STEP_EVENTS.get(event.event_type_value)
            record.concise = f"{step}: {label}" if label else f"{step}: {message}"
            return label is not None or record.levelno >= logging.WARNING
        if step.startswith("dbt") and message.startswith(DBT_NOTES):
            return False
        omitted = OMITTED.match(message)
        if omitted:
            message = f"{omitted['names'].count(',') + 1} declared outputs not produced (listed in the UI's event log)"
        record.concise = f"{step}: {message}" if step else message
        return record.levelno >= logging.INFO


class ConciseFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__()
        self.started = time.monotonic()

    def format(self, record: logging.LogRecord) -> str:
        return f"[{time.monotonic() - self.started:6.1f}s] {getattr(record, 'concise', record.getMessage())}"


@logger(description="One line per step plus ingest progress, for terminals.")
def concise_console(init_context: InitLoggerContext) -> logging.Logger:
    log = logging.Logger("papertrends", level=logging.DEBUG)
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(ConciseFilter())
    handler.setFormatter(ConciseFormatter())
    log.addHandler(handler)
    return log
