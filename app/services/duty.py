"""The duty log's use cases: start a shift at a post (the last post remembered), write entries
(a quick one in a tap, or typed with a kind, a unit and a photo), edit one's own entry until the
shift is handed over, and annotate any entry at any time (kept with author and time).

Entries are frozen in the same transaction that hands the shift over (``handovers.hand_over``);
an edit is one conditional UPDATE on ``frozen = false``, so an edit racing the handover either
lands before it or finds the entry frozen.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID, uuid4

from app.db import is_integrity_error, write_transaction
from app.domain import duty as rules
from app.domain.duty import EntryKind, Post, Refusal
from app.domain.live import Topic
from app.domain.roles import Role
from app.i18n import N_
from app.models.duty import DutyEntry, DutyNote, Shift
from app.models.estates import Unit
from app.services import audit, idempotency, live, notify, uploads
from app.services.clock import utcnow
from app.services.errors import Invalid, NotFound
from app.services.idempotency import Action
from app.services.scope import Scope, as_uuid

POST_INVALID = N_("Choose the lobby, the gate or patrol.")
KIND_INVALID = N_("Choose what kind of entry this is.")
TEXT_MISSING = N_("Write what happened.")
TEXT_TOO_LONG = N_("Keep it under 1000 characters.")
UNIT_UNKNOWN = N_("There is no unit with this label in the estate.")
NOT_ON_DUTY = N_("Start your shift first: the log belongs to a shift.")
FROZEN = N_("This shift was handed over: the entry can no longer be changed. Add a note instead.")
NOT_AUTHOR = N_("Only the person who wrote an entry can change it. Add a note instead.")
QUICK_UNKNOWN = N_("That quick entry does not exist.")

QUICK_TEXTS = {  # the quick entries' texts, shown in the reader's language
    "parcel": N_("Parcel received for a resident"),
    "visitor_registered": N_("Visitor registered at the desk"),
    "light_out": N_("Light out in the lobby"),
    "lobby_cleaned": N_("Lobby checked and clean"),
    "rounds_done": N_("Rounds done, all in order"),
    "noise": N_("Noise complaint received"),
}

ENTRY_COLUMNS = (
    DutyEntry.id, DutyEntry.kind, DutyEntry.text, DutyEntry.quick, DutyEntry.next_shift, DutyEntry.created_at,
    DutyEntry.edited_at, DutyEntry.frozen, DutyEntry.photo, DutyEntry.shift, DutyEntry.author,
    DutyEntry.unit.label.as_alias("unit_label"), DutyEntry.author.name.as_alias("author_name"),
    DutyEntry.shift.post.as_alias("post"),
)


def changed(estate_id: UUID) -> None:
    """The estate's handover pages show something new: a log entry, a handover, an
    acknowledgement (told once the transaction commits; app/services/live.py)."""
    live.changed(Topic.HANDOVER, estate=estate_id)


async def on_duty(scope: Scope) -> dict | None:
    """The viewer's shift in progress in this estate, if any."""
    return await Shift.select(Shift.id, Shift.post, Shift.started_at).where(
        scope.where(Shift) & (Shift.person == scope.person_id) & Shift.ended_at.is_null()
    ).first()


async def supervisors_to_alert(estate_id: UUID) -> list[UUID]:
    """"The supervisor on duty": the estate's active supervisors with a shift open now, or every
    active supervisor of the estate when none is on shift (an alert must reach someone)."""
    everyone = await notify.holders(estate_id, Role.SUPERVISOR)
    if not everyone:
        return []
    on_shift = {r["person"] for r in await Shift.select(Shift.person).where(
        (Shift.estate == estate_id) & Shift.ended_at.is_null() & Shift.person.is_in(everyone))}
    return [p for p in everyone if p in on_shift] or everyone


async def remembered_post(scope: Scope) -> Post:
    last = await Shift.select(Shift.post).where(
        scope.where(Shift) & (Shift.person == scope.person_id)
    ).order_by(Shift.started_at, ascending=False).first()
    return rules.post_for(scope.roles, last["post"] if last else None)


