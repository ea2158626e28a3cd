"""Disclosing visitor records, and keeping exactly what was handed over.

A manager records a disclosure to an authority (who asked, their document and its photo, what
they asked for); the extract of matching visits and registrations is made, stored with its
SHA-256 in the same transaction as the audit entry and the notifications to the estate's
admins and other managers, and the download sends those stored bytes, never a new query. The
extract and the phone and ID number asked for are sealed at rest (``app/services/sealed.py``):
the digest is of the plain bytes handed over, checked again when they are opened. The
front desk records a resident's look-up the same way, limited to that resident's household and
with phones and ID numbers masked. The rules are in ``app/domain/disclosure.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from app import i18n
from app.db import write_transaction
from app.domain import disclosure as rules
from app.domain.disclosure import Kind
from app.domain.notifications import Kind as Note
from app.domain.roles import Role
from app.i18n import N_
from app.models.estates import Unit
from app.models.people import HouseholdMember
from app.models.records import Disclosure
from app.models.uploads import Upload
from app.models.visitors import Registration, Visit, VisitorPass
from app.services import audit, notify, sealed, uploads
from app.services.clock import utcnow
from app.services.errors import Forbidden, Invalid, NotFound
from app.services.notification_texts import PURPOSE_NAMES
from app.services.scope import Scope, as_uuid

PHOTO_PURPOSE = "disclosure_doc"
VIEWERS = (Role.MANAGER, Role.ADMIN)

SOURCE_NAMES = {
    "invitation": N_("Invited"),
    "walk_in": N_("Walk-in"),
    "emergency": N_("Emergency entry"),
    "refused_to_register": N_("Refused to register"),
    "prohibited_items": N_("Prohibited items"),
}
RECORD_NAMES = {"visit": N_("Entry"), "registration": N_("Registration, not admitted")}
OUTCOME_NAMES = {
    "inside": N_("Still inside"),
    "left": N_("Left"),
    "waiting": N_("Waiting for the household"),
    "approved": N_("Approved"),
    "refused": N_("Refused by the household"),
    "unreachable": N_("Household not reached"),
    "escalated": N_("Passed to the manager"),
    "turned_away": N_("Turned away"),
    "admitted": N_("Admitted"),
    "open": N_("Open"),
    "completed": N_("Completed"),
}


class InvalidKept(Invalid):
    """Bad input, with the document photo kept (its upload id) so it need not be chosen again."""

    def __init__(self, errors: dict[str, str], kept: UUID | None):
        super().__init__(errors)
        self.kept = kept


def _invalid(problems: dict[str, str]) -> dict[str, str]:
    return {field: rules.MESSAGES[code] for field, code in problems.items()}


def _day_start(day, tz: str) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=ZoneInfo(tz))


def _local(moment: datetime | None, tz: str) -> str:
    return moment.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M") if moment else ""


def _today(scope: Scope):
    return utcnow().astimezone(ZoneInfo(scope.estate.timezone)).date()


# The extract --------------------------------------------------------------------------------


async def _matching(scope: Scope, days: rules.Days, units: list[UUID] | None, person: rules.Person,
                    language: str) -> list[dict[str, str]]:
    """Rows of every visit and every registration not admitted in those days, at those units
    (``None``: any), that are the person asked for (if any), oldest first."""
    tz = scope.estate.timezone
    start, end = _day_start(days.first, tz), _day_start(days.last + timedelta(days=1), tz)

    def tr(message: str) -> str:
        return i18n.gettext_in(language, message)

    def named(names: dict[str, str], code: str) -> str:
        return tr(names[code]) if code in names else code

    visits = Visit.select(
        Visit.id, Visit.guest_name, Visit.party_size, Visit.vehicle_plate, Visit.purpose, Visit.entered_at,
        Visit.exited_at, Visit.unit.label.as_alias("unit_label"), Visit.entry_gate.name.as_alias("entry_gate"),
        Visit.exit_gate.name.as_alias("exit_gate"), Visit.admitted_by.name.as_alias("admitted_by"),
        Visit.visitor_pass.as_alias("pass_id"), Visit.visitor_pass.guest_phone.as_alias("pass_phone"),
        Visit.registration.as_alias("registration_id"), Visit.registration.phone.as_alias("reg_phone"),
        Visit.registration.id_type.as_alias("id_type"), Visit.registration.id_number.as_alias("id_number"),
        Visit.registration.kind.as_alias("reg_kind"),
    ).where(scope.where(Visit) & (Visit.entered_at >= start) & (Visit.entered_at < end))
    registrations = Registration.select(
        Registration.id, Registration.kind, Registration.state, Registration.name, Registration.phone,
        Registration.id_type, Registration.id_number, Registration.unit.label.as_alias("unit_label"),
        Registration.purpose, Registration.party_size, Registration.vehicle_plate, Registration.created_at,
        Registration.gate.name.as_alias("gate"), Registration.guard.name.as_alias("guard"),
    ).where(scope.where(Registration) & (Registration.created_at >= start) & (Registration.created_at < end))
    if units is not None:
        if not units:
            return []
        visits = visits.where(Visit.unit.is_in(units))
        registrations = registrations.where(Registration.unit.is_in(units))
    found: list[tuple[datetime, str, dict[str, str]]] = []
    for v in await visits:
        sealed.open_row(Registration, v, "id_number", aliases={"reg_phone": "phone"})
        sealed.open_row(VisitorPass, v, "guest_phone", aliases={"pass_phone": "guest_phone"})
        phone = v["pass_phone"] or v["reg_phone"] or ""
        if not rules.is_the_person(person, name=v["guest_name"], phone=phone, id_number=v["id_number"] or ""):
            continue
        source = "invitation" if v["pass_id"] else (v["reg_kind"] or "walk_in")
        found.append((v["entered_at"], str(v["id"]), {
            "record": tr(RECORD_NAMES["visit"]), "source": named(SOURCE_NAMES, source), "visitor": v["guest_name"],
            "phone": phone, "id_type": v["id_type"] or "", "id_number": v["id_number"] or "",
            "unit": v["unit_label"] or "", "purpose": named(PURPOSE_NAMES, v["purpose"] or ""),
            "party_size": str(v["party_size"] or ""), "vehicle": v["vehicle_plate"] or "",
            "arrived": _local(v["entered_at"], tz), "entry_gate": v["entry_gate"] or "",
            "admitted_by": v["admitted_by"] or "", "left": _local(v["exited_at"], tz),
            "exit_gate": v["exit_gate"] or "", "outcome": named(OUTCOME_NAMES, "left" if v["exited_at"] else "inside"),
        }))
    regs = await registrations
    admitted = set()
    if regs:
        admitted = {r["registration"] for r in await Visit.select(Visit.registration).where(
            scope.where(Visit) & Visit.registration.is_in([r["id"] for r in regs]))}
    for r in regs:
        if r["id"] in admitted:
            continue  # its visit is the row
        sealed.open_row(Registration, r)
        if not rules.is_the_person(person, name=r["name"], phone=r["phone"], id_number=r["id_number"]):
            continue
        found.append((r["created_at"], str(r["id"]), {
            "record": tr(RECORD_NAMES["registration"]), "source": named(SOURCE_NAMES, r["kind"]),
            "visitor": r["name"], "phone": r["phone"], "id_type": r["id_type"], "id_number": r["id_number"],
            "unit": r["unit_label"] or "", "purpose": named(PURPOSE_NAMES, r["purpose"] or ""),
            "party_size": str(r["party_size"] or ""), "vehicle": r["vehicle_plate"] or "",
            "arrived": _local(r["created_at"], tz), "entry_gate": r["gate"] or "", "admitted_by": r["guard"] or "",
            "left": "", "exit_gate": "", "outcome": named(OUTCOME_NAMES, r["state"]),
        }))
    found.sort(key=lambda item: (item[0], item[1]))
    return [row for _, _, row in found]


def _headings(language: str) -> list[str]:
    return [i18n.gettext_in(language, heading) for _, heading in rules.COLUMNS]


# Recording ----------------------------------------------------------------------------------


async def _unit_id(scope: Scope, label: str) -> UUID | None:
    row = await Unit.select(Unit.id).where(scope.where(Unit) & (Unit.label == label.strip().upper())).first()
    return row["id"] if row else None


async def _kept_photo(scope: Scope, kept: str) -> UUID | None:
    """A document photo this person uploaded with a form that came back, not yet used."""
    try:
        upload_id = as_uuid(kept.strip()) if kept.strip() else None
    except ValueError:
        return None
    if upload_id is None:
        return None
    row = await Upload.select(Upload.id).where(
        (Upload.id == upload_id) & (Upload.estate == scope.estate_id) & (Upload.uploaded_by == scope.person_id)
        & (Upload.purpose == PHOTO_PURPOSE)).first()
    if row is None or await Disclosure.exists().where(Disclosure.document_photo == upload_id):
        return None
    return upload_id


async def record_authority(scope: Scope, req: rules.Request, *, photo: bytes | None, kept_photo: str = "",
                           language: str = i18n.DEFAULT_LANGUAGE) -> UUID:
    """A manager hands records to an authority: the disclosure, its extract and its digest, the
    audit entry and the notices to the estate's admins and other managers, in one transaction.
    ``InvalidKept`` for bad input, with the photo kept when it was good."""
    if not scope.has(Role.MANAGER):
        raise Forbidden()
    req.kind = Kind.AUTHORITY.value
    errors: dict[str, str] = {}
    cleaned = None
    if photo is not None:
        try:
            cleaned = await uploads.check(photo, field="document_photo")
        except Invalid as exc:
            errors.update(exc.errors)
    kept = None if cleaned is not None else await _kept_photo(scope, kept_photo)  # kept even if a new file was bad
    problems, days = rules.check(req, today=_today(scope), has_photo=cleaned is not None or kept is not None or
                                 "document_photo" in errors)
    unit_id = None
    if req.unit.strip() and "unit" not in problems:
        unit_id = await _unit_id(scope, req.unit)
        if unit_id is None:
            problems["unit"] = "unit_unknown"
    errors = {**_invalid(problems), **errors}
    if errors or days is None:
        if cleaned is not None:  # a good photo is kept, so the form can come back with it
            kept = await uploads.keep(scope.estate_id, scope.person_id, cleaned, PHOTO_PURPOSE)
        raise InvalidKept(errors, kept)
    person = rules.Person.asked(req.asked_name, req.asked_phone, req.asked_id_number)
    rows = await _matching(scope, days, [unit_id] if unit_id else None, person, language)
    return await _store(scope, req, days, rows, language, unit_id=unit_id, resident=None, cleaned=cleaned,
                        kept=kept)


async def _store(scope: Scope, req: rules.Request, days: rules.Days, rows: list[dict[str, str]], language: str, *,
                 unit_id: UUID | None, resident: UUID | None, cleaned=None, kept: UUID | None = None) -> UUID:
    text = rules.to_csv(_headings(language), rows)
    sha = rules.digest(text)
    disclosure_id = uuid4()
    authority = req.kind == Kind.AUTHORITY.value
    kept_new: list[UUID] = []
    try:
        async with write_transaction():
            photo_id = kept
            if cleaned is not None:
                photo_id = await uploads.keep(scope.estate_id, scope.person_id, cleaned, PHOTO_PURPOSE)
                kept_new.append(photo_id)
            await Disclosure.insert(Disclosure(**sealed.seal(Disclosure, dict(
                id=disclosure_id, estate=scope.estate_id, kind=req.kind,
                authority=req.authority if authority else "",
                authority_name=req.authority_name.strip() if authority else "",
                officer_name=req.officer_name.strip(), officer_badge=req.officer_badge.strip(),
                case_reference=req.case_reference.strip(), document=req.document.strip(), document_photo=photo_id,
                resident=resident, asked_name=req.asked_name.strip(), asked_phone=req.asked_phone.strip(),
                asked_id_number=req.asked_id_number.strip(), asked_unit=unit_id,
                since_day=days.first.isoformat(), until_day=days.last.isoformat(),
                handed_over=req.handed_over.strip(), row_count=len(rows), extract_csv=text, extract_sha256=sha,
                disclosed_by=scope.person_id, created_at=utcnow(),
            ))))
            if authority:
                others = [p for p in await notify.holders(scope.estate_id, Role.MANAGER, Role.ADMIN)
                          if p != scope.person_id]
                await notify.queue(scope.estate_id, others, Note.RECORDS_DISCLOSED, params={
                    "name": scope.viewer.name, "authority": req.authority, "case": req.case_reference.strip()[:80],
                    "count": len(rows)}, url=notify.page(scope, "disclosure_detail", disclosure_id=disclosure_id),
                    subject=disclosure_id)
            await audit.record("records.disclosed" if authority else "records.resident_lookup",
                               actor=scope.person_id, estate=scope.estate_id, subject=disclosure_id,
                               kind=req.kind, authority=req.authority if authority else "",
                               case=req.case_reference.strip()[:80], rows=len(rows), sha256=sha,
                               since=days.first.isoformat(), until=days.last.isoformat(),
                               resident=str(resident) if resident else "")
    except BaseException:
        await uploads.forget(scope.estate_id, kept_new)
        raise
    return disclosure_id


@dataclass
class Household:
    unit: UUID | None  # None: no unit of that number here (or none typed yet)
    members: list[dict]  # id, name, relation


async def household(scope: Scope, label: str) -> Household:
    """The people of a unit's household, for the desk to pick the resident who asks."""
    if not scope.has(Role.FRONT_DESK):
        raise Forbidden()
    label = label.strip()
    unit_id = await _unit_id(scope, label) if label and len(label) <= rules.LIMITS["unit"] else None
    if unit_id is None:
        return Household(None, [])
    rows = await HouseholdMember.select(
        HouseholdMember.person.as_alias("id"), HouseholdMember.person.name.as_alias("name"), HouseholdMember.relation,
    ).where(scope.where(HouseholdMember) & (HouseholdMember.unit == unit_id)
            & (HouseholdMember.person.active.eq(True))).order_by(HouseholdMember.person.name)
    return Household(unit_id, rows)


