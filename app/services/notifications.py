"""A person's notifications: the in-app list (nothing depends on push; the unread count
comes with the session, ``sessions.resolve``), answering the decisions a notification asks for,
and the devices that receive push with the kinds chosen for each. What a notification says is
in ``notification_texts``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from app import i18n
from app.domain.live import Topic
from app.domain.notifications import ACTIONS, ALWAYS_PUSHED, Kind, parse_kinds
from app.domain.push import MAX_ENDPOINT_LENGTH, endpoint_allowed, kinds_for
from app.i18n import N_
from app.models.notifications import Notification, PushSubscription
from app.models.people import Person
from app.services import decisions, live, ratelimit
from app.services.clock import utcnow
from app.services.errors import Forbidden, Invalid, NotFound
from app.services.scope import Viewer, as_uuid, scope_in
from app.services.notification_texts import (
    KIND_NAMES, action_token, actions, render, token_ok, tr,
)
from app.settings import get_settings

LIST_LIMIT = 100

REFUSED_ENDPOINT = N_("This browser's push service is not one this server may call, so notifications cannot be sent to it. You will still see them in the app.")
BAD_SUBSCRIPTION = N_("This browser sent an incomplete subscription. Try again, or use the in-app list.")
TOO_MANY_NEW_DEVICES = N_("Notifications were turned on too many times in the last minute. Please wait a minute and try again.")
UNKNOWN_ACTION = N_("That answer is not one this notification offers.")
ALREADY_DECIDED = N_("This was already decided, or the time to answer has run out.")


# -- the in-app list -------------------------------------------------------------------------

@dataclass(frozen=True)
class Item:
    id: UUID
    kind: str
    title: str
    body: str
    created_at: datetime
    unread: bool
    estate_name: str
    timezone: str
    actions: list[dict[str, str]]  # open decisions only
    outcome: str  # how a decision ended, e.g. "approved by Wang Fang", else ""
    token: str


async def list_for(viewer: Viewer, language: str | None = None) -> list[Item]:
    """The person's own notifications across their estates, newest first."""
    language = language or i18n.current_language()
    rows = await Notification.select(
        Notification.id, Notification.kind, Notification.params, Notification.created_at,
        Notification.read_at, Notification.subject, Notification.person,
        Notification.estate.name.as_alias("estate_name"), Notification.estate.timezone.as_alias("timezone"),
    ).where(Notification.person == viewer.person_id).order_by(Notification.created_at, ascending=False).limit(LIST_LIMIT)
    states = await _decision_states(rows, language)
    items = []
    for row in rows:
        title, body = render(row["kind"], row["params"], language)
        state = states.get(row["subject"]) if row["kind"] in {k.value for k in ACTIONS} else None
        still_open = state is not None and state[0]
        items.append(Item(
            id=row["id"], kind=row["kind"], title=title, body=body, created_at=row["created_at"],
            unread=row["read_at"] is None, estate_name=row["estate_name"] or "",
            timezone=row["timezone"] or "Asia/Shanghai",
            actions=actions(row["kind"], language) if still_open else [],
            outcome=state[1] if state and not still_open else "",
            token=action_token(row["id"], row["person"]) if still_open else "",
        ))
    return items


async def _decision_states(rows: list[dict], language: str) -> dict[str, tuple[bool, str]]:
    """For each decision's subject: whether it is still open, else who decided how. Each kind
    of decision reads its own (``decisions``); this module knows none of them."""
    wanted: dict = {}
    for row in rows:
        decision = decisions.of(row["kind"])
        if decision is None:
            continue
        try:
            wanted.setdefault(decision, []).append(UUID(row["subject"]))
        except (ValueError, TypeError):
            continue
    states: dict[str, tuple[bool, str]] = {}
    for decision, subjects in wanted.items():
        for subject, standing in (await decision.read(subjects)).items():
            if standing.open:
                states[str(subject)] = (True, "")
                continue
            outcome = tr(language, standing.outcome or N_("decided"))
            if standing.decided_by:
                outcome = tr(language, N_("%(decision)s by %(name)s")) % {"decision": outcome, "name": standing.decided_by}
            states[str(subject)] = (False, outcome)
    return states


