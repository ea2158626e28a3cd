"""Passes the gate turned away, for the statistics' refusals (``app/models/visitors.GateRefusal``);
its indexes come next (raw statements run before a migration's tables)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import UUID, ForeignKey, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.defaults.uuid import UUID4
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-07T22:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "gate refusals"


class Estate(Table, tablename="estate"):
    id = UUID(primary_key=True)


class VisitorPass(Table, tablename="visitor_pass"):
    id = UUID(primary_key=True)


class Gate(Table, tablename="gate"):
    id = UUID(primary_key=True)


class Person(Table, tablename="person"):
    id = UUID(primary_key=True)


def _params(**extra) -> dict:
    params = {"null": False, "primary_key": False, "unique": False, "index": False,
              "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False}
    params.update(extra)
    return params


def _link(table: type[Table], on_delete: OnDelete, null: bool) -> dict:
    return _params(references=table, on_delete=on_delete, on_update=OnUpdate.cascade, target_column=None,
                   null=null, default=None)


COLUMNS = (
    ("id", UUID, _params(default=UUID4(), primary_key=True)),
    ("estate", ForeignKey, _link(Estate, OnDelete.restrict, False)),
    ("visitor_pass", ForeignKey, _link(VisitorPass, OnDelete.set_null, True)),
    ("gate", ForeignKey, _link(Gate, OnDelete.set_null, True)),
    ("reason", Varchar, _params(length=16, default="")),
    ("refused_at", Timestamptz, _params(default=TimestamptzNow())),
    ("guard", ForeignKey, _link(Person, OnDelete.set_null, True)),
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="gatepost", description=DESCRIPTION)
    manager.add_table(class_name="GateRefusal", tablename="gate_refusal", schema=None, columns=None)
    for name, column_class, params in COLUMNS:
        manager.add_column(table_class_name="GateRefusal", tablename="gate_refusal", column_name=name,
                           db_column_name=name, column_class_name=column_class.__name__, column_class=column_class,
                           params=params, schema=None)
    return manager
