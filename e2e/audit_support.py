"""The audit log page, as an admin or a manager uses it (page object for the e2e tests)."""

from __future__ import annotations

from playwright.sync_api import Locator, expect

from e2e.pages import EN, HomePage, Screen, t


class AuditLogPage(Screen):
    def heading(self, lang: str = EN) -> Locator:
        return self.page.get_by_role("heading", level=1, name=t(lang, "Audit log"))

    @classmethod
    def open_from_home(cls, home: HomePage, lang: str = EN) -> AuditLogPage:
        home.page.get_by_role("link", name=t(lang, "Audit log")).click()
        log = cls(home.page)
        expect(log.heading(lang)).to_be_visible()
        return log

    def entries(self, lang: str = EN) -> Locator:
        return self.page.get_by_role("list", name=t(lang, "Audit entries, newest first")).get_by_role("listitem")

    def concerning(self, name: str, lang: str = EN) -> None:
        """Choose what the entries concern; the list follows at once."""
        self.page.get_by_label(t(lang, "What it concerns")).select_option(label=t(lang, name))

    def done_by(self, name: str, lang: str = EN) -> None:
        self.page.get_by_label(t(lang, "Done by (name)")).fill(name)
        self.page.get_by_role("button", name=t(lang, "Filter"), exact=True).click()
