"""The event log storage of the project's Dagster instance (``.dagster_home/dagster.yaml``).

Dagster's default SQLite event log writes every event to a database per run
and every asset and check event a second time to an index database, each
write on a new connection; a refresh emits mostly asset and check events
(one planned event per asset and check at run creation, then their results).
``ConsolidatedSqliteEventLogStorage`` writes each event once, to one file. Its
``base_dir`` can only come from the config (a path or ``{env: DAGSTER_HOME}``),
so an instance opened by path (``DagsterInstance.from_config(home)``, as the
benchmarks and tests do) would read another instance's events; this subclass
puts the file in the directory of the instance that owns it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagster._core.instance import DagsterInstance
from dagster._core.storage.event_log import ConsolidatedSqliteEventLogStorage
from dagster._serdes import ConfigurableClassData


class HomeEventLogStorage(ConsolidatedSqliteEventLogStorage):
    """All events in ``<instance root>/event_log.db``, one write per event; opened when the instance registers."""

    def __init__(self, inst_data: ConfigurableClassData | None = None) -> None:  # noqa: D107 - base_dir comes later
        self._home_inst_data = inst_data

    @classmethod
    def config_type(cls) -> dict:
        return {}

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData, config_value: Mapping[str, Any]) -> HomeEventLogStorage:
        return cls(inst_data=inst_data)

    def register_instance(self, instance: DagsterInstance) -> None:
        super().__init__(instance.root_directory, self._home_inst_data)
        super().register_instance(instance)
