"""What a notification says: its title and body in the reader's language, the actions it
offers, the message a push carries, and the token that lets a service worker answer.

Texts are built from the row's params when shown or sent, in the language of the person
reading (a push goes out in the recipient's chosen language), so a notification queued while
someone used English still reads in Chinese for a Chinese-reading household member. Nothing
here touches the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections import defaultdict

from app import i18n
from app.domain.disclosure import AUTHORITY_NAMES
from app.domain.incidents import KIND_NAMES as INCIDENT_NAMES
from app.domain.notifications import ACTIONS, Kind
from app.i18n import N_
from app.services import notify
from app.settings import get_settings

# Title and body per kind; ``%(name)s`` placeholders are filled from the row's params.
TEXTS: dict[Kind, tuple[str, str]] = {
    Kind.VISITOR_ARRIVED: (N_("Visitor arrived"), N_("Your guest %(guest)s arrived at %(gate)s.")),
    Kind.VISITOR_LEFT: (N_("Visitor left"), N_("Your guest %(guest)s left through %(gate)s.")),
    Kind.CONSENT_REQUEST: (N_("Visitor at %(gate)s"), N_("%(visitor)s (%(purpose)s) for %(unit)s. Let them in?")),
    Kind.CONSENT_DECIDED: (N_("Visitor %(decision)s"), N_("%(visitor)s for %(unit)s: %(decision)s by %(decided_by)s.")),
    Kind.ESCALATION: (N_("Decision needed at %(gate)s"),
                      N_("%(visitor)s for %(unit)s: the household cannot be reached and the visitor says it is urgent.")),
    Kind.ESCALATION_DECIDED: (N_("Manager decided: %(decision)s"), N_("%(visitor)s for %(unit)s: %(decision)s by %(decided_by)s.")),
    Kind.EMERGENCY: (N_("Emergency entry for %(unit)s"), N_("%(visitor)s (%(relation)s) was let in at %(gate)s.")),
    Kind.ESCORT_TASK: (N_("Escort needed"), N_("Accompany %(visitor)s from %(gate)s to %(unit)s.")),
    Kind.REFUSED_TO_REGISTER: (N_("Visitor refused to register"), N_("A visitor at %(gate)s refused to register and was turned away.")),
    Kind.PROHIBITED_ITEMS: (N_("Prohibited items at %(gate)s"), N_("%(visitor)s was refused entry: %(items)s.")),
    Kind.SLIP_CONSENT_REQUEST: (N_("Goods release for %(unit)s"),
                                N_("%(requester)s (%(relation)s) asks to take out %(items)s on %(day)s. Do you agree?")),
    Kind.SLIP_CONSENT_DECIDED: (N_("Goods release %(decision)s"), N_("%(unit)s, %(items)s: %(decision)s by %(decided_by)s.")),
    Kind.SLIP_DESK_REVIEW: (N_("Goods release slip to check"), N_("%(unit)s, %(requester)s: %(items)s on %(day)s.")),
    Kind.SLIP_SUPERVISOR_REVIEW: (N_("Goods release slip to approve"),
                                  N_("%(unit)s, %(requester)s: %(items)s on %(day)s; checked by %(decided_by)s.")),
    Kind.SLIP_APPROVED: (N_("Goods release approved"), N_("%(unit)s, %(items)s on %(day)s: show the slip's QR code at the gate.")),
    Kind.SLIP_RETURNED: (N_("Goods release slip sent back"), N_("%(unit)s, %(items)s: %(note)s")),
    Kind.SLIP_REFUSED: (N_("Goods release refused"), N_("%(unit)s, %(items)s: refused by %(decided_by)s. %(note)s")),
    Kind.SLIP_RELEASED: (N_("Goods released at %(gate)s"), N_("%(unit)s, %(items)s left the estate.")),
    Kind.SLIP_HELD: (N_("Goods held at %(gate)s"), N_("%(unit)s, %(items)s: %(note)s Amend the slip with the front desk.")),
    Kind.PERMIT_DECIDED: (N_("Standing goods permit %(decision)s"), N_("%(unit)s: %(goods)s.")),
    Kind.ACTION_REVIEW: (N_("Check an action by %(guard)s"), N_("%(problem)s")),
    Kind.HANDOVER_OVERDUE: (N_("Handover not acknowledged"),
                            N_("%(name)s handed over the %(post)s at %(time)s; no one has acknowledged it yet.")),
    Kind.ROUND_NOT_STARTED: (N_("Patrol round not started"), N_("%(route)s: the round due at %(time)s has not been started.")),
    Kind.INCIDENT_URGENT: (N_("Urgent: %(incident)s"), N_("%(place)s, reported by %(guard)s.")),
    Kind.INCIDENT_DISPATCHED: (N_("Go to: %(incident)s"), N_("%(place)s. Sent by %(decided_by)s.")),
    Kind.REQUEST_NEW: (N_("New %(kind)s from %(unit)s"), N_("%(text)s")),
    Kind.REQUEST_ASSIGNED: (N_("%(kind)s for %(unit)s handed to you"), N_("%(text)s")),
    Kind.REQUEST_DONE: (N_("Your %(kind)s is done"), N_("%(unit)s: %(note)s Is it resolved?")),
    Kind.LOST_ITEM_FOUND: (N_("An item like yours was found"),
                           N_("%(item)s, found at %(place)s. Collect it at the front desk; bring proof it is yours.")),
    Kind.RECORDS_DISCLOSED: (N_("Visitor records disclosed to %(authority)s"),
                             N_("%(name)s handed over %(count)s records for case %(case)s.")),
}

KIND_NAMES: dict[Kind, str] = {
    Kind.VISITOR_ARRIVED: N_("My guests arrive"),
    Kind.VISITOR_LEFT: N_("My guests leave"),
    Kind.CONSENT_REQUEST: N_("A visitor asks to come in"),
    Kind.CONSENT_DECIDED: N_("A visitor request was answered"),
    Kind.ESCALATION: N_("A visitor needs a manager's decision"),
    Kind.ESCALATION_DECIDED: N_("A manager decided on a visitor"),
    Kind.EMERGENCY: N_("Emergency entries"),
    Kind.ESCORT_TASK: N_("Escort tasks"),
    Kind.REFUSED_TO_REGISTER: N_("Visitors who refused to register"),
    Kind.PROHIBITED_ITEMS: N_("Prohibited items found"),
    Kind.SLIP_CONSENT_REQUEST: N_("A goods release for my unit asks for my consent"),
    Kind.SLIP_CONSENT_DECIDED: N_("A goods release consent was answered"),
    Kind.SLIP_DESK_REVIEW: N_("A goods release slip waits for the front desk"),
    Kind.SLIP_SUPERVISOR_REVIEW: N_("A goods release slip waits for the second approval"),
    Kind.SLIP_APPROVED: N_("My goods release slip is approved"),
    Kind.SLIP_RETURNED: N_("My goods release slip was sent back"),
    Kind.SLIP_REFUSED: N_("My goods release slip was refused"),
    Kind.SLIP_RELEASED: N_("My goods left the estate"),
    Kind.SLIP_HELD: N_("Goods held at a gate"),
    Kind.PERMIT_DECIDED: N_("My standing goods permit was decided"),
    Kind.ACTION_REVIEW: N_("Guard actions to check"),
    Kind.HANDOVER_OVERDUE: N_("Handovers not acknowledged in time"),
    Kind.ROUND_NOT_STARTED: N_("Patrol rounds not started in time"),
    Kind.INCIDENT_URGENT: N_("Urgent incidents"),
    Kind.INCIDENT_DISPATCHED: N_("Incidents I am sent to"),
    Kind.REQUEST_NEW: N_("A resident raised an enquiry, complaint or repair"),
    Kind.REQUEST_ASSIGNED: N_("A request was handed to me"),
    Kind.REQUEST_DONE: N_("My request is done"),
    Kind.LOST_ITEM_FOUND: N_("An item I lost may have been found"),
    Kind.RECORDS_DISCLOSED: N_("Visitor records were disclosed to an authority"),
}

ACTION_NAMES = {
    "approve": N_("Approve"),
    "refuse": N_("Refuse"),
    "admit": N_("Admit"),
    "turn_away": N_("Turn away"),
    "acknowledge": N_("I'm on it"),
    "satisfied": N_("Resolved, satisfied"),
    "not_resolved": N_("Not resolved"),
}

DECISION_NAMES = {
    "approved": N_("approved"),
    "refused": N_("refused"),
    "timeout": N_("not answered in time"),
    "unreachable": N_("not answered in time"),
    "admitted": N_("admitted"),
    "turned_away": N_("turned away"),
    "admit": N_("admitted"),
    "turn_away": N_("turned away"),
    "escalated": N_("passed to the manager"),
    "granted": N_("granted"),
    "followed_up": N_("answered"),
}

PURPOSE_NAMES = {
    "family_friend": N_("Family or friend"),
    "domestic_help": N_("Domestic help"),
    "repair": N_("Repair"),
    "delivery": N_("Delivery"),
    "other": N_("Other"),
}

RELATION_NAMES = {
    "owner": N_("owner"),
    "tenant": N_("tenant"),
    "family": N_("family member"),
    "contractor": N_("contractor"),
}

# What a review item is about (``app/domain/conflicts.py``), as a sentence.
PROBLEM_NAMES = {
    "double_admission": N_("A pass was admitted again while its holder was inside or its entries were used up."),
    "admitted_after_revocation": N_("A pass the resident had cancelled was admitted with no signal."),
    "admitted_outside_window": N_("A pass was admitted outside its valid time with no signal."),
    "admitted_watchlisted": N_("A guest on the watchlist was admitted with no signal."),
    "exit_without_entry": N_("An exit was recorded for a visitor who was never admitted."),
    "refused": N_("An action sent later from a phone was not accepted."),
}

# What a resident's request is, and what kind of item was found, inside a sentence.
REQUEST_KIND_NAMES = {
    "enquiry": N_("enquiry"),
    "complaint": N_("complaint"),
    "visitor_complaint": N_("complaint about the visitor process"),
    "repair": N_("repair request"),
}
ITEM_NAMES = {
    "keys": N_("keys"), "wallet": N_("a wallet or purse"), "phone": N_("a phone"), "bag": N_("a bag"),
    "card": N_("a card"), "clothing": N_("clothing"), "umbrella": N_("an umbrella"), "jewellery": N_("jewellery"),
    "documents": N_("documents"), "toy": N_("a toy"), "other": N_("an item"),
}

# Each placeholder may arrive under another name from older callers.
ALIASES = {"guest": ("guest", "visitor", "name"), "visitor": ("visitor", "guest", "name"),
           "decided_by": ("decided_by", "by")}

ANSWER_SENT = N_("Your answer was sent.")

POST_NAMES = {"lobby": N_("lobby"), "gate": N_("gate"), "patrol": N_("patrol")}  # a shift's post, in a sentence


# -- texts -----------------------------------------------------------------------------------

def tr(language: str, message: str) -> str:
    """A message in a given language, whatever the request's."""
    return i18n.translations(language).gettext(message)


