"""SQL defined once as a dbt macro, rendered here for the Python side (publish, bench).

A macro that uses no dbt builtins is plain Jinja: rendering its file gives the
very SQL dbt compiles, so a rule written there has one definition.
"""

from __future__ import annotations

import jinja2

from pipeline.settings import DBT_PROJECT_DIR


def render_macro(name: str, *args: str) -> str:
    """The SQL of the macro ``name`` (file ``macros/<name>.sql``) called with ``args``."""
    source = (DBT_PROJECT_DIR / "macros" / f"{name}.sql").read_text(encoding="utf-8")
    return str(getattr(jinja2.Environment().from_string(source).module, name)(*args)).strip()
