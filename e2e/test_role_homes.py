"""Every role's home at phone size, in both languages, saved under e2e/artifacts/homes/ for a
person to look at: each shows the person's name and their role's section."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from e2e.pages import EN, ZH, enrol

CAST = [
    ("admin", "Zhou Min"),
    ("manager", "Sun Hao"),
    ("supervisor", "Wu Lei"),
    ("front_desk", "Chen Jing"),
    ("gate_guard", "Li Qiang"),
    ("patrol_guard", "Zhao Gang"),
    ("resident", "Wang Fang"),
]


@pytest.fixture(scope="module", autouse=True)
def links_for_the_cast(server):
    server.reissue_demo_links()  # one CLI run for the seven links


@pytest.mark.parametrize(("role", "name"), CAST, ids=[role for role, _ in CAST])
def test_role_home_in_both_languages(phone, enrol_link, artifacts, role, name):
    page = phone.page
    home = enrol(page, enrol_link(name), name)
    folder = artifacts / "homes"
    folder.mkdir(exist_ok=True)
    for lang in (ZH, EN):  # ends in English, as the other tests expect this person
        home.ensure_language(lang)
        home.expect_home_of(name, role, lang)
        if lang == ZH:  # really in Chinese, not English text under a zh-Hans tag
            expect(home.greeting(name, EN)).to_have_count(0)
        page.screenshot(path=str(folder / f"{role}-{lang}.png"), full_page=True)
