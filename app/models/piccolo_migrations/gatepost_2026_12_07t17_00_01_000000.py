"""The statistics' tallies: visits per hour of each of an estate's days, per day by purpose and
gate, and how far the tallies go (``app/models/statistics.py``)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import UUID, DoublePrecision, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.uuid import UUID4
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-07T17:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "statistics: visit tallies per estate hour and per day by purpose and gate"


class Estate(Table, tablename="estate"):
    id = UUID(primary_key=True)


def _params(**extra) -> dict:
    params = {"null": False, "primary_key": False, "unique": False, "index": False,
              "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False}
    params.update(extra)
    return params


ID_COLUMN = ("id", UUID, _params(default=UUID4(), primary_key=True))
ESTATE = ("estate", ForeignKey, _params(references=Estate, on_delete=OnDelete.cascade, on_update=OnUpdate.cascade,
                                        target_column=None))

TABLES = {
    ("VisitHourTally", "visit_hour_tally"): (
        ID_COLUMN, ESTATE,
        ("day", Varchar, _params(length=10, default="")),
        ("hour", Integer, _params(default=0)),
        ("visits", Integer, _params(default=0)),
        ("invited", Integer, _params(default=0)),
        ("overdue", Integer, _params(default=0)),
        ("stayed", Integer, _params(default=0)),
        ("seconds", DoublePrecision, _params(default=0.0)),
    ),
    ("VisitKindTally", "visit_kind_tally"): (
        ID_COLUMN, ESTATE,
        ("day", Varchar, _params(length=10, default="")),
        ("purpose", Varchar, _params(length=16, default="")),
        ("gate", UUID, _params(default=None, null=True)),
        ("visits", Integer, _params(default=0)),
    ),
    ("StatisticsMark", "statistics_mark"): (
        ID_COLUMN,
        ("estate", ForeignKey, {**ESTATE[2], "unique": True}),
        ("through", Varchar, _params(length=10, default="")),
        ("refreshed_at", Timestamptz, _params(default=None, null=True)),
    ),
}

async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="gatepost", description=DESCRIPTION)
    for (class_name, tablename), columns in TABLES.items():
        manager.add_table(class_name=class_name, tablename=tablename, schema=None, columns=None)
        for name, column_class, params in columns:
            manager.add_column(table_class_name=class_name, tablename=tablename, column_name=name,
                               db_column_name=name, column_class_name=column_class.__name__,
                               column_class=column_class, params=params, schema=None)
    return manager
