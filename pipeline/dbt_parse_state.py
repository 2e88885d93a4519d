"""dbt's saved parse, kept across warehouse paths: a parse does not depend on the DuckDB file's path.

dbt rejects a saved parse (``partial_parse.msgpack``: "profile has changed")
when any value of the profile's connection differs, the DuckDB path included.
So the first dbt command on a new warehouse parsed the whole project: 4.6 CPU s,
against 1.4 s from a saved parse (BENCHMARKS.md), in every first refresh and in
every test world. Nothing in the project reads ``target.path`` while parsing;
what a parse writes into the nodes is the catalog name (the file's stem, the
``database`` value), and that stays in the hash, as does everything else of
the connection. Here:

- the state check hashes the connection without its ``path``;
- a target dir with no saved parse starts from the one ``make setup`` made
  (``dbt_project/target``, ``pipeline.cli prepare``) when that was parsed for
  the same catalog name. dbt still compares
  every file's hash and re-parses what changed, and parses in full when the
  catalog name, the target, dbt's version or the variables differ.

Applies in the processes that import ``pipeline.dbt_runner``'s runner, as
``pipeline/dbt_events.py``; standalone ``dbt`` hashes the path as before.
"""

from __future__ import annotations

import dataclasses
import pprint
import shutil
from pathlib import Path
from typing import Any

from dbt.constants import PARTIAL_PARSE_FILE_NAME
from dbt.contracts.files import FileHash
from dbt.parser.manifest import ManifestLoader

from pipeline.dbt_fingerprint import PARSE_DATABASE_NAME
from pipeline.settings import DBT_PROJECT_DIR

PREPARED = DBT_PROJECT_DIR / "target" / PARTIAL_PARSE_FILE_NAME
PREPARED_DATABASE = PREPARED.with_name(PARSE_DATABASE_NAME)  # the catalog name it was parsed for
UNHASHED = frozenset({"path"})  # connection values a parse never reads
_STATE_CHECK = ManifestLoader.build_manifest_state_check


def profile_hash(credentials: Any) -> FileHash:
    """dbt's own profile hash (sorted connection items, pretty-printed) of every item but ``UNHASHED``."""
    items = sorted((key, value) for key, value in credentials.connection_info() if key not in UNHASHED)
    return FileHash.from_contents(pprint.pformat(items))


def _state_check(self: ManifestLoader) -> Any:
    check = _STATE_CHECK(self)
    return dataclasses.replace(check, profile_hash=profile_hash(self.root_project.credentials))


def mark_prepared(manifest: Any) -> None:
    """Record the catalog name of the prepared parse: a saved parse of another one is rejected after
    loading it, which costs more than no saved parse at all (6.7 against 4.6 CPU s)."""
    database = next((node.database for node in manifest.nodes.values() if node.database), "")
    PREPARED_DATABASE.write_text(database, encoding="utf-8")


def seed(target_path: Path, project_dir: Path, database: str) -> None:
    """Start a target dir with no saved parse from the prepared one, when that is of this project and catalog."""
    saved = target_path / PARTIAL_PARSE_FILE_NAME
    if (saved.exists() or project_dir.resolve() != DBT_PROJECT_DIR.resolve() or not PREPARED.exists()
            or not PREPARED_DATABASE.exists() or PREPARED_DATABASE.read_text(encoding="utf-8") != database):
        return
    target_path.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PREPARED, saved)


ManifestLoader.build_manifest_state_check = _state_check  # type: ignore[method-assign]
