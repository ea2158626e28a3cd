"""Uploaded photos: decoded, stripped of metadata and stored as files under the var directory
(never under the web root); this row says what each file is and whose it is."""

from piccolo.columns import UUID, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.models.estates import Estate
from app.models.people import Person


class Upload(Table):
    id = UUID(primary_key=True)
    estate = ForeignKey(Estate, on_delete=OnDelete.restrict, null=False, index=True)
    uploaded_by = ForeignKey(Person, on_delete=OnDelete.set_null, null=True)
    purpose = Varchar(length=24, help_text="what it shows, e.g. item_photo, company_proof")
    content_type = Varchar(length=32, default="image/jpeg")
    width = Integer(default=0)
    height = Integer(default=0)
    size = Integer(default=0, help_text="bytes of the stored file")
    sha256 = Varchar(length=64, default="")
    created_at = Timestamptz(default=TimestamptzNow())
