"""Disclosures of visitor records: to an authority (police, state security, a court) on sight of
its documents, and a resident's look-up at the front desk. Each keeps what was asked for and
the extract exactly as it was handed over (its CSV text and that text's SHA-256), so what left
the estate can be shown again, byte for byte. The phone and ID number asked for and the extract
are sealed at rest (``app/services/sealed.py``); the digest is of the plain text handed over. Rules live in ``app/domain/disclosure.py``."""

from piccolo.columns import UUID, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.models.estates import Estate, Unit
from app.models.people import Person
from app.models.uploads import Upload


class Disclosure(Table):
    """One hand-over of visitor records, and exactly what it contained."""

    id = UUID(primary_key=True)
    estate = ForeignKey(Estate, on_delete=OnDelete.restrict, null=False, index=True)
    kind = Varchar(length=16, default="authority", help_text="authority or resident (a resident's look-up at the desk)")
    authority = Varchar(length=16, default="", help_text="police, state_security, court or other; '' for a resident")
    authority_name = Varchar(length=80, default="", help_text="the body's own name (e.g. the police station)")
    officer_name = Varchar(length=80, default="")
    officer_badge = Varchar(length=40, default="")
    case_reference = Varchar(length=80, default="")
    document = Varchar(length=200, default="", help_text="the document shown (for a resident: how they were identified)")
    document_photo = ForeignKey(Upload, on_delete=OnDelete.restrict, null=True)
    resident = ForeignKey(Person, on_delete=OnDelete.restrict, null=True,
                          help_text="a resident's look-up: the resident who asked")
    asked_name = Varchar(length=80, default="", help_text="a person asked for, by name")
    asked_phone = Varchar(length=255, default="", help_text="by phone (sealed)")
    asked_id_number = Varchar(length=255, default="", help_text="by ID number (sealed)")
    asked_unit = ForeignKey(Unit, on_delete=OnDelete.restrict, null=True)
    since_day = Varchar(length=10, default="", help_text="first day asked for, YYYY-MM-DD in the estate's zone")
    until_day = Varchar(length=10, default="", help_text="last day asked for, inclusive")
    handed_over = Text(default="", help_text="how it was handed over, in the staff member's words")
    row_count = Integer(default=0)
    extract_csv = Text(default="", help_text="the extract exactly as downloaded (sealed whole; the printable "
                       "page is read from it)")
    extract_sha256 = Varchar(length=64, default="", help_text="sha256 of the extract's plain UTF-8 bytes")
    disclosed_by = ForeignKey(Person, on_delete=OnDelete.restrict, null=True)
    created_at = Timestamptz(default=TimestamptzNow())
