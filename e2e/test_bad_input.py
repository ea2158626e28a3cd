"""A careless paste and a slip of the calendar on a real form: Wang Fang pastes a guest's name
with an invisible NUL in it and picks a date thousands of years ahead. Each time the form comes
back with a message beside the field, in her language, and what she typed still there; nothing
is created until both are right."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from e2e.invitations_support import InvitePage
from e2e.pages import EN, ZH, enrol, t

CONTROL = ("This held characters that cannot be kept (control characters). They are taken out: "
           "check what is left and send it again.")
TOO_FAR = "Invite guests at most a year ahead."


@pytest.mark.parametrize("lang", [EN, ZH])
def test_a_nul_and_a_date_far_ahead_are_refused_on_the_form_with_what_was_typed_kept(lang, new_phone, enrol_link):
    resident = new_phone("en-US" if lang == EN else "zh-CN")
    page = resident.page
    home = enrol(page, enrol_link("Wang Fang"), "Wang Fang", lang)
    home.ensure_language(lang)
    guest = f"Zhang {uuid.uuid4().hex[:4]}"
    form = InvitePage.open_from_home(page, lang)
    date = page.get_by_label(t(lang, "Date"), exact=True)

    # A name pasted with a NUL in it, and a date in the year 9000.
    form.guest_name(lang).fill(guest[:3] + "\x00" + guest[3:])
    date.fill("9000-01-01")
    form.create(lang)
    name_error = page.locator("#e-guest_name")
    expect(name_error).to_have_text(t(lang, CONTROL))
    expect(form.guest_name(lang)).to_have_attribute("aria-invalid", "true")
    expect(form.guest_name(lang)).to_have_value(guest)  # what she typed, without the NUL
    expect(date).to_have_value("9000-01-01")

    # The name is right now; the date is still refused, beside it.
    form.create(lang)
    expect(page.locator("#e-date")).to_have_text(t(lang, TOO_FAR))
    expect(date).to_have_value("9000-01-01")
    expect(form.guest_name(lang)).to_have_value(guest)
    expect(page).to_have_url(re.compile(r"/invitations$"))  # still the form: no pass was made

    # Today's date: the pass is made, under the name as typed.
    date.fill(page.evaluate("new Date(Date.now() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 10)"))
    form.create(lang)
    expect(page.get_by_role("heading", level=1, name=guest)).to_be_visible()