async def open_one(person_id: UUID, notification_id: UUID) -> str:
    """Mark one of the person's notifications read and return the page it leads to."""
    rows = await Notification.update({Notification.read_at: utcnow()}).where(
        (Notification.id == notification_id) & (Notification.person == person_id) & Notification.read_at.is_null()
    ).returning(Notification.url)
    if rows:
        _read(person_id)
    if not rows:
        row = await Notification.select(Notification.url).where(
            (Notification.id == notification_id) & (Notification.person == person_id)
        ).first()
        if row is None:
            raise NotFound()
        rows = [row]
    return rows[0]["url"] or ""


async def mark_all_read(person_id: UUID) -> int:
    rows = await Notification.update({Notification.read_at: utcnow()}).where(
        (Notification.person == person_id) & Notification.read_at.is_null()
    ).returning(Notification.id)
    if rows:
        _read(person_id)
    return len(rows)


def _read(person_id: UUID) -> None:
    """The person read some: the count on their other pages and devices follows."""
    live.changed(Topic.NOTIFICATIONS, people=[person_id])


# -- answering a decision --------------------------------------------------------------------

@dataclass(frozen=True)
class Answer:
    notification_id: UUID
    action: str
    url: str


async def find_own(person_id: UUID, notification_id: UUID) -> dict:
    """The person's own notification, or NotFound (someone else's looks like none at all)."""
    row = await Notification.select(
        Notification.id, Notification.person, Notification.kind, Notification.subject, Notification.url,
        Notification.estate,
    ).where((Notification.id == notification_id) & (Notification.person == person_id)).first()
    if row is None:
        raise NotFound()
    return row


async def act(viewer: Viewer, notification_id: UUID, action: str, *, token: str = "", csrf_checked: bool = False) -> Answer:
    """Answer the decision a notification asks for, as its recipient, in its estate.

    Posted by the page (with the CSRF token) or by the service worker from the notification's
    action button (with the notification's action token). Marks the notification read.
    """
    row = await find_own(viewer.person_id, notification_id)
    if not csrf_checked and not token_ok(row["id"], row["person"], token):
        raise Forbidden()
    kind = Kind._value2member_map_.get(row["kind"])
    if kind not in ACTIONS or action not in ACTIONS[kind]:  # type: ignore[operator]
        raise Invalid({"action": UNKNOWN_ACTION})
    estate_id = as_uuid(row["estate"]) if row["estate"] else None
    slug = next((g.slug for g in viewer.grants.values() if g.estate.id == estate_id), None)
    if slug is None:
        raise NotFound()
    scope = scope_in(viewer, slug)
    decision = decisions.of(kind)
    if decision is None:
        raise Invalid({"action": UNKNOWN_ACTION})
    try:
        subject = UUID(row["subject"])
    except (ValueError, TypeError) as exc:
        raise NotFound() from exc
    result = await decision.answer(scope, subject, action)
    if await Notification.update({Notification.read_at: utcnow()}).where(
        (Notification.id == row["id"]) & Notification.read_at.is_null()
    ).returning(Notification.id):
        _read(viewer.person_id)
    if not result.get("decided"):
        raise Invalid({"action": result.get("message") or ALREADY_DECIDED})
    return Answer(row["id"], action, row["url"] or "")


# -- devices and the kinds each receives -----------------------------------------------------

@dataclass(frozen=True)
class Device:
    id: UUID
    name: str
    created_at: datetime
    last_sent_at: datetime | None
    kinds: frozenset[Kind]
    endpoint_hash: str


def endpoint_hash(endpoint: str) -> str:
    """How the page recognises "this device" without showing the endpoint."""
    return hashlib.sha256(endpoint.encode()).hexdigest()[:16]


def kind_choices(viewer: Viewer, language: str | None = None) -> list[tuple[str, str, bool]]:
    """(kind, label, always on) for the settings form: the kinds this person's roles receive."""
    language = language or i18n.current_language()
    roles = {role for grant in viewer.grants.values() for role in grant.roles}
    return [(k.value, tr(language, KIND_NAMES[k]), k in ALWAYS_PUSHED) for k in kinds_for(roles)]


async def devices(person_id: UUID) -> list[Device]:
    rows = await PushSubscription.select(
        PushSubscription.id, PushSubscription.device, PushSubscription.created_at,
        PushSubscription.last_sent_at, PushSubscription.kinds, PushSubscription.endpoint,
    ).where(PushSubscription.person == person_id).order_by(PushSubscription.created_at)
    return [Device(r["id"], r["device"], r["created_at"], r["last_sent_at"], parse_kinds(r["kinds"]),
                   endpoint_hash(r["endpoint"])) for r in rows]