def _values(params: dict, language: str) -> dict[str, str]:
    values: dict[str, str] = defaultdict(str)
    for key, value in params.items():
        if isinstance(value, (str, int, float)):
            values[key] = str(value)
    for name, names in ALIASES.items():
        values[name] = next((values[n] for n in names if values.get(n)), "")
    if values.get("purpose") in PURPOSE_NAMES:
        values["purpose"] = tr(language, PURPOSE_NAMES[values["purpose"]])
    if values.get("relation") in RELATION_NAMES:
        values["relation"] = tr(language, RELATION_NAMES[values["relation"]])
    if values.get("decision") in DECISION_NAMES:
        values["decision"] = tr(language, DECISION_NAMES[values["decision"]])
    if values.get("incident") in INCIDENT_NAMES:
        values["incident"] = tr(language, INCIDENT_NAMES[values["incident"]])  # type: ignore[index]
    if values.get("kind") in REQUEST_KIND_NAMES:
        values["kind"] = tr(language, REQUEST_KIND_NAMES[values["kind"]])
    if values.get("item") in ITEM_NAMES:
        values["item"] = tr(language, ITEM_NAMES[values["item"]])
    if values.get("post") in POST_NAMES:
        values["post"] = tr(language, POST_NAMES[values["post"]])
    if values.get("authority") in AUTHORITY_NAMES:
        values["authority"] = tr(language, AUTHORITY_NAMES[values["authority"]])
    if values.get("problem") in PROBLEM_NAMES:
        values["problem"] = tr(language, PROBLEM_NAMES[values["problem"]])
    return values


