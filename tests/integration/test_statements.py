"""Every hand-written statement (``app.db.Statement``) against the Piccolo tables it names, so a
column added, renamed or dropped cannot silently break the gate.

The statements are found, not listed: every ``Statement(...)`` in the app's source is read, and
each must be a module's constant (one made inside a function fails the first test), so a new
statement is checked without touching this file. Migrations are left out: each is written
against the tables of its day.

Two checks. Against the Piccolo tables: SQLite compiles each statement (``EXPLAIN``) over empty
tables made from the tables' columns alone, reporting every column it reads or sets to an
authoriser; an INSERT must name exactly its table's columns. Against the migrated database of
this run: the statement compiles there too (``EXPLAIN`` on SQLite, ``PREPARE`` on PostgreSQL).
"""

from __future__ import annotations

import ast
import importlib
import re
import sqlite3
from pathlib import Path

import pytest

from app import db
from app.db import Statement
from piccolo.engine.postgres import PostgresEngine
from app.models.piccolo_app import APP_CONFIG

APP = Path(__file__).resolve().parents[2] / "app"
LEFT_OUT = {APP / "db.py"}  # where Statement is defined (and repeats an INSERT's row)
# Made once at import from a registry (one per table it lists), not one constant each: found
# in the module's own tuple of them (``_from_registries``) and checked here like the others.
FROM_REGISTRY = {APP / "services" / "retention.py"}
MIGRATIONS = APP / "models" / "piccolo_migrations"
TABLES = {table._meta.tablename: [c._meta.db_column_name for c in table._meta.columns]
          for table in APP_CONFIG.table_classes}


def _is_statement(call: ast.Call) -> bool:
    func = call.func
    return (isinstance(func, ast.Name) and func.id == "Statement") or (
        isinstance(func, ast.Attribute) and func.attr == "Statement")


def _made_in(path: Path) -> list[tuple[str | None, int]]:
    """(the constant it is kept as, line) for each Statement made in a file; no name when it is
    not made as a module's constant."""
    tree = ast.parse(path.read_text(), str(path))
    constants = {}
    for node in tree.body:
        value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        if isinstance(value, ast.Call) and _is_statement(value) and len(targets) == 1 \
                and isinstance(targets[0], ast.Name):
            constants[id(value)] = targets[0].id
    return [(constants.get(id(node)), node.lineno) for node in ast.walk(tree)
            if isinstance(node, ast.Call) and _is_statement(node)]


def _found() -> tuple[dict[str, Statement], list[str]]:
    """The statements by ``module.NAME``, and where one is made that is not a constant."""
    statements, elsewhere = {}, []
    for path in sorted(APP.rglob("*.py")):
        if path in LEFT_OUT or path in FROM_REGISTRY or MIGRATIONS in path.parents:
            continue
        module = ".".join(path.relative_to(APP.parent).with_suffix("").parts)
        for name, line in _made_in(path):
            if name is None:
                elsewhere.append(f"{path.relative_to(APP.parent)}:{line}")
            else:
                statements[f"{module}.{name}"] = getattr(importlib.import_module(module), name)
    return statements, elsewhere


def _from_registries() -> dict[str, Statement]:
    from app.services import retention

    found = {}
    for step in retention.PLANS:
        name = f"app.services.retention.PLANS[{step.kept.table._meta.tablename}]"
        found[f"{name}.change"] = step.change
        if step.select_photos is not None:
            found[f"{name}.select_photos"] = step.select_photos
    return found


STATEMENTS, ELSEWHERE = _found()
STATEMENTS.update(_from_registries())


def test_every_hand_written_statement_is_a_module_constant_these_checks_find():
    assert ELSEWHERE == [], "make each Statement once, as a module's constant (Statement.rows repeats an INSERT's row)"
    assert {"app.services.gate._PASS", "app.services.gate._ADMIT", "app.services.gate._VISIT",
            "app.services.gate._GATE", "app.services.idempotency._INSERT"} <= STATEMENTS.keys()


# Against the Piccolo tables ---------------------------------------------------------------


def _unique_indexes() -> list[str]:
    """The uniqueness that spans columns, which migrations declare in SQL (Piccolo's columns
    cannot): an ``ON CONFLICT (a, b)`` compiles only where it exists. The last form of each
    index counts (a later migration may remake one)."""
    made: dict[str, str] = {}
    for path in sorted(MIGRATIONS.glob("*.py")):
        module = importlib.import_module(".".join(path.relative_to(APP.parent).with_suffix("").parts))
        for sql in getattr(module, "STATEMENTS", ()):
            if sql.upper().startswith("CREATE UNIQUE INDEX"):
                made[sql.split()[3]] = sql
    return list(made.values())


