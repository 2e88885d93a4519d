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
    return render("table_rules", model="t", **{"key": [], "not_null": [], "unique": [], "accepted_values": {},
                                                "references": {}, "expressions": {}, **arguments})


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


REFERENCED = """
CREATE TABLE parent (id INTEGER); INSERT INTO parent VALUES (1), (2), (NULL);
CREATE TABLE t (a INTEGER, b INTEGER); INSERT INTO t VALUES (1, 2), (3, 2), (3, 1), (NULL, 1), (4, 1);
"""


def test_references_count_the_rows_whose_value_the_other_table_lacks() -> None:
    # a: 3, 3 and 4 are not ids of parent (3 rows); the null is not checked (as dbt's relationships),
    # and parent's null id matches nothing. b: 2, 2, 1, 1, 1 are all ids, so no row for it.
    sql = rules(references={"a": {"to": "parent", "field": "id"}, "b": {"to": "parent", "field": "id"}})
    assert failures(sql, REFERENCED) == [("references a -> parent.id", 3)]


def test_references_pass_and_join_the_other_rules_in_one_query() -> None:
    # b only holds ids of parent; the key (b) repeats 2 and 1: one rule row per broken rule, one query.
    sql = rules(key=["b"], references={"b": {"to": "parent", "field": "id"}})
    assert failures(sql, REFERENCED) == [("unique (b)", 2)]
    assert failures(rules(references={"b": {"to": "parent", "field": "id"}}), REFERENCED) == []


def test_expressions_count_the_rows_that_make_them_false() -> None:
    # 'Ab' (upper case) and '1x' (a digit first) fail; null gives null, which passes (dbt_utils'
    # expression_is_true); 'ab' passes. The name of the rule is the one the .yml gives.
    setup = "CREATE TABLE t (c VARCHAR); INSERT INTO t VALUES ('ab'), ('Ab'), (NULL), ('1x');"
    sql = rules(not_null=["c"], expressions={"c is lower case": "regexp_full_match(c, '[a-z]+')"})
    assert failures(sql, setup) == [("expression c is lower case", 2), ("not_null c", 1)]
    assert failures(rules(expressions={"c is short": "length(c) <= 2"}), setup) == []
