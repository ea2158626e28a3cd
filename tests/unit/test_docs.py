"""The repository stands alone: its documentation points only at files it holds, and every
setting the app reads is described where an operator looks for it."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIP = {".git", ".venv", ".uv", "var", "node_modules", "artifacts", "__pycache__", ".pytest_cache"}
TEXT = {".py", ".md", ".html", ".js", ".css", ".sh", ".toml", ".cfg", ".txt", ".conf", ".service", ".timer",
        ".example", ".json", ".webmanifest", ".po", ".pot", ""}
BRIEFING = "../" + "shared"  # spelt in two parts, so that this file is not a finding itself
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def repository_text_files():
    for path in ROOT.rglob("*"):
        if path.is_file() and not SKIP & set(path.relative_to(ROOT).parts) and path.suffix in TEXT:
            yield path


def test_nothing_in_the_repository_points_outside_it_to_the_team_briefing():
    outside = [str(p.relative_to(ROOT)) for p in repository_text_files()
               if BRIEFING in p.read_text(errors="replace")]
    assert outside == []


def test_every_link_in_the_documentation_leads_to_a_file_in_the_repository():
    broken = []
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in LINK.findall(page.read_text()):
            if "://" not in target and not (page.parent / target).exists():
                broken.append(f"{page.relative_to(ROOT)} -> {target}")
    assert broken == []


def test_every_setting_the_app_reads_is_in_the_operations_guide():
    read = set(re.findall(r'env\.get\("([A-Z_]+)"', (ROOT / "app" / "settings.py").read_text()))
    documented = set(re.findall(r"^\| `([A-Z_]+)`(?:, `([A-Z_]+)`)?", (ROOT / "docs" / "operations.md").read_text(),
                                re.MULTILINE))
    documented = {name for pair in documented for name in pair if name}
    assert read and read <= documented, f"not in docs/operations.md: {sorted(read - documented)}"
