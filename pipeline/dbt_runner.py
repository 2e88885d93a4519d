"""dbt run in this process (``dbtRunner``), its results turned into dagster-dbt's events as they come.

Why not ``DbtCliResource.cli``: each call starts two dbt processes (``dbt
--version``, then the command), about 4 s of imports each on 2 cores, and the
new process parses the project again (10 s in full whenever the warehouse path
is new, since dbt hashes the profile). Here dbt-core is already imported (by
dagster-dbt), and a parsed manifest is reused by every later command of the
process on a warehouse of the same database name. The events are dagster-dbt's
own translation (``DbtCoreCliEventMessage``), so asset keys, checks and
metadata are those the CLI path gives. dbt-core's runner and dbt-duckdb are
imported on first use, so loading the code location (webserver, daemon, a run
with nothing to build) does not import them.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dagster import AssetExecutionContext, ConfigurableResource
from dagster_dbt import DagsterDbtTranslator, DbtProject
from dagster_dbt.asset_utils import get_updated_cli_invocation_params_for_context
from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage

from pipeline.settings import DBT_PROJECT_DIR

if TYPE_CHECKING:
    from dbt.cli.main import dbtRunnerResult

# The dbt events dagster-dbt turns into materializations and check results.
RESULT_EVENTS = frozenset({"LogSeedResult", "LogModelResult", "LogSnapshotResult", "LogTestResult"})
FAILED = frozenset({"error", "fail", "runtime error"})
_DONE = object()
# (project fingerprint, project dir, database name) -> parsed manifest; the database name
# (the warehouse file's stem) is written into every node, nothing else of the profile is.
_MANIFESTS: dict[tuple[str, str, str], Any] = {}
_MANIFEST_DICTS: dict[int, dict[str, Any]] = {}  # id(parsed manifest) -> its manifest.json form
PARSE_MARK = "manifest.parse"  # beside manifest.json in a target dir: the parse (key) it was written from


def manifest_dict(manifest: Any) -> dict[str, Any]:
    """The manifest.json form of a parsed manifest (what dagster-dbt reads), built once per parse."""
    key = id(manifest)
    if key not in _MANIFEST_DICTS:
        _MANIFEST_DICTS.clear()  # one parse in use at a time
        _MANIFEST_DICTS[key] = manifest.writable_manifest().to_dict(omit_none=False)
    return _MANIFEST_DICTS[key]


def close_duckdb() -> None:
    """Close the DuckDB handle dbt-duckdb keeps open in the process, so others may open the file."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    env = DuckDBConnectionManager._ENV  # noqa: SLF001 - dbt-duckdb has no public close
    if env is not None:
        env.close()
    DuckDBConnectionManager.close_all_connections()


def invoke(args: Sequence[str], target_path: Path, *, manifest: Any = None, callbacks: Sequence[Any] = (),
           project_dir: Path = DBT_PROJECT_DIR, profiles_dir: Path = DBT_PROJECT_DIR,
           write_json: bool = True) -> dbtRunnerResult:
    """One dbt command on the warehouse of $PAPERTRENDS_WAREHOUSE, artifacts and dbt.log (info level) in ``target_path``.

    On a reused parse (``manifest``) dbt is told to write no JSON: it would serialize the
    whole manifest again after every command (0.4-0.6 s of a build on 2 cores);
    ``write_artifacts`` writes run_results.json, and manifest.json once per parse and target,
    unless ``write_json`` is False (a test world whose artifacts nobody reads).
    """
    from dbt.cli.main import dbtRunner

    import pipeline.dbt_events  # noqa: F401 - dbt's events built only when read (dbt.log at info, RESULT_EVENTS)
    import pipeline.dbt_parse_state  # noqa: F401 - a saved parse holds on any warehouse path

    try:
        result = dbtRunner(manifest=manifest, callbacks=list(callbacks)).invoke([
            *args, "--project-dir", str(project_dir), "--profiles-dir", str(profiles_dir),
            "--target-path", str(target_path), "--log-path", str(target_path),
            "--log-level", "none", "--log-level-file", "info", "--no-send-anonymous-usage-stats", *(["--no-write-json"] if manifest is not None or not write_json else []),
        ])
    finally:
        close_duckdb()
    if manifest is not None and write_json:
        write_artifacts(result, manifest, target_path)
    return result


def write_artifacts(result: dbtRunnerResult, manifest: Any, target_path: Path) -> None:
    """run_results.json of the command (tests and bench read it), and manifest.json (publish reads
    its column docs) unless ``target_path`` already holds the one of this same parse."""
    if hasattr(result.result, "write"):
        result.result.write(str(target_path / "run_results.json"))
    key = next((repr(k) for k, parsed in _MANIFESTS.items() if parsed is manifest), None)  # None: written every time
    mark, path = target_path / PARSE_MARK, target_path / "manifest.json"
    if key is None or not path.exists() or not mark.exists() or mark.read_text(encoding="utf-8") != key:
        mark.unlink(missing_ok=True)
        manifest.write(str(path))
        if key is not None:
            mark.write_text(key, encoding="utf-8")


