"""The project's own generic dbt tests, rendered from their SQL files and run on DuckDB tables.

dbt runs a generic test as ``SELECT``: every row returned is a failure. These
tests render the test body with the arguments a ``.yml`` gives it (the same
Jinja dbt uses) and check which rows come back, without a dbt build.
"""

from __future__ import annotations

import re

import duckdb
import jinja2

from pipeline.settings import DBT_PROJECT_DIR

GENERIC = DBT_PROJECT_DIR / "tests" / "generic"


def render(name: str, **arguments: object) -> str:
    """The body between ``{% test name(...) %}`` and ``{% endtest %}``, rendered with ``arguments``."""
    source = (GENERIC / f"{name}.sql").read_text()
    body = re.search(r"{%\s*test\s+" + name + r"\(.*?\)\s*%}(.*){%\s*endtest\s*%}", source, re.S).group(1)
    return jinja2.Environment().from_string(body).render(**arguments)


def failures(sql: str, setup: str) -> list[tuple]:
    with duckdb.connect() as con:
        con.execute(setup)
        return sorted(con.execute(sql).fetchall())


TABLE = """
CREATE TABLE t (a INTEGER, "position" INTEGER, c VARCHAR);
INSERT INTO t VALUES (1, NULL, 'x'), (NULL, NULL, 'y'), (3, NULL, 'z');
"""


def test_not_null_columns_returns_one_row_per_column_with_nulls() -> None:
    # a: one null (row 2); position: three nulls; c: none, so no row for it.
    sql = render("not_null_columns", model="t", columns=["a", "position", "c"])
    assert failures(sql, TABLE) == [("a", 1), ("position", 3)]


def test_not_null_columns_passes_when_no_listed_column_has_a_null() -> None:
    assert failures(render("not_null_columns", model="t", columns=["c"]), TABLE) == []


def test_unique_combination_returns_each_repeated_combination() -> None:
    setup = "CREATE TABLE t (k INTEGER, p INTEGER); INSERT INTO t VALUES (1, 1), (1, 1), (1, 2), (2, 1), (2, 1), (2, 1);"
    sql = render("unique_combination", model="t", columns=["k", "p"])
    assert failures(sql, setup) == [(1, 1, 2), (2, 1, 3)]
