"""axe-core in the e2e browser. ``audit.check(page, "gate verdict: expired")`` checks a screen as
it is now; ``audit.assert_clean()`` then fails on every serious or critical finding of the
audit's screens at once, naming the rule, the element and the page:

    audit = Audit()
    audit.check(page, "gate verdict: valid", within="#verdict")  # the part a swap changed
    ...
    audit.assert_clean()

axe-core comes from the ``axe-playwright-python`` package (its ``axe.min.js``, MPL-2.0; the
version heads every report). It goes into the page through ``page.evaluate``, which runs over
the DevTools protocol like Playwright's own scripts, so the app's CSP (no inline scripts, no
eval) does not apply to it. ``add_script_tag`` adds an inline script, which the CSP refuses;
a context with ``bypass_csp=True`` would work, but would also hide from the tests a script or
style of the app that the CSP blocks. The page keeps axe until it navigates, so the states an
htmx swap or a dialog makes are checked without loading it again.

Every check is written to one ledger for the run: a screen is checked once per language (a
second call answers from the first), and the run ends with the count of screens and of all
findings by rule and impact, those below serious too (``summary()``, printed by conftest).

Beside axe, a whole screen is checked for scrolling sideways at the phone's (or tablet's) width
(``WIDER_THAN_SCREEN``), a serious finding like axe's.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

AXE_SOURCE = Axe().axe_script
AXE_VERSION = re.search(r"axe v([\d.]+)", AXE_SOURCE[:200]).group(1)
BLOCKING = ("critical", "serious")
IMPACTS = ("critical", "serious", "moderate", "minor")
# Violations only: passes and inapplicable rules are not sent back.
RUN = "(within) => axe.run(within || document, {resultTypes: ['violations']})"
# Beside axe: a page wider than the screen scrolls sideways (WCAG 1.4.10, Reflow), which axe does
# not look for. The elements that stick out, or null; sheets laid out for paper (body.print) are
# wider on purpose.
WIDER_THAN_SCREEN = """() => {
  if (document.body.classList.contains("print") || document.documentElement.scrollWidth <= window.innerWidth) return null;
  return [...document.querySelectorAll("body *")].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
    .slice(-3).map((e) => [e.tagName.toLowerCase() + (e.className ? "." + String(e.className).split(" ").join(".") : ""),
                           e.outerHTML.slice(0, 300), "right edge at " + Math.round(e.getBoundingClientRect().right) + " px"]);
}"""


@dataclass(frozen=True)
class Finding:
    screen: str
    language: str
    url: str
    rule: str
    impact: str
    help: str
    help_url: str
    elements: tuple[tuple[str, str, str], ...]  # (selector, html, what to fix)

    @property
    def blocking(self) -> bool:
        return self.impact in BLOCKING

    def report(self) -> str:
        lines = [f"{self.screen} [{self.language}] {self.url}",
                 f"  {self.rule} ({self.impact}): {self.help}", f"  {self.help_url}"]
        for selector, html, summary in self.elements:
            lines.append(f"  - {selector}")
            lines.append(f"    {html}")
            lines.extend(f"    {line}" for line in summary.splitlines())
        return "\n".join(lines)


def _findings(screen: str, language: str, url: str, violations: list[dict]) -> list[Finding]:
    return [
        Finding(screen, language, url, v["id"], v.get("impact") or "minor", v["help"], v["helpUrl"], tuple(
            (" ".join(node["target"]) if all(isinstance(t, str) for t in node["target"]) else json.dumps(node["target"]),
             node["html"][:300], node.get("failureSummary") or "")
            for node in v["nodes"]
        ))
        for v in violations
    ]


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url).split("?")[0].split("#")[0]


def run_axe(page: Page, within: str | None = None) -> list[dict]:
    """axe's violations on the page as it is now, or in the part ``within`` selects (axe is
    loaded first if the page lacks it)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE)
    return page.evaluate(RUN, within)["violations"]


@dataclass
class Ledger:
    """Every screen checked in this run, by (screen, language), with what axe found."""

    checked: dict[tuple[str, str], list[Finding]] = field(default_factory=dict)
    paths: dict[tuple[str, str], str] = field(default_factory=dict)
    seconds: float = 0.0  # spent in axe, loading it included

    def check(self, page: Page, screen: str, within: str | None = None) -> list[Finding]:
        language = page.locator("html").get_attribute("lang") or "?"
        key = (screen, language)
        if key not in self.checked:
            started = time.perf_counter()
            self.checked[key] = _findings(screen, language, page.url, run_axe(page, within))
            sticking_out = None if within else page.evaluate(WIDER_THAN_SCREEN)
            if sticking_out:
                self.checked[key].append(Finding(
                    screen, language, page.url, "page-wider-than-screen", "serious",
                    "The page is wider than the screen and scrolls sideways",
                    "https://www.w3.org/WAI/WCAG21/Understanding/reflow.html",
                    tuple(tuple(element) for element in sticking_out)))
            self.paths[key] = _path(page.url)
            self.seconds += time.perf_counter() - started
        return self.checked[key]

    def findings(self) -> list[Finding]:
        return [finding for found in self.checked.values() for finding in found]

    def summary(self) -> list[str]:
        """Screens checked per language, then findings (elements) per rule and impact."""
        if not self.checked:
            return []
        languages = Counter(language for _, language in self.checked)
        by_rule: Counter = Counter()
        screens: dict[tuple[str, str], set] = {}
        for finding in self.findings():
            by_rule[(finding.rule, finding.impact)] += len(finding.elements)
            screens.setdefault((finding.rule, finding.impact), set()).add((finding.screen, finding.language))
        lines = [f"axe-core {AXE_VERSION}: {len(self.checked)} screens checked ("
                 + ", ".join(f"{n} {lang}" for lang, n in sorted(languages.items()))
                 + f") in {self.seconds:.1f} s"]
        if not by_rule:
            lines.append("no findings")
        for (rule, impact), count in sorted(by_rule.items(), key=lambda item: (IMPACTS.index(item[0][1]), item[0][0])):
            lines.append(f"  {impact:<9} {rule}: {count} elements on {len(screens[(rule, impact)])} screens")
        return lines

    def write(self, path: Path) -> None:
        """All findings as JSON, for a person to read after the run."""
        path.write_text(json.dumps({
            "axe": AXE_VERSION,
            "screens": [{"screen": s, "language": lang, "path": self.paths[(s, lang)]} for s, lang in self.checked],
            "findings": [finding.__dict__ for finding in self.findings()],
        }, ensure_ascii=False, indent=1, default=list))


LEDGER = Ledger()


def blocking_report(findings: list[Finding]) -> str:
    blocking = [finding for finding in findings if finding.blocking]
    return (f"axe-core {AXE_VERSION}: {len(blocking)} serious or critical finding(s)\n\n"
            + "\n\n".join(finding.report() for finding in blocking))


class Audit:
    """Checks that go on past a finding, so one run reports every screen: ``audit.check(page,
    name)`` for each, then ``audit.assert_clean()`` fails with all serious or critical ones."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.paths: list[tuple[str, str]] = []  # (screen, path of the page it was on)

    def check(self, page: Page, screen: str, within: str | None = None) -> None:
        """``within``: a selector for the part a swap or a dialog changed, when the page around
        it was checked as it is."""
        self.findings.extend(LEDGER.check(page, screen, within))
        self.paths.append((screen, _path(page.url)))

    def assert_clean(self) -> None:
        assert not any(finding.blocking for finding in self.findings), blocking_report(self.findings)
