"""Web Push rules that need no network: which endpoints the server may call, how long to wait
before trying again, and how a payload is kept small.

A push subscription's endpoint is a URL the *browser* chose, then stored and called by the
server. Unchecked, a stored endpoint makes the server call any address it can reach (an
internal admin page, a cloud metadata service). So an endpoint must be https on a known push
service's host, checked when it is stored and again before each send. Tests add their local
endpoint (``localhost:PORT``) by setting; plain http is allowed only for such a loopback entry.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from app.domain.notifications import Kind
from app.domain.roles import Role

# The push services of the browsers people use: Chrome/Edge-on-Android (FCM), Firefox,
# Edge/Windows (WNS) and Safari (Apple).
DEFAULT_PUSH_SERVICE_HOSTS: tuple[str, ...] = (
    "fcm.googleapis.com",
    "updates.push.services.mozilla.com",
    "*.push.services.mozilla.com",
    "*.notify.windows.com",
    "web.push.apple.com",
    "*.push.apple.com",
)

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})

MAX_ENDPOINT_LENGTH = 1000
# Push services accept about 4 KB of encrypted payload; aes128gcm adds a header, a tag and padding.
MAX_PAYLOAD_BYTES = 3000
MAX_ATTEMPTS = 5


def parse_hosts(text: str) -> tuple[str, ...]:
    """A comma-separated list of host patterns (``host``, ``*.domain`` or ``host:port``),
    lower-cased, blanks dropped. Raises ValueError on an entry that is not a host."""
    hosts = []
    for raw in (text or "").split(","):
        entry = raw.strip().lower()
        if not entry:
            continue
        host, _, port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
        if port and not port.isdigit():
            raise ValueError(f"not a host[:port]: {raw.strip()!r}")
        name = host.removeprefix("*.")
        if not name or "/" in entry or "@" in entry or "*" in name or any(c.isspace() for c in entry):
            raise ValueError(f"not a host[:port]: {raw.strip()!r}")
        hosts.append(entry)
    return tuple(hosts)


def _matches(pattern: str, host: str, port: int | None) -> bool:
    name, _, wanted_port = pattern.partition(":")
    if wanted_port:
        if port != int(wanted_port):
            return False
    elif port not in (None, 443):
        return False
    if name.startswith("*."):
        return host.endswith(name[1:]) and len(host) > len(name) - 1
    return host == name


def endpoint_allowed(endpoint: str, hosts: tuple[str, ...] | list[str]) -> bool:
    """Whether the server may POST to this endpoint: https on an allowed push service's host,
    or http to an explicitly listed loopback ``host:port`` (tests)."""
    if not isinstance(endpoint, str) or not endpoint or len(endpoint) > MAX_ENDPOINT_LENGTH:
        return False
    try:
        parts = urlsplit(endpoint)
        port = parts.port
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    if not host or parts.username is not None or parts.password is not None or parts.fragment:
        return False
    if any(c.isspace() for c in endpoint):
        return False
    for pattern in hosts:
        if not _matches(pattern, host, port):
            continue
        if parts.scheme == "https":
            return True
        if parts.scheme == "http" and host in LOOPBACK_HOSTS and ":" in pattern.removeprefix("*."):
            return True
    return False


def retry_delay(attempts: int) -> timedelta:
    """Wait before the next try after ``attempts`` failed ones: 15 s, 1 min, 4 min, 16 min ..."""
    return timedelta(seconds=15 * 4 ** max(0, attempts - 1))


def next_try(attempts: int, now: datetime) -> datetime | None:
    """When to try again after a temporary failure, or None when it is time to give up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return now + retry_delay(attempts)


def is_gone(status: int) -> bool:
    """The push service says the subscription no longer exists: forget it."""
    return status in (404, 410)


def is_temporary(status: int) -> bool:
    """Worth trying again later: the service is overloaded, down or asks us to slow down."""
    return status == 429 or status >= 500


def payload(message: dict) -> str:
    """The JSON the service worker receives, shortened to fit the push services' limit: the
    body is cut first (with an ellipsis), then the title; the rest is small and fixed."""
    data = dict(message)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for field in ("body", "title"):
        while len(text.encode()) > MAX_PAYLOAD_BYTES and data.get(field):
            excess = len(text.encode()) - MAX_PAYLOAD_BYTES
            value = data[field].rstrip("…")
            keep = max(0, len(value) - max(1, excess // 3 + 1) - 1)
            data[field] = value[:keep] + "…" if keep else ""
            text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text


# Who gets which kinds (see the notify.queue callers): the settings page offers only these.
KINDS_BY_ROLE: dict[Role, frozenset[Kind]] = {
    Role.RESIDENT: frozenset({Kind.VISITOR_ARRIVED, Kind.VISITOR_LEFT, Kind.CONSENT_REQUEST,
                              Kind.CONSENT_DECIDED, Kind.EMERGENCY, Kind.SLIP_CONSENT_REQUEST,
                              Kind.SLIP_CONSENT_DECIDED, Kind.SLIP_APPROVED, Kind.SLIP_RETURNED, Kind.SLIP_REFUSED,
                              Kind.SLIP_RELEASED, Kind.SLIP_HELD, Kind.PERMIT_DECIDED,
                              Kind.REQUEST_DONE, Kind.LOST_ITEM_FOUND}),
    Role.GATE_GUARD: frozenset({Kind.CONSENT_DECIDED, Kind.ESCALATION_DECIDED, Kind.INCIDENT_URGENT,
                                Kind.REQUEST_ASSIGNED}),
    Role.PATROL_GUARD: frozenset({Kind.EMERGENCY, Kind.ESCORT_TASK, Kind.INCIDENT_URGENT, Kind.INCIDENT_DISPATCHED,
                                  Kind.REQUEST_ASSIGNED}),
    Role.MANAGER: frozenset({Kind.ESCALATION, Kind.EMERGENCY, Kind.REFUSED_TO_REGISTER, Kind.PROHIBITED_ITEMS,
                             Kind.SLIP_SUPERVISOR_REVIEW, Kind.ACTION_REVIEW, Kind.INCIDENT_URGENT,
                             Kind.REQUEST_ASSIGNED, Kind.RECORDS_DISCLOSED}),
    Role.FRONT_DESK: frozenset({Kind.REFUSED_TO_REGISTER, Kind.SLIP_DESK_REVIEW, Kind.SLIP_HELD, Kind.REQUEST_NEW,
                                Kind.REQUEST_ASSIGNED}),
    Role.SUPERVISOR: frozenset({Kind.SLIP_SUPERVISOR_REVIEW, Kind.ACTION_REVIEW, Kind.ROUND_NOT_STARTED,
                                Kind.INCIDENT_URGENT, Kind.REQUEST_ASSIGNED, Kind.HANDOVER_OVERDUE}),
    Role.ADMIN: frozenset({Kind.RECORDS_DISCLOSED}),
}


def kinds_for(roles) -> list[Kind]:
    """The kinds a person holding these roles (in any estate) may receive, in the usual order."""
    wanted: set[Kind] = set()
    for role in roles:
        wanted |= KINDS_BY_ROLE.get(Role(role), frozenset())
    return [k for k in Kind if k in wanted]