async def start_shift(scope: Scope, post: str = "") -> dict:
    """Start the viewer's shift at ``post`` (the remembered one when empty). A second start while
    on duty, or two racing, leaves the one shift (the database allows one open shift each)."""
    chosen = post or (await remembered_post(scope)).value
    if chosen not in Post._value2member_map_:
        raise Invalid({"post": POST_INVALID})
    current = await on_duty(scope)
    if current:
        return {"started": False, **current}
    now = utcnow()
    shift_id = uuid4()
    try:
        async with write_transaction():
            await Shift.insert(Shift(id=shift_id, estate=scope.estate_id, person=scope.person_id, post=chosen,
                                     started_at=now))
            await audit.record("shift.start", actor=scope.person_id, estate=scope.estate_id, subject=shift_id,
                               post=chosen)
    except Exception as exc:
        if not is_integrity_error(exc):
            raise
        current = await on_duty(scope)
        if current is None:
            raise
        return {"started": False, **current}
    return {"started": True, "id": shift_id, "post": chosen, "started_at": now}


@dataclass
class NewEntry:
    kind: str = ""
    text: str = ""
    unit: str = ""
    next_shift: bool = False
    quick: str = ""
    photo: bytes | None = None


async def _unit_id(scope: Scope, label: str) -> UUID | None:
    label = label.strip().upper()
    if not label:
        return None
    row = await Unit.select(Unit.id).where(scope.where(Unit) & (Unit.label == label)).first()
    if row is None:
        raise Invalid({"unit": UNIT_UNKNOWN})
    return row["id"]


async def add_entry(scope: Scope, act: Action, form: NewEntry) -> dict:
    """A log entry in the viewer's shift: a quick one (its key), or typed (kind and text). Once per
    key (the phone's: a double tap, or an entry kept on the phone with no signal and sent later,
    is logged once), timed when it was made on the phone. Returns ``{"entry_id": ...}``."""
    earlier = await idempotency.previous(act)  # a replay: its photo must not be kept twice
    if earlier is not None:
        return earlier
    shift = await on_duty(scope)
    if shift is None:
        raise Invalid({"__all__": NOT_ON_DUTY})
    errors: dict[str, str] = {}
    text = form.text.strip()
    if form.quick:
        quick = rules.QUICK_BY_KEY.get(form.quick)
        if quick is None:
            raise Invalid({"__all__": QUICK_UNKNOWN})
        kind = quick.kind.value
    else:
        kind = form.kind
        if kind not in EntryKind._value2member_map_:
            errors["kind"] = KIND_INVALID
        if not text:
            errors["text"] = TEXT_MISSING
    if len(text) > rules.TEXT_MAX:
        errors["text"] = TEXT_TOO_LONG
    try:
        unit_id = await _unit_id(scope, form.unit)
    except Invalid as exc:
        errors.update(exc.errors)
        unit_id = None
    photo = None
    if form.photo and "photo" not in errors:
        try:
            photo = await uploads.check(form.photo, field="photo")
        except Invalid as exc:
            errors.update(exc.errors)
    if errors:
        raise Invalid(errors)
    entry_id = uuid4()
    kept: list[UUID] = []

    async def work() -> dict:
        photo_id = None
        if photo is not None:
            photo_id = await uploads.keep(scope.estate_id, scope.person_id, photo, "duty_photo")
            kept.append(photo_id)
        await DutyEntry.insert(DutyEntry(
            id=entry_id, estate=scope.estate_id, shift=shift["id"], author=scope.person_id, kind=kind, text=text,
            quick=form.quick, unit=unit_id, photo=photo_id, next_shift=form.next_shift and not form.quick,
            created_at=act.timing.happened_at,
        ))
        await audit.record("duty.entry", actor=scope.person_id, estate=scope.estate_id, subject=entry_id, kind=kind)
        changed(scope.estate_id)
        return {"entry_id": str(entry_id)}

    return await uploads.once_keeping(act, "duty_entry", scope.estate_id, work, kept, ("entry_id", entry_id))


