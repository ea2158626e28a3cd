"""A sign-in link works once; a used, replaced or made-up link says so in words, not a stack trace."""

from __future__ import annotations

from playwright.sync_api import expect

from e2e.pages import EnrolPage, enrol


def test_a_used_link_says_already_used_and_a_replaced_one_has_expired(new_phone, enrol_link):
    replaced = enrol_link("Liu Yang")
    link = enrol_link("Liu Yang")  # the newest link replaces the unused one
    enrol(new_phone().page, link, "Liu Yang")

    page = new_phone().page
    links = EnrolPage(page)
    response = links.goto(link)
    assert response.status == 410
    expect(links.used_heading()).to_be_visible()
    expect(links.button()).to_have_count(0)
    expect(page.get_by_role("link", name="Sign in with a passkey")).to_be_visible()

    response = links.goto(replaced)
    assert response.status == 410
    expect(links.expired_heading()).to_be_visible()


def test_an_unknown_link_says_not_valid(page, base_url):
    links = EnrolPage(page)
    response = links.goto(f"{base_url}/enrol/this-link-was-never-issued")
    assert response.status == 404
    expect(links.invalid_heading()).to_be_visible()
    expect(links.button()).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text("Traceback")