UNIQUE_INDEXES = _unique_indexes()


def _piccolo_schema() -> sqlite3.Connection:
    """Empty tables with the Piccolo tables' names and columns (no types: names are what count),
    and the unique indexes of the migrations."""
    connection = sqlite3.connect(":memory:")
    for table, columns in TABLES.items():
        connection.execute(f'CREATE TABLE "{table}" ({", ".join(f"{chr(34)}{c}{chr(34)}" for c in columns)})')
    for sql in UNIQUE_INDEXES:
        connection.execute(sql)
    return connection


_INSERT_COLUMNS = re.compile(r'^\s*INSERT\s+INTO\s+"?(\w+)"?\s*\(([^)]*)\)', re.IGNORECASE)


def problems_with(statement: Statement) -> list[str]:
    """What is wrong with a statement against the Piccolo tables, in words; nothing when right."""
    connection = _piccolo_schema()
    named: set[tuple[str, str]] = set()
    inserts: set[str] = set()

    def authorise(action, table, column, _database, _trigger):
        if action in (sqlite3.SQLITE_READ, sqlite3.SQLITE_UPDATE) and column:
            named.add((table, column))
        elif action == sqlite3.SQLITE_INSERT:
            inserts.add(table)
        return sqlite3.SQLITE_OK

    connection.set_authorizer(authorise)
    try:
        connection.execute("EXPLAIN " + statement.sqlite, [None] * statement.sqlite.count("?"))
    except sqlite3.Error as exc:
        return [f"does not compile against the Piccolo tables: {exc}"]
    finally:
        connection.close()
    found = []
    # SQLite takes a double-quoted name that is no column for a string: each must be a column.
    known = {column for _, column in named} | TABLES.keys() | {c for table in inserts for c in TABLES[table]}
    for quoted in sorted(set(re.findall(r'"(\w+)"', statement.text)) - known):
        found.append(f'"{quoted}" is not a column of the tables it names')
    for table in inserts:
        listed = _INSERT_COLUMNS.match(statement.text)
        columns = [c.strip().strip('"') for c in listed.group(2).split(",")] if listed else []
        missing = sorted(set(TABLES[table]) - set(columns))
        twice = sorted({c for c in columns if columns.count(c) > 1})
        if missing:
            found.append(f"an INSERT into {table} names every column of its table, and leaves out {missing}")
        if twice:
            found.append(f"an INSERT into {table} names {twice} twice")
    return found


@pytest.mark.parametrize("name", sorted(STATEMENTS))
def test_a_statement_names_only_columns_of_its_piccolo_tables_and_an_insert_all_of_them(name):
    assert problems_with(STATEMENTS[name]) == []


@pytest.mark.parametrize("text, problem", [
    ("INSERT INTO visit (id, estate) VALUES ({}, {})", "leaves out ['admitted_by', "),
    ("INSERT INTO audit_chain (id, chain, last_seq, last_hash) VALUES ({}, {}, {}, {}), ({}, {}, {}, {})", None),
    ("SELECT id, guest FROM visit WHERE id = {}", "no such column: guest"),
    ('SELECT id FROM watchlist_entry WHERE "untill" IS NULL', '"untill" is not a column'),
    ("SELECT name FROM gates", "no such table: gates"),
], ids=["an insert short of columns", "a right insert", "a column not there", "a misspelt quoted column",
        "a table not there"])
def test_the_check_finds_a_missing_column_a_wrong_name_and_a_table_that_is_not_there(text, problem):
    found = problems_with(Statement(text))
    assert any(problem in p for p in found) if problem else found == [], found


# Against this run's migrated database -----------------------------------------------------


@pytest.mark.parametrize("name", sorted(STATEMENTS))
async def test_a_statement_compiles_on_the_migrated_database(name):
    statement = STATEMENTS[name]
    engine = db.engine()
    if isinstance(engine, PostgresEngine):
        async with engine.pool.acquire() as connection:
            await connection.prepare(statement.postgres)
    else:
        with sqlite3.connect(engine.path) as connection:
            connection.execute("EXPLAIN " + statement.sqlite, [None] * statement.sqlite.count("?"))
