"""dbt's log events, built only when something reads them.

dbt-common turns every event into protobuf twice before any level filter runs:
the event's fields (``ParseDict`` in ``BaseEvent.__init__``), then the message
with its info (``msg_from_base_event``); each logger then formats the line, and
only then does Python's logging drop it by level. On a build of the 64 nodes of
a small world that was 19 % of dbt's CPU (py-spy, BENCHMARKS.md). The dbt step
reads only the result events (``pipeline/dbt_runner.py`` ``RESULT_EVENTS``) and
keeps ``dbt.log`` at info level, so most events (each SQL statement, each
connection, each timing) are read by nobody. Here:

- an event's protobuf fields are parsed when first read, not when it is made;
- an event below every logger's level that no callback reads is dropped
  before its message is built. Warnings and errors always go through dbt's
  own path (``--warn-error`` handling). A callback says what it reads with a
  ``dbt_events`` attribute (a set of event names); one without it reads all.

The dbt project run standalone (``dbt build``, ``--debug``) is untouched: this
applies in the processes that import ``pipeline.dbt_runner``'s runner.
"""

from __future__ import annotations

from typing import Any

from dbt.tracking import track_behavior_change_warn
from dbt_common.events.base_types import BaseEvent, EventLevel
from dbt_common.events.event_manager import EventManager
from dbt_common.events.logger import _log_level_map

_ARGS = "_papertrends_args"  # the constructor's arguments, kept until the fields are read
_PARSE_FIELDS = BaseEvent.__init__
_FIRE = EventManager.fire_event
ALWAYS_FIRED = frozenset({EventLevel.WARN, EventLevel.ERROR})
# dbt's own callback (anonymous usage stats) reads this one event
track_behavior_change_warn.dbt_events = frozenset({"BehaviorChangeEvent"})  # type: ignore[attr-defined]


def _keep_arguments(self: BaseEvent, *args: Any, **kwargs: Any) -> None:
    object.__setattr__(self, _ARGS, (args, kwargs))


def _fields(self: BaseEvent, key: str) -> Any:
    """``pb_msg`` parsed on first use, then (as dbt-common's own ``__getattr__``) fields read from it."""
    if key == "pb_msg":
        args, kwargs = object.__getattribute__(self, _ARGS)
        _PARSE_FIELDS(self, *args, **kwargs)
        return object.__getattribute__(self, "pb_msg")
    return getattr(self.pb_msg, key)


def unread(manager: EventManager, event: BaseEvent, level: EventLevel | None) -> bool:
    """True when no logger writes an event of this level and no callback reads an event of this name."""
    level = level or event.level_tag()
    if level in ALWAYS_FIRED:
        return False
    if any(_log_level_map[logger.level] <= _log_level_map[level] for logger in manager.loggers):
        return False
    name = type(event).__name__
    return all(name not in getattr(callback, "dbt_events", (name,)) for callback in manager.callbacks)


def _fire_if_read(self: EventManager, e: BaseEvent, level: EventLevel | None = None, node: Any = None,
                  force_warn_or_error_handling: bool = False) -> None:
    if force_warn_or_error_handling or not unread(self, e, level):
        _FIRE(self, e, level, node, force_warn_or_error_handling)


BaseEvent.__init__ = _keep_arguments  # type: ignore[method-assign]
BaseEvent.__getattr__ = _fields  # type: ignore[method-assign]
EventManager.fire_event = _fire_if_read  # type: ignore[method-assign]
