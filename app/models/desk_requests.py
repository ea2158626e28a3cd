"""The front desk's residents' side: enquiries, complaints and repair requests with their
follow-up (回訪), and lost and found. States and rules live in ``app/domain/requests.py`` and
``app/domain/lostfound.py``."""

from piccolo.columns import UUID, Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.models.estates import Estate, Unit
from app.models.people import Person
from app.models.uploads import Upload


class ResidentRequest(Table):
    """One enquiry, complaint or repair request of a household.

    state: new -> assigned -> in_progress -> done -> followed_up (``domain.requests``)."""

    id = UUID(primary_key=True)
    estate = ForeignKey(Estate, on_delete=OnDelete.restrict, null=False, index=True)
    unit = ForeignKey(Unit, on_delete=OnDelete.restrict, null=False, index=True)
    kind = Varchar(length=20, help_text="enquiry, complaint, visitor_complaint or repair")
    text = Text(default="")
    state = Varchar(length=12, default="new")
    raised_by = ForeignKey(Person, on_delete=OnDelete.set_null, null=True, index=True,
                           help_text="the resident it is for (raised on the phone or named at the desk)")
    resident_name = Varchar(length=80, default="", help_text="who asked, as the desk wrote it")
    channel = Varchar(length=8, default="app", help_text="app, counter or phone: how it reached the desk")
    recorded_by = ForeignKey(Person, on_delete=OnDelete.set_null, null=True, help_text="the desk, when not the resident")
    created_at = Timestamptz(default=TimestamptzNow())
    team = Varchar(length=12, default="", help_text="maintenance, cleaning, security or management")
    assignee = ForeignKey(Person, on_delete=OnDelete.set_null, null=True, help_text="a person of the team, if one")
    assigned_at = Timestamptz(null=True, default=None)
    started_at = Timestamptz(null=True, default=None)
    work_note = Text(default="", help_text="what was done")
    done_at = Timestamptz(null=True, default=None, help_text="the follow-up is due within 3 days of this")
    done_by = ForeignKey(Person, on_delete=OnDelete.set_null, null=True)
    followed_up_at = Timestamptz(null=True, default=None)
    followed_up_by = ForeignKey(Person, on_delete=OnDelete.set_null, null=True)
    follow_up_channel = Varchar(length=12, default="", help_text="notification, app or call")
    resolved = Boolean(null=True, default=None)
    satisfaction = Varchar(length=12, default="", help_text="satisfied, neutral or dissatisfied")
    follow_up_note = Text(default="")


class RequestPhoto(Table):
    id = UUID(primary_key=True)
    request = ForeignKey(ResidentRequest, on_delete=OnDelete.cascade, null=False, index=True)
    upload = ForeignKey(Upload, on_delete=OnDelete.restrict, null=False)
    position = Integer(default=0)


class LostFoundRecord(Table):
    """An item reported lost, or an item found and kept at the desk.

    state: open -> matched -> returned; a found item left open past the estate's period is
    disposed of, with the decision recorded (``domain.lostfound``)."""

    id = UUID(primary_key=True)
    estate = ForeignKey(Estate, on_delete=OnDelete.restrict, null=False, index=True)
    side = Varchar(length=5, help_text="lost or found")
    category = Varchar(length=12, help_text="the kind of item: keys, wallet, phone, bag, ...")
    description = Text(default="")
    place = Varchar(length=120, default="", help_text="where it was lost or found")
    happened_at = Timestamptz(help_text="when it was lost or found (as near as known)")
    state = Varchar(length=10, default="open")
    unit = ForeignKey(Unit, on_delete=OnDelete.restrict, null=True, index=True, help_text="lost: the owner's unit, if a resident")
    reporter = ForeignKey(Person, on_delete=OnDelete.set_null, null=True, index=True,
                          help_text="lost: the resident who reported it (is told of a match)")
    contact = Varchar(length=720, default="", help_text="lost: a name and how to reach them (a visitor's phone); "
                      "up to 120 characters, sealed whole (app/services/sealed.py)")
    found_by = Varchar(length=80, default="", help_text="found: who found it")
    photo = ForeignKey(Upload, on_delete=OnDelete.set_null, null=True)
    kept_at = Varchar(length=80, default="", help_text="found: where it is kept")
    created_at = Timestamptz(default=TimestamptzNow())
    created_by = ForeignKey(Person, on_delete=OnDelete.set_null, null=True)
    match = UUID(null=True, default=None, help_text="the record on the other side it was matched with")
    matched_at = Timestamptz(null=True, default=None)
    matched_by = ForeignKey(Person, on_delete=OnDelete.set_null, null=True)
    returned_at = Timestamptz(null=True, default=None)
    returned_by = ForeignKey(Person, on_delete=OnDelete.set_null, null=True)
    collected_by = Varchar(length=80, default="", help_text="who collected it")
    proof_shown = Varchar(length=120, default="", help_text="what they showed (never an ID number in full)")
    disposal = Varchar(length=12, default="", help_text="donated, discarded, police or kept")
    disposal_note = Varchar(length=200, default="")
    disposed_at = Timestamptz(null=True, default=None)
    disposed_by = ForeignKey(Person, on_delete=OnDelete.set_null, null=True)


class LostFoundRules(Table):
    """An estate's lost-and-found rules; an estate without a row keeps found items 90 days."""

    id = UUID(primary_key=True)
    estate = ForeignKey(Estate, on_delete=OnDelete.restrict, null=False, unique=True)
    unclaimed_days = Integer(default=90, help_text="after this many days a found item is listed for disposal")
