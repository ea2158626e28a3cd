"""The admin adds a gate guard from the People page and gives them a sign-in link; the new guard
opens it on their own phone, creates a passkey and lands on the gate guard's home."""

from __future__ import annotations

from playwright.sync_api import expect

from e2e.pages import EN, PeoplePage, enrol, t


def test_admin_creates_a_gate_guard_whose_link_works(new_phone, enrol_link):
    admin = new_phone("en-US")
    home = enrol(admin.page, enrol_link("Zhou Min"), "Zhou Min")
    home.ensure_language(EN)
    home.expect_home_of("Zhou Min", "admin")

    home.nav_link(EN, "People").click()
    people = PeoplePage(admin.page)
    expect(people.heading()).to_be_visible()
    person = people.add_person().create("Qian Jun", ["gate_guard"])
    expect(admin.page.get_by_text(t(EN, "Added. Give them a sign-in link below."))).to_be_visible()
    link = person.issue_link()

    guard = new_phone("en-US")
    guard_home = enrol(guard.page, link, "Qian Jun")
    guard_home.ensure_language(EN)
    guard_home.expect_home_of("Qian Jun", "gate_guard")
    expect(guard_home.gates.filter(has_text="North Gate 北门")).to_be_visible()

    # On the admin's phone the new guard now has a passkey, and the link is spent.
    person.goto()
    expect(person.passkeys_section()).to_be_visible()
    expect(person.passkeys_section().get_by_text(t(EN, "No passkey yet"))).to_have_count(0)
    admin.page.goto(link)
    expect(admin.page.get_by_role("heading", name=t(EN, "This link has already been used"))).to_be_visible()
