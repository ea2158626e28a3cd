"""Who hears of a change: a change of a topic reaches a person's stream exactly when the
topic's audience includes them: a role they hold in that estate, a household they belong to,
or themselves."""

from uuid import UUID, uuid4

from hypothesis import given
from hypothesis import strategies as st

from app.domain.live import AUDIENCES, Topic, channels_of, subscriptions
from app.domain.roles import Role

ESTATE, OTHER_ESTATE = uuid4(), uuid4()
UNITS = [uuid4() for _ in range(3)]
PEOPLE = [uuid4() for _ in range(3)]

roles = st.frozensets(st.sampled_from(list(Role)))
units = st.frozensets(st.sampled_from(UNITS))


def reaches(topic: Topic, *, heard_by: frozenset[str], estate: UUID = ESTATE, changed_units=(), people=()) -> bool:
    return bool(set(channels_of(topic, estate=estate, units=changed_units, people=people)) & heard_by)


@given(topic=st.sampled_from(list(Topic)), held=roles, mine=units, changed=units,
       person=st.sampled_from(PEOPLE), told=st.frozensets(st.sampled_from(PEOPLE)))
def test_a_change_reaches_a_stream_exactly_when_its_audience_includes_the_person(topic, held, mine, changed, person,
                                                                                 told):
    heard = subscriptions(person, estate=ESTATE, roles=held, units=mine)
    audience = AUDIENCES[topic]
    expected = bool(audience.staff & held) or (audience.household and bool(mine & changed)) \
        or (audience.personal and person in told)
    assert reaches(topic, heard_by=heard, changed_units=changed, people=told) == expected


@given(topic=st.sampled_from(list(Topic)), held=roles, mine=units, person=st.sampled_from(PEOPLE))
def test_a_change_in_another_estate_reaches_only_the_people_it_names(topic, held, mine, person):
    heard = subscriptions(person, estate=ESTATE, roles=held, units=mine)
    assert not reaches(topic, heard_by=heard, estate=OTHER_ESTATE, changed_units=[uuid4()], people=[uuid4()])


def test_a_walk_in_is_heard_by_the_gate_the_managers_the_desk_and_the_household_not_by_patrol():
    household = subscriptions(PEOPLE[0], estate=ESTATE, roles={Role.RESIDENT}, units=[UNITS[0]])
    neighbour = subscriptions(PEOPLE[1], estate=ESTATE, roles={Role.RESIDENT}, units=[UNITS[1]])
    for role in (Role.GATE_GUARD, Role.MANAGER, Role.SUPERVISOR, Role.FRONT_DESK):
        assert reaches(Topic.WALKINS, heard_by=subscriptions(PEOPLE[2], estate=ESTATE, roles={role}),
                       changed_units=[UNITS[0]]), role
    assert not reaches(Topic.WALKINS, heard_by=subscriptions(PEOPLE[2], estate=ESTATE, roles={Role.PATROL_GUARD}),
                       changed_units=[UNITS[0]])
    assert reaches(Topic.WALKINS, heard_by=household, changed_units=[UNITS[0]])
    assert not reaches(Topic.WALKINS, heard_by=neighbour, changed_units=[UNITS[0]])


def test_outside_an_estate_a_stream_hears_only_the_persons_own_topics():
    heard = subscriptions(PEOPLE[0])
    assert reaches(Topic.NOTIFICATIONS, heard_by=heard, people=[PEOPLE[0]])
    assert not reaches(Topic.NOTIFICATIONS, heard_by=heard, people=[PEOPLE[1]])
    for topic in (Topic.WALKINS, Topic.SLIPS, Topic.LOBBY):
        assert not reaches(topic, heard_by=heard, changed_units=UNITS)


def test_an_event_names_its_topic_only_and_its_channels_fit_postgresqls_names():
    for topic in Topic:
        for channel in channels_of(topic, estate=ESTATE, units=UNITS, people=PEOPLE):
            assert len(channel.encode()) <= 63, channel  # NAMEDATALEN - 1
            assert channel.endswith("." + topic.value)


def test_units_and_people_that_are_none_are_left_out():
    assert channels_of(Topic.WALKINS, estate=None, units=[None]) == []
    assert channels_of(Topic.NOTIFICATIONS, people=[None, PEOPLE[0], PEOPLE[0]]) == channels_of(
        Topic.NOTIFICATIONS, people=[PEOPLE[0]])
