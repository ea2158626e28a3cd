"""How the audit log is read by people: actions grouped by what they concern (the part of the
action's code before the dot), a name for each group, and which recorded values are personal
enough to be shown masked."""

from __future__ import annotations

from app.i18n import N_

# The filter's groups, in the order the list offers them; an action of a group not named here
# is still listed, under its code.
FAMILIES = {
    "visit": N_("Visits at the gate"),
    "pass": N_("Visitor passes"),
    "walkin": N_("Walk-in visitors"),
    "escort": N_("Escorts"),
    "review": N_("Guard actions reviewed"),
    "watchlist": N_("Watchlist"),
    "slip": N_("Goods release slips"),
    "permit": N_("Goods permits"),
    "person": N_("People and roles"),
    "household": N_("Households"),
    "passkey": N_("Passkeys"),
    "passkeys": N_("Passkeys"),
    "enrolment": N_("Sign-in links"),
    "estate": N_("Estate settings"),
    "unit": N_("Units"),
    "units": N_("Units"),
    "export": N_("Exports"),
    "records": N_("Disclosures of visitor records"),
    "audit": N_("Audit log"),
    "retention": N_("Records past retention"),
}

# Values recorded under these keys are shown masked (the log is for who did what, not for
# copying a visitor's number).
MASKED = {"phone": "phone", "id_number": "id_number"}

PAGE = 50


def family(action: str) -> str:
    return action.split(".", 1)[0]


def family_choices(actions: list[str]) -> list[tuple[str, str]]:
    """(code, name) for each group with at least one of ``actions``, passkey(s) and unit(s)
    as one; in the order of ``FAMILIES``, then unknown codes alphabetically."""
    seen = {family(a) for a in actions}
    known, names = [], set()
    for code, name in FAMILIES.items():
        if code in seen and name not in names:
            known.append((code, name))
            names.add(name)
    return known + [(code, code) for code in sorted(seen - FAMILIES.keys())]


def same_family(code: str) -> list[str]:
    """Every group code shown under ``code``'s name (``passkey`` takes ``passkeys`` too)."""
    name = FAMILIES.get(code)
    return [c for c, n in FAMILIES.items() if n == name] if name else [code]
