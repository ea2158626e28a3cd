"""A resident sees their own estate's resident pages only: another estate is 404 (as if it did
not exist), staff pages of their own estate are 403, and neither is a stack trace."""

from __future__ import annotations

from playwright.sync_api import expect

from e2e.pages import EN, ErrorPage, HomePage, enrol

OTHER_ESTATE_PAGES = ["/e/maple-court/", "/e/maple-court/people", "/e/maple-court/admin"]
STAFF_PAGES = ["/e/harbour-view/admin", "/e/harbour-view/people", "/e/harbour-view/units", "/admin/estates"]


def test_resident_cannot_open_another_estate_or_staff_pages(phone, enrol_link, other_estate):
    page = phone.page
    home = enrol(page, enrol_link("Wang Fang"), "Wang Fang")
    home.ensure_language(EN)
    home.expect_home_of("Wang Fang", "resident")
    expect(home.nav_link(EN, "People")).to_have_count(0)
    errors = ErrorPage(page)

    # An estate that exists but is not hers looks exactly like one that does not exist.
    for path in OTHER_ESTATE_PAGES + ["/e/no-such-estate/"]:
        response = page.goto(path)
        assert response.status == 404, path
        expect(errors.heading(404)).to_be_visible()
        expect(page.locator("body")).not_to_contain_text(other_estate["name"])
        expect(page.locator("body")).not_to_contain_text("Traceback")

    for path in STAFF_PAGES:
        response = page.goto(path)
        assert response.status == 403, path
        expect(errors.heading(403)).to_be_visible()
        expect(page.locator("body")).not_to_contain_text("Traceback")

    errors.home_link().click()
    HomePage(page).expect_home_of("Wang Fang", "resident")
