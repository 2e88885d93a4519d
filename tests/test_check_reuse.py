"""raw_mentions_schema re-validates only rows it has not passed: a no-op refresh reports the earlier pass."""

from __future__ import annotations

import duckdb
import pytest
from dagster import AssetSelection, DagsterInstance, Definitions, define_asset_job

from pipeline import checks
from pipeline.checks import raw_mentions_schema
from pipeline.ingest import ingest_landing
from pipeline.resources import WarehouseResource
from pipeline.settings import Settings
from tests import pages
from tests.conftest import write_file


def check_once(settings: Settings, instance: DagsterInstance) -> tuple[str, object]:
    """Run the check alone (a job of it) on the world's warehouse; (run id, its evaluation)."""
    job = define_asset_job("schema_check", selection=AssetSelection.checks(raw_mentions_schema))
    defs = Definitions(asset_checks=[raw_mentions_schema], jobs=[job],
                       resources={"paths": WarehouseResource.from_settings(settings)})
    result = defs.resolve_job_def("schema_check").execute_in_process(instance=instance, raise_on_error=False)
    [evaluation] = [e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    return result.run_id, evaluation


def verdict(evaluation) -> tuple:
    meta = evaluation.metadata
    return evaluation.passed, meta["rows_checked"].value, meta["failing_rows"].value, meta["revalidated"].value


def test_schema_check_reuses_a_pass_only_on_the_same_rows(world: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    write_file(world.landing_dir / "2026-11-18.txt", pages.BLANK_SEPARATED, day="2026-11-18")
    assert ingest_landing(world.landing_dir, world.warehouse).mentions_loaded == 3
    with DagsterInstance.ephemeral() as instance:
        first, evaluation = check_once(world, instance)
        assert verdict(evaluation) == (True, 3, 0, True)
        _, evaluation = check_once(world, instance)  # nothing changed: the first pass is reported again
        assert verdict(evaluation) == (True, 3, 0, False)
        assert evaluation.metadata["same_rows_passed_in_run"].value == first

        with duckdb.connect(str(world.warehouse)) as con:  # a bad row written around the pipeline
            snapshot_id = con.execute("SELECT min(snapshot_id) FROM raw.snapshots").fetchone()[0]
            con.execute("INSERT INTO raw.paper_mentions (snapshot_id, position, title, abstract, upvotes) "
                        "VALUES (?, 999, 'Planted Bad Row', ?, -5)", [snapshot_id, pages.ABSTRACT_A])
        _, evaluation = check_once(world, instance)
        assert verdict(evaluation) == (False, 4, 1, True)
        _, evaluation = check_once(world, instance)  # a failure is never reused: validated again, fails again
        assert verdict(evaluation) == (False, 4, 1, True)

        with duckdb.connect(str(world.warehouse)) as con:  # back to exactly the rows that passed
            con.execute("DELETE FROM raw.paper_mentions WHERE position = 999")
        _, evaluation = check_once(world, instance)
        assert verdict(evaluation) == (True, 3, 0, False)
        # the latest pass on these rows reused the first: the run that validated them is named
        assert evaluation.metadata["same_rows_passed_in_run"].value == first

        write_file(world.landing_dir / "2026-11-19.txt", pages.LINE_PAIRS, day="2026-11-19")
        assert ingest_landing(world.landing_dir, world.warehouse).mentions_loaded == 2
        _, evaluation = check_once(world, instance)  # a new snapshot: every row validated again
        assert verdict(evaluation) == (True, 5, 0, True)

        _, evaluation = check_once(world, instance)  # the same 5 rows: reused
        assert verdict(evaluation) == (True, 5, 0, False)
        monkeypatch.setattr(checks, "rule_fingerprint", lambda: "an edited schema")  # the rules changed
        _, evaluation = check_once(world, instance)
        assert verdict(evaluation) == (True, 5, 0, True)