def parsed_manifest(target_path: Path, database: str, fingerprint: str, project_dir: Path = DBT_PROJECT_DIR,
                    profiles_dir: Path = DBT_PROJECT_DIR) -> Any:
    """The project's manifest, parsed once per process (partial parse from ``target_path``)."""
    key = (fingerprint, str(project_dir), database)
    if key not in _MANIFESTS:
        from pipeline.dbt_parse_state import seed

        seed(target_path, project_dir, database)  # a new warehouse's first parse starts from make setup's
        # no manifest.json (about 0.3 s): the manifest object is the result; partial_parse.msgpack is still kept
        parsed = invoke(["parse", "--no-write-json"], target_path, project_dir=project_dir, profiles_dir=profiles_dir)
        if not parsed.success:
            raise RuntimeError(f"dbt parse failed: {parsed.exception}")
        # an edited project, or the temporary copy of a large subset: the old parses are of no more use
        for stale in [k for k in _MANIFESTS if k[:2] != key[:2]]:
            del _MANIFESTS[stale]
        _MANIFESTS[key] = parsed.result
    return _MANIFESTS[key]


def failures(result: dbtRunnerResult) -> str:
    """Why a dbt command failed: its exception and each failed node with dbt's message."""
    nodes = getattr(result.result, "results", None) or []
    lines = [f"{r.node.unique_id}: {r.status}: {r.message}" for r in nodes if str(r.status) in FAILED]
    return "\n".join(([str(result.exception)] if result.exception else []) + lines) or "dbt reported failure"


def _node_ids(manifest: Any) -> frozenset[str]:
    """Unique ids of the nodes and sources of a manifest (a dict or a manifest.json path)."""
    if not isinstance(manifest, Mapping):
        import json

        manifest = json.loads(Path(manifest).read_text(encoding="utf-8"))
    return frozenset(manifest.get("nodes", {})) | frozenset(manifest.get("sources", {})) | frozenset(
        manifest.get("unit_tests", {}))


class DbtRunner(ConfigurableResource):
    """The dbt project this code location builds, run in-process; one ``build`` per dbt step."""

    project_dir: str = str(DBT_PROJECT_DIR)
    profiles_dir: str = str(DBT_PROJECT_DIR)

    def build(self, context: AssetExecutionContext, translator: DagsterDbtTranslator, project: DbtProject,
              args: Sequence[str], target_path: Path, database: str, fingerprint: str) -> "DbtBuild":
        """The dbt command ``args`` (a build) on what the step selected (dagster-dbt's selection), run when streamed."""
        return DbtBuild(self, context, translator, project, args, target_path, database, fingerprint)


class DbtBuild:
    """One in-process ``dbt build`` of the assets a Dagster step selected; iterate ``stream()`` for its events."""

    def __init__(self, runner: DbtRunner, context: AssetExecutionContext, translator: DagsterDbtTranslator,
                 project: DbtProject, args: Sequence[str], target_path: Path, database: str, fingerprint: str) -> None:
        self.context, self.translator, self.project, self.target_path = context, translator, project, target_path
        params = get_updated_cli_invocation_params_for_context(context=context, manifest={}, dagster_dbt_translator=translator)
        self.known = _node_ids(params.manifest)  # what the code location was loaded with (its assets and checks)
        self.manifest_json: dict[str, Any] | None = None  # the parse dbt builds from, set before dbt runs
        # a large subset runs on a temporary copy of the project holding a generated selector
        self.project_dir = Path(params.dbt_project.project_dir) if params.dbt_project else Path(runner.project_dir)
        self.profiles_dir = Path(runner.profiles_dir)
        self.args = [*args, *params.selection_args]
        self.database, self.fingerprint = database, fingerprint
        self.result: dbtRunnerResult | None = None

    def stream(self) -> Iterator[Any]:
        """Dagster events in the order dbt reports its results, while dbt runs on a worker thread."""
        from dbt_common.events.functions import msg_to_dict

        events: queue.Queue[Any] = queue.Queue()

        def on_event(msg: Any) -> None:
            if msg.info.name in RESULT_EVENTS:
                events.put(msg_to_dict(msg))

        on_event.dbt_events = RESULT_EVENTS  # type: ignore[attr-defined] - read by pipeline.dbt_events

        worker = threading.Thread(target=self._run, args=(on_event, events), name="dbt-build", daemon=True)
        worker.start()
        try:
            while (raw := events.get()) is not _DONE:
                unique_id = raw["data"]["node_info"]["unique_id"]
                if unique_id not in self.known:
                    self.context.log.warning(
                        f"dbt built {unique_id}, which this code location does not know (added after set-up): "
                        "run `python -m pipeline.cli prepare` and reload the code location to see it in Dagster")
                    continue
                yield from DbtCoreCliEventMessage(raw_event=raw, event_history_metadata={}).to_default_asset_events(
                    manifest=self.manifest_json, dagster_dbt_translator=self.translator, context=self.context,
                    target_path=self.target_path, project=self.project)
        finally:
            # also when the step is interrupted: dbt cannot be stopped half way in-process, and the
            # caller releases the warehouse lock only after this returns
            worker.join()

    def _run(self, on_event: Any, events: queue.Queue) -> None:
        try:
            manifest = parsed_manifest(self.target_path, self.database, self.fingerprint, self.project_dir, self.profiles_dir)
            # events are translated with the parse dbt builds from, not the set-up-time manifest.json
            self.manifest_json = manifest_dict(manifest)
            self.result = invoke(self.args, self.target_path, manifest=manifest, callbacks=[on_event],
                                 project_dir=self.project_dir, profiles_dir=self.profiles_dir)
        except Exception as error:  # noqa: BLE001 - reported as the step's failure, never lost
            from dbt.cli.main import dbtRunnerResult

            self.result = dbtRunnerResult(success=False, exception=error)
        finally:
            events.put(_DONE)

    def is_successful(self) -> bool:
        return self.result is not None and self.result.success

    def error(self) -> str:
        return failures(self.result) if self.result is not None else "dbt did not run"
