"""What the server keeps about its own work: when the periodic work last ran."""

from piccolo.columns import UUID, Timestamptz, Varchar
from piccolo.table import Table


class PeriodicRun(Table):
    """One row per kind of periodic work. A worker runs the work only after moving ``ran_at``
    forward with a conditional UPDATE, so several workers run it once per period between them."""

    id = UUID(primary_key=True)
    name = Varchar(length=32, unique=True)
    ran_at = Timestamptz(null=True, default=None)
