"""Wang Fang invites a guest in three taps, shares the pass (share sheet, and copy where there is
none), the guest opens it without an account and sees the code; she revokes it and the link
then says so."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from e2e.invitations_support import InvitationPage, InvitePage, PassPage
from e2e.pages import EN, enrol, t

# Headless Chromium has no share sheet: this stands in for it and writes down what was shared
# (an init script runs through CDP, outside the page's CSP). With #no-share in the address the
# browser has no Web Share at all, as on a desktop, and the page must offer copying instead.
SHARE_STUB = """
if (location.hash === "#no-share") {
  delete Navigator.prototype.share;
} else {
  Object.defineProperty(Navigator.prototype, "share", { configurable: true, value: function (data) {
    document.documentElement.dataset.sharedUrl = data.url;
    document.documentElement.dataset.sharedTitle = data.title || "";
    return Promise.resolve();
  }});
}
"""


def test_a_resident_invites_shares_and_revokes_and_the_guest_sees_the_pass(new_phone, enrol_link):
    resident = new_phone("en-US")
    resident.context.add_init_script(SHARE_STUB)
    resident.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = resident.page
    home = enrol(page, enrol_link("Wang Fang"), "Wang Fang")
    home.ensure_language(EN)
    guest = f"Guest {uuid.uuid4().hex[:6]}"

    # Three taps: Invite a guest, (the name), Create pass, Share.
    detail = InvitePage.open_from_home(page).invite(guest)
    expect(page.get_by_text(t(EN, "Pass created. Send your guest the link."))).to_be_visible()
    expect(detail.state(EN, "Valid now")).to_be_visible()
    link = detail.link()
    detail.share_button().click()
    expect(page.locator("html")).to_have_attribute("data-shared-url", link)

    # No share sheet: the page offers to copy the link instead.
    page.goto(page.url.split("?")[0] + "#no-share")
    nosheet = InvitationPage(page)
    expect(nosheet.copy_button()).to_be_visible()
    expect(nosheet.share_button()).to_be_hidden()
    nosheet.copy_button().click()
    expect(page.get_by_text(t(EN, "Link copied"))).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == link

    # The list shows it among the passes valid now.
    page.goto("/e/harbour-view/invitations")
    active = page.locator("section").filter(has=page.get_by_role("heading", name=t(EN, "Active now")))
    expect(active.get_by_role("link", name=guest)).to_be_visible()

    # The guest opens the link on a phone with no account.
    visitor = new_phone("en-US", authenticator=False)
    pass_page = PassPage(visitor.page).goto(link)
    expect(pass_page.qr).to_be_visible()
    expect(pass_page.guest).to_have_text(guest)
    expect(pass_page.state).to_have_text(t(EN, "Valid now"))
    body = visitor.page.locator("body")
    expect(body).to_contain_text("5-2-1301")
    expect(body).to_contain_text(t(EN, "%(num)s entry left", num="1"))
    expect(body).to_contain_text("Visitors register at the gate")
    expect(body).not_to_contain_text("Wang Fang")
    box = pass_page.qr.bounding_box()
    assert box and box["width"] >= 300, "the code should fill the phone's width"

    # She revokes it; the guest's link says so and shows no code.
    active.get_by_role("link", name=guest).click()
    InvitationPage(page).revoke()
    expect(InvitationPage(page).state(EN, "Revoked")).to_be_visible()
    visitor.page.reload()
    expect(pass_page.revoked_heading()).to_be_visible()
    expect(pass_page.qr).to_have_count(0)
    expect(body).not_to_contain_text(guest)
