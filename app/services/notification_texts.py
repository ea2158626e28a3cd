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
from app.domain.notifications import ACTIONS, Kind
from app.i18n import N_
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
}

ACTION_NAMES = {
    "approve": N_("Approve"),
    "refuse": N_("Refuse"),
    "admit": N_("Admit"),
    "turn_away": N_("Turn away"),
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
}

PURPOSE_NAMES = {
    "family_friend": N_("Family or friend"),
    "domestic_help": N_("Domestic help"),
    "repair": N_("Repair"),
    "delivery": N_("Delivery"),
    "other": N_("Other"),
}

# Each placeholder may arrive under another name from older callers.
ALIASES = {"guest": ("guest", "visitor", "name"), "visitor": ("visitor", "guest", "name"),
           "decided_by": ("decided_by", "by")}

ANSWER_SENT = N_("Your answer was sent.")


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
    if values.get("decision") in DECISION_NAMES:
        values["decision"] = tr(language, DECISION_NAMES[values["decision"]])
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


def open_path(notification_id) -> str:
    return f"/notifications/{notification_id}"


def act_path(notification_id) -> str:
    return f"/notifications/{notification_id}/act"


def push_message(row: dict, language: str) -> dict:
    """What the service worker gets: the text, where a tap leads, and for a decision its
    actions with the token that lets the worker answer without the page's CSRF token.
    Made of the params only: never an ID number or a phone (``notify.queue`` refuses those)."""
    title, body = render(row["kind"], row["params"], language)
    message = {
        "title": title,
        "body": body,
        "url": open_path(row["id"]),
        "tag": f"gp-{row['id']}",
        "notification_id": str(row["id"]),
        "actions": actions(row["kind"], language),
    }
    if message["actions"]:
        message["action_url"] = act_path(row["id"])
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