async def record_resident_lookup(scope: Scope, req: rules.Request, *,
                                 language: str = i18n.DEFAULT_LANGUAGE) -> UUID:
    """The desk checked a visitor record for a resident: what was shown is their household's
    records only (phones and ID numbers masked), kept as it was shown."""
    if not scope.has(Role.FRONT_DESK):
        raise Forbidden()
    req.kind = Kind.RESIDENT.value
    problems, days = rules.check(req, today=_today(scope), has_photo=False)
    resident = None
    home = await household(scope, req.unit) if "unit" not in problems else Household(None, [])
    if home.unit is None and "unit" not in problems:
        problems["unit"] = "unit_missing" if not req.unit.strip() else "unit_unknown"
        problems.pop("resident", None)  # the unit first: its household is then offered
    elif home.unit is not None and "resident" not in problems:
        chosen = req.resident.strip()
        resident = next((m["id"] for m in home.members if str(m["id"]) == chosen), None)
        if resident is None:
            problems["resident"] = "resident_missing"
    if problems or days is None or resident is None or home.unit is None:
        raise Invalid(_invalid(problems))
    person = rules.Person.asked(req.asked_name, req.asked_phone, "")
    req.asked_id_number = ""
    rows = [rules.masked(row) for row in await _matching(scope, days, [home.unit], person, language)]
    return await _store(scope, req, days, rows, language, unit_id=home.unit, resident=resident)