async def shift_log(scope: Scope, shift_id: UUID) -> list[dict]:
    return await DutyEntry.select(*ENTRY_COLUMNS).where(
        scope.where(DutyEntry) & (DutyEntry.shift == shift_id)
    ).order_by(DutyEntry.created_at, ascending=False)


async def entries_in_shift(scope: Scope, shift_id: UUID) -> int:
    return await DutyEntry.count().where(scope.where(DutyEntry) & (DutyEntry.shift == shift_id))


async def recent_log(scope: Scope, limit: int = 50) -> list[dict]:
    """The estate's latest entries, every post and shift, newest first."""
    return await DutyEntry.select(*ENTRY_COLUMNS).where(scope.where(DutyEntry)).order_by(
        DutyEntry.created_at, ascending=False).limit(limit)


async def entry(scope: Scope, entry_id: UUID | str) -> dict:
    try:
        eid = as_uuid(entry_id)
    except ValueError as exc:
        raise NotFound() from exc
    row = await DutyEntry.select(*ENTRY_COLUMNS).where(scope.where(DutyEntry) & (DutyEntry.id == eid)).first()
    if row is None:
        raise NotFound()
    row["notes"] = await DutyNote.select(
        DutyNote.id, DutyNote.text, DutyNote.created_at, DutyNote.author.name.as_alias("author_name"),
    ).where(scope.where(DutyNote) & (DutyNote.entry == eid)).order_by(DutyNote.created_at)
    refusal = rules.edit_refusal(frozen=row["frozen"], author_is_editor=row["author"] == scope.person_id)
    row["can_edit"] = refusal is None
    return row


async def edit_entry(scope: Scope, entry_id: UUID, text: str) -> None:
    """The author changes the text, until the shift is handed over."""
    row = await entry(scope, entry_id)
    text = text.strip()
    if not text:
        raise Invalid({"text": TEXT_MISSING})
    if len(text) > rules.TEXT_MAX:
        raise Invalid({"text": TEXT_TOO_LONG})
    async with write_transaction():
        moved = await DutyEntry.update({DutyEntry.text: text, DutyEntry.edited_at: utcnow()}).where(
            (DutyEntry.id == row["id"]) & (DutyEntry.author == scope.person_id) & DutyEntry.frozen.eq(False)
        ).returning(DutyEntry.id)
        if moved:
            # The words stay on the entry (where retention erases them), not in the chained log.
            await audit.record("duty.entry_edit", actor=scope.person_id, estate=scope.estate_id, subject=row["id"],
                               before_chars=len(row["text"]))
    if not moved:
        again = await entry(scope, entry_id)
        refusal = rules.edit_refusal(frozen=again["frozen"], author_is_editor=again["author"] == scope.person_id)
        raise Invalid({"text": NOT_AUTHOR if refusal == Refusal.NOT_AUTHOR else FROZEN})


async def annotate(scope: Scope, entry_id: UUID, text: str) -> UUID:
    """A note on an entry, at any time, by any duty staff; never edited, kept with author and time."""
    row = await entry(scope, entry_id)
    text = text.strip()
    if not text:
        raise Invalid({"note": TEXT_MISSING})
    if len(text) > rules.TEXT_MAX:
        raise Invalid({"note": TEXT_TOO_LONG})
    note_id = uuid4()
    async with write_transaction():
        await DutyNote.insert(DutyNote(id=note_id, estate=scope.estate_id, entry=row["id"], author=scope.person_id,
                                       text=text, created_at=utcnow()))
        await audit.record("duty.note", actor=scope.person_id, estate=scope.estate_id, subject=row["id"])
    return note_id


async def photo(scope: Scope, entry_id: UUID) -> bytes:
    row = await entry(scope, entry_id)
    if row["photo"] is None:
        raise NotFound()
    return await uploads.read(scope.estate_id, row["photo"])