# Every notification goes to each of a person's devices: enough for every phone, tablet and
# computer one person uses, and a bound on what one notification costs to send. Turning push on
# is one tap per device; more than a few in a minute is a script, not a person.
MAX_DEVICES = 10
NEW_DEVICES_PER_MINUTE = 5


def _key_bytes(value, length: int, first: int | None = None) -> str:
    if not isinstance(value, str) or not value or len(value) > 200:
        raise Invalid({"__all__": BAD_SUBSCRIPTION})
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as exc:
        raise Invalid({"__all__": BAD_SUBSCRIPTION}) from exc
    if len(raw) != length or (first is not None and raw[0] != first):
        raise Invalid({"__all__": BAD_SUBSCRIPTION})
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


async def subscribe(person_id: UUID, subscription: dict, device: str = "", language: str = "") -> UUID:
    """Store this browser's subscription for the person (a browser has one endpoint: if it was
    someone else's, it is theirs no longer). Refuses endpoints outside the push allow-list.

    A push has no browser to ask for a language: a person who never chose one gets the
    language they are reading now (``language``) as their choice.

    A person keeps at most ``MAX_DEVICES``: the one added longest ago stops getting
    notifications when one more is turned on. More than ``NEW_DEVICES_PER_MINUTE`` requests
    in a minute are refused (RateLimited) before anything is stored."""
    await ratelimit.hit(f"push_subscribe:person:{person_id}", limit=NEW_DEVICES_PER_MINUTE,
                        message=TOO_MANY_NEW_DEVICES)
    if not isinstance(subscription, dict):
        raise Invalid({"__all__": BAD_SUBSCRIPTION})
    endpoint = subscription.get("endpoint")
    keys = subscription.get("keys") if isinstance(subscription.get("keys"), dict) else {}
    if not isinstance(endpoint, str) or not endpoint or len(endpoint) > MAX_ENDPOINT_LENGTH:
        raise Invalid({"__all__": BAD_SUBSCRIPTION})
    if not endpoint_allowed(endpoint, get_settings().push_service_hosts):
        raise Invalid({"endpoint": REFUSED_ENDPOINT})
    p256dh = _key_bytes(keys.get("p256dh"), 65, first=4)
    auth = _key_bytes(keys.get("auth"), 16)
    from app.db import write_transaction

    async with write_transaction():
        await PushSubscription.delete().where(PushSubscription.endpoint == endpoint)
        row = PushSubscription(person=person_id, endpoint=endpoint, p256dh=p256dh, auth=auth, device=device[:60])
        await row.save()
        newest = PushSubscription.select(PushSubscription.id).where(
            PushSubscription.person == person_id
        ).order_by(PushSubscription.created_at, PushSubscription.id, ascending=False).limit(MAX_DEVICES)
        await PushSubscription.delete().where(
            (PushSubscription.person == person_id) & PushSubscription.id.not_in(newest)
        )
        if language in i18n.LANGUAGES:
            await Person.update({Person.locale: language}).where((Person.id == person_id) & (Person.locale == ""))
    return row.id


async def unsubscribe(person_id: UUID, endpoint: str) -> int:
    rows = await PushSubscription.delete().where(
        (PushSubscription.person == person_id) & (PushSubscription.endpoint == endpoint)
    ).returning(PushSubscription.id)
    return len(rows)


async def remove_device(person_id: UUID, device_id: UUID) -> None:
    rows = await PushSubscription.delete().where(
        (PushSubscription.person == person_id) & (PushSubscription.id == device_id)
    ).returning(PushSubscription.id)
    if not rows:
        raise NotFound()


async def set_kinds(viewer: Viewer, device_id: UUID, chosen: list[str]) -> None:
    """The kinds this device is woken for. The always-pushed kinds stay on whatever is sent, and
    kinds the form did not offer (not for this person's roles today) stay on for the day they
    are. Stored as the full list (an empty stored value would mean every kind)."""
    roles = {role for grant in viewer.grants.values() for role in grant.roles}
    offered = set(kinds_for(roles))
    kinds = [k.value for k in Kind if k.value in chosen or k in ALWAYS_PUSHED or k not in offered]
    rows = await PushSubscription.update({PushSubscription.kinds: ",".join(kinds)}).where(
        (PushSubscription.person == viewer.person_id) & (PushSubscription.id == device_id)
    ).returning(PushSubscription.id)
    if not rows:
        raise NotFound()