# Reading ------------------------------------------------------------------------------------

COLUMNS = (
    *Disclosure.all_columns(),
    Disclosure.disclosed_by.name.as_alias("disclosed_by_name"),
    Disclosure.resident.name.as_alias("resident_name"),
    Disclosure.asked_unit.label.as_alias("unit_label"),
)


async def visible(scope: Scope, disclosure_id: UUID | str) -> dict:
    """A disclosure of this estate that this person may see: managers and admins every one, the
    front desk residents' look-ups; NotFound otherwise."""
    try:
        did = as_uuid(disclosure_id)
    except ValueError as exc:
        raise NotFound() from exc
    row = await Disclosure.select(*COLUMNS).where((Disclosure.id == did) & scope.where(Disclosure)).first()
    if row is None:
        raise NotFound()
    if not scope.has(*VIEWERS) and not (scope.has(Role.FRONT_DESK) and row["kind"] == Kind.RESIDENT.value):
        raise NotFound()
    return sealed.open_row(Disclosure, row)


@dataclass
class Shown:
    row: dict
    lines: list[list[str]]  # the stored CSV's lines, headings first


async def detail(scope: Scope, disclosure_id: UUID) -> Shown:
    row = await visible(scope, disclosure_id)
    return Shown(row, rules.read_csv(row["extract_csv"]))