def render(kind: Kind | str, params: dict | str | None, language: str) -> tuple[str, str]:
    """(title, body) of a notification in ``language``; unknown kinds read as a plain notice."""
    params = _params(params)
    kind = Kind._value2member_map_.get(kind if isinstance(kind, str) else kind.value)  # type: ignore[assignment]
    if kind is None:
        return tr(language, N_("Notification")), ""
    title, body = TEXTS[kind]  # type: ignore[index]
    values = _values(params, language)
    return tr(language, title) % values, tr(language, body) % values


def actions(kind: Kind | str, language: str) -> list[dict[str, str]]:
    kind = Kind._value2member_map_.get(kind if isinstance(kind, str) else kind.value)  # type: ignore[assignment]
    return [{"action": a, "title": tr(language, ACTION_NAMES[a])} for a in ACTIONS.get(kind, ())]  # type: ignore[arg-type]


def _params(params) -> dict:
    if isinstance(params, str):
        try:
            params = json.loads(params or "{}")
        except ValueError:
            return {}
    return params if isinstance(params, dict) else {}


def push_message(row: dict, language: str) -> dict:
    """What the service worker gets: the text, where a tap leads, and for a decision its
    actions with the token that lets the worker answer without the page's CSRF token.
    Made of the params only: never an ID number or a phone (``notify.queue`` refuses those)."""
    title, body = render(row["kind"], row["params"], language)
    message = {
        "title": title,
        "body": body,
        "url": notify.path("notification_open", notification_id=row["id"]),
        "tag": f"gp-{row['id']}",
        "notification_id": str(row["id"]),
        "actions": actions(row["kind"], language),
    }
    if message["actions"]:
        message["action_url"] = notify.path("notification_act", notification_id=row["id"])
        message["token"] = action_token(row["id"], row["person"])
        message["answered"] = tr(language, ANSWER_SENT)
    return message


# -- the action token ------------------------------------------------------------------------

def action_token(notification_id, person_id) -> str:
    """HMAC of the notification and its recipient: the service worker cannot read the CSRF
    cookie, so an action posted from a notification proves itself with this instead. Another
    site cannot know it; it opens nothing but this one notification's answer."""
    message = f"notification-act:{notification_id}:{person_id}".encode()
    digest = hmac.new(get_settings().secret_key.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_ok(notification_id, person_id, token: str) -> bool:
    return bool(token) and hmac.compare_digest(action_token(notification_id, person_id), token)
