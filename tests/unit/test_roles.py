"""Who may issue an enrolment link for whom: the front desk enrols residents, and only them."""

from hypothesis import given
from hypothesis import strategies as st

from app.domain.roles import Role, may_issue_enrolment

roles = st.frozensets(st.sampled_from(list(Role)))


def test_the_front_desk_enrols_a_resident():
    assert may_issue_enrolment({Role.FRONT_DESK}, {Role.RESIDENT})


def test_the_front_desk_never_enrols_staff():
    for role in set(Role) - {Role.RESIDENT}:
        assert not may_issue_enrolment({Role.FRONT_DESK}, {role}), role


def test_the_front_desk_never_enrols_a_resident_who_is_also_staff():
    """A guard who lives on the estate is staff: a new link would take over their guard account."""
    assert not may_issue_enrolment({Role.FRONT_DESK}, {Role.RESIDENT, Role.GATE_GUARD})
    assert not may_issue_enrolment({Role.FRONT_DESK}, {Role.RESIDENT, Role.ADMIN})


def test_the_front_desk_never_enrols_someone_with_no_roles():
    assert not may_issue_enrolment({Role.FRONT_DESK}, set())


def test_an_admin_enrols_anyone():
    assert may_issue_enrolment({Role.ADMIN}, set())
    for role in Role:
        assert may_issue_enrolment({Role.ADMIN}, {role}), role


def test_other_roles_enrol_no_one():
    for role in set(Role) - {Role.ADMIN, Role.FRONT_DESK}:
        assert not may_issue_enrolment({role}, {Role.RESIDENT}), role
    assert not may_issue_enrolment(set(), {Role.RESIDENT})


@given(issuer=roles, subject=roles)
def test_enrolment_is_allowed_exactly_to_admins_and_to_the_front_desk_for_residents_alone(issuer, subject):
    expected = Role.ADMIN in issuer or (Role.FRONT_DESK in issuer and subject == {Role.RESIDENT})
    assert may_issue_enrolment(issuer, subject) is expected