async def extract(scope: Scope, disclosure_id: UUID) -> tuple[bytes, dict]:
    """The extract's bytes exactly as stored, opened (and checked against their digest), and its record."""
    row = await visible(scope, disclosure_id)
    data = row["extract_csv"].encode("utf-8")
    if rules.digest(row["extract_csv"]) != row["extract_sha256"]:
        raise RuntimeError(f"disclosure {row['id']}: the stored extract does not match its digest")
    return data, row


async def past(scope: Scope, limit: int = 100) -> list[dict]:
    """The estate's latest disclosures, newest first (managers and admins)."""
    if not scope.has(*VIEWERS):
        raise Forbidden()
    return await Disclosure.select(
        Disclosure.id, Disclosure.kind, Disclosure.authority, Disclosure.authority_name, Disclosure.officer_name,
        Disclosure.officer_badge, Disclosure.case_reference, Disclosure.row_count, Disclosure.since_day,
        Disclosure.until_day, Disclosure.extract_sha256, Disclosure.created_at, Disclosure.handed_over,
        Disclosure.disclosed_by.name.as_alias("disclosed_by_name"), Disclosure.resident.name.as_alias("resident_name"),
    ).where(scope.where(Disclosure)).order_by(Disclosure.created_at, ascending=False).limit(limit)


async def document_photo(scope: Scope, disclosure_id: UUID) -> bytes:
    if not scope.has(*VIEWERS):
        raise NotFound()
    row = await visible(scope, disclosure_id)
    if row["document_photo"] is None:
        raise NotFound()
    return await uploads.read(scope.estate_id, row["document_photo"])


async def kept_photo(scope: Scope, upload_id: UUID) -> bytes:
    """A document photo kept with a form that came back, for its preview (its uploader only)."""
    kept = await _kept_photo(scope, str(upload_id))
    if kept is None:
        raise NotFound()
    return await uploads.read(scope.estate_id, kept)


__all__ = ["record_authority", "record_resident_lookup", "household", "visible", "detail", "extract", "past",
           "document_photo", "kept_photo", "InvalidKept"]
