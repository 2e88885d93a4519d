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


def rules(**arguments: object) -> str:
    """table_rules on table t, with the signature's defaults (empty) for the arguments not given."""
    return render("table_rules", model="t", **{"key": [], "not_null": [], "unique": [], "accepted_values": {}, **arguments})


TABLE = """
CREATE TABLE t (a INTEGER, "position" INTEGER, c VARCHAR);
INSERT INTO t VALUES (1, NULL, 'x'), (NULL, NULL, 'y'), (3, NULL, 'z');
"""


def test_not_null_returns_one_row_per_column_with_nulls() -> None:
    # a: one null (row 2); position: three nulls; c: none, so no row for it.
    sql = rules(not_null=["a", "position", "c"])
    assert failures(sql, TABLE) == [("not_null a", 1), ("not_null position", 3)]


def test_table_rules_pass_when_no_rule_is_broken() -> None:
    sql = rules(key=["c"], not_null=["c"], accepted_values={"c": ["x", "y", "z"]})
    assert failures(sql, TABLE) == []


def test_unique_counts_the_repeated_combinations() -> None:
    # (1, 1) twice and (2, 1) three times: two repeated combinations; (1, 2) once.
    setup = "CREATE TABLE t (k INTEGER, p INTEGER); INSERT INTO t VALUES (1, 1), (1, 1), (1, 2), (2, 1), (2, 1), (2, 1);"
    assert failures(rules(unique=[["k", "p"]]), setup) == [("unique (k, p)", 2)]
    assert failures(rules(unique=[["p"]]), setup) == [("unique (p)", 1)]


def test_key_is_not_null_and_unique_in_one_test() -> None:
    # k is null in two rows; (1, 1) and (null, 2) each occur twice; one rule row each, one query.
    setup = "CREATE TABLE t (k INTEGER, p INTEGER); INSERT INTO t VALUES (1, 1), (1, 1), (NULL, 2), (NULL, 2), (3, 3);"
    assert failures(rules(key=["k", "p"]), setup) == [("not_null k", 2), ("unique (k, p)", 2)]


def test_accepted_values_ignore_nulls_and_count_the_others() -> None:
    # 'w' is not accepted; null is not checked (as dbt's accepted_values); 'x' is fine.
    setup = "CREATE TABLE t (c VARCHAR); INSERT INTO t VALUES ('x'), ('w'), (NULL), ('w');"
    sql = rules(accepted_values={"c": ["x", "y"]})
    assert failures(sql, setup) == [("accepted_values c", 2)]
