"""Roles people hold per estate, and who may issue enrolment links for whom.

Roles are data held per estate (a person may guard one estate and live in another), so every
check takes the roles the person holds *in the estate at hand*.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable


class Role(str, enum.Enum):
    GATE_GUARD = "gate_guard"
    PATROL_GUARD = "patrol_guard"
    RESIDENT = "resident"
    FRONT_DESK = "front_desk"
    SUPERVISOR = "supervisor"
    MANAGER = "manager"
    ADMIN = "admin"


# The order a person's home lists their sections in, when they hold several roles.
HOME_ORDER = (
    Role.GATE_GUARD,
    Role.PATROL_GUARD,
    Role.FRONT_DESK,
    Role.SUPERVISOR,
    Role.MANAGER,
    Role.RESIDENT,
    Role.ADMIN,
)


class Relation(str, enum.Enum):
    """A person's place in a household: owner or not matters for goods release."""

    OWNER = "owner"
    TENANT = "tenant"
    FAMILY = "family"


def may_issue_enrolment(issuer_roles: Iterable[Role], subject_roles_anywhere: Iterable[Role]) -> bool:
    """An admin may enrol anyone of the estate; front desk only people who are residents alone.

    ``subject_roles_anywhere`` are the subject's roles in every estate: front desk must not be
    able to take over a guard's or an admin's account by issuing them a new link.
    """
    issuer = set(issuer_roles)
    if Role.ADMIN in issuer:
        return True
    if Role.FRONT_DESK in issuer:
        subject = set(subject_roles_anywhere)
        return bool(subject) and subject <= {Role.RESIDENT}
    return False
