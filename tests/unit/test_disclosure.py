"""The rules of a disclosure: what a request must say, who is the person asked for, and the
extract as CSV."""

from __future__ import annotations

from datetime import date

from app.domain import disclosure as rules
from app.domain.disclosure import Person, Request

TODAY = date(2026, 12, 7)


def police(**changes) -> Request:
    fields = dict(authority="police", officer_name="Officer Wang", officer_badge="012345",
                  case_reference="HR-1", document="Notice 77", since="2026-12-01", until="2026-12-02")
    fields.update(changes)
    return Request(**fields)


def test_a_complete_request_to_an_authority_has_no_problems_and_gives_its_days():
    problems, days = rules.check(police(), today=TODAY, has_photo=True)
    assert problems == {} and days == rules.Days(date(2026, 12, 1), date(2026, 12, 2))


def test_an_authority_must_say_who_it_is_and_show_a_document_with_its_photo():
    problems, days = rules.check(Request(since="2026-12-01", until="2026-12-01"), today=TODAY, has_photo=False)
    assert days is None
    assert problems == {"authority": "authority_missing", "officer_name": "officer_missing",
                        "officer_badge": "badge_missing", "case_reference": "case_missing",
                        "document": "document_missing", "document_photo": "photo_missing"}
    other, _ = rules.check(police(authority="other"), today=TODAY, has_photo=True)
    assert other == {"authority_name": "authority_name_missing"}


def test_the_days_are_real_in_order_not_to_come_and_at_most_three_years():
    assert rules.check(police(since="", until="x"), today=TODAY, has_photo=True)[0] == {
        "since": "since_missing", "until": "day_invalid"}
    assert rules.check(police(until="2026-12-08"), today=TODAY, has_photo=True)[0] == {"until": "day_in_future"}
    assert rules.check(police(since="2015-12-31"), today=TODAY, has_photo=True)[0] == {"since": "day_too_early"}
    assert rules.check(police(since="2026-12-03"), today=TODAY, has_photo=True)[0] == {"until": "until_before_since"}
    assert rules.check(police(since="2023-01-01"), today=TODAY, has_photo=True)[0] == {"until": "span_too_long"}


def test_a_residents_look_up_names_the_resident_and_how_they_were_identified():
    problems, _ = rules.check(Request(kind="resident", since="2026-12-01", until="2026-12-01"), today=TODAY,
                              has_photo=False)
    assert problems == {"resident": "resident_missing", "document": "identified_missing"}


def test_fields_longer_than_their_column_are_refused():
    problems, _ = rules.check(police(case_reference="x" * 81), today=TODAY, has_photo=True)
    assert problems == {"case_reference": "too_long"}


def test_the_person_asked_for_is_found_by_any_identifier_in_normal_form():
    asked = Person.asked("zhang  wei", "+86 139-1111-2222", "110105 19900101 1234")
    assert rules.is_the_person(asked, name="Zhang Wei", phone="", id_number="")
    assert rules.is_the_person(asked, name="Someone", phone="13911112222", id_number="")
    assert rules.is_the_person(asked, name="Someone", phone="", id_number="110105199001011234")
    assert not rules.is_the_person(asked, name="Li Na", phone="13700001234", id_number="")
    assert rules.is_the_person(Person.asked("", "", ""), name="Anyone", phone="", id_number="")


def test_the_csv_has_a_byte_order_mark_headings_and_one_line_per_record_and_reads_back():
    rows = [{"visitor": "张伟", "phone": "+86 13911112222", "unit": "1-1-0101"},
            {"visitor": "=HYPERLINK(\"x\")", "phone": "-"}]
    text = rules.to_csv([h for _, h in rules.COLUMNS], rows)
    assert text.startswith("\ufeffRecord,")
    lines = rules.read_csv(text)
    assert len(lines) == 3 and lines[0][2] == "Visitor" and lines[1][2] == "张伟"
    assert lines[1][3] == "+86 13911112222"  # a phone stays a phone
    assert lines[2][2].startswith("'=")  # a formula does not run in a spreadsheet
    assert rules.digest(text) == rules.digest(text) and len(rules.digest(text)) == 64


def test_a_residents_rows_are_masked():
    row = rules.masked({"visitor": "Zhang Wei", "phone": "13911112222", "id_number": "110105199001011234"})
    assert row == {"visitor": "Zhang Wei", "phone": "139****2222", "id_number": "110***********1234"}
