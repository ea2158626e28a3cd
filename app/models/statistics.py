"""Statistics kept ready: an estate's visits counted per hour of its days, and per day by purpose
and gate, for the days before ``StatisticsMark.through`` (``services/statistics_tally.py`` keeps
them; the days from ``through`` on are counted from the visits themselves when asked)."""

from piccolo.columns import UUID, DoublePrecision, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from app.models.estates import Estate


class VisitHourTally(Table):
    """The visits that entered in one hour of one of the estate's days (its time zone)."""

    id = UUID(primary_key=True)
    estate = ForeignKey(Estate, on_delete=OnDelete.cascade, null=False)
    day = Varchar(length=10, help_text="the estate's day, YYYY-MM-DD")
    hour = Integer(default=0)
    visits = Integer(default=0)
    invited = Integer(default=0)
    overdue = Integer(default=0, help_text="past their window when counted or when they left")
    stayed = Integer(default=0, help_text="visits with an exit")
    seconds = DoublePrecision(default=0.0, help_text="their time on site, together")


class VisitKindTally(Table):
    """The visits of one of the estate's days with one purpose through one gate."""

    id = UUID(primary_key=True)
    estate = ForeignKey(Estate, on_delete=OnDelete.cascade, null=False)
    day = Varchar(length=10)
    purpose = Varchar(length=16, default="")
    gate = UUID(null=True, default=None)
    visits = Integer(default=0)


class StatisticsMark(Table):
    """How far an estate's tallies go: every day before ``through`` is counted in them."""

    id = UUID(primary_key=True)
    estate = ForeignKey(Estate, on_delete=OnDelete.cascade, null=False, unique=True)
    through = Varchar(length=10, default="", help_text="the first day not in the tallies, YYYY-MM-DD")
    refreshed_at = Timestamptz(null=True, default=None)
