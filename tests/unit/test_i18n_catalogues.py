"""Every string a person can see has a reviewed Chinese translation that keeps its placeholders.

The source is extracted afresh, the way tools/i18n_update.sh does it, and compared with the
catalogues: a new string in a template or a service fails here until the catalogues are
updated and the Chinese is written.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = ROOT / "app" / "i18n"
UPDATE = ("Run tools/i18n_update.sh, then translate the new or fuzzy entries in "
          "app/i18n/zh_Hans/LC_MESSAGES/messages.po.")

# As in tools/i18n_update.sh (keep the two in step).
EXTRACT = [
    "extract", "-F", str(ROOT / "babel.cfg"), "-k", "t:2", "--no-location", "--sort-output",
    "--ignore-dirs=.* __pycache__ node_modules var",
]
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%%")


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Catalog:
    """The messages marked in the source today."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    CommandLineInterface().run(["pybabel", "--quiet", *EXTRACT, "-o", str(pot), str(ROOT)])
    with pot.open("rb") as fh:
        return read_po(fh)


def catalogue(language: str) -> Catalog:
    with (CATALOGUES / language / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=language)


def _ids(catalog: Catalog) -> set:
    return {m.id for m in catalog if m.id}


def _forms(message: Message) -> list[str]:
    return list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]


def _show(message: Message) -> str:
    return message.id if isinstance(message.id, str) else " / ".join(message.id)


@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_the_catalogues_hold_exactly_the_messages_in_the_source(source, language):
    in_source, in_catalogue = _ids(source), _ids(catalogue(language))
    new = sorted(str(m) for m in in_source - in_catalogue)
    gone = sorted(str(m) for m in in_catalogue - in_source)
    assert not new and not gone, (
        f"{language} catalogue is out of date. {UPDATE}\n"
        f"  not in the catalogue yet: {new}\n  no longer in the source: {gone}"
    )


def test_the_string_marking_reaches_partials_in_underscore_folders(source):
    """Babel skips directories starting with "_" unless told otherwise: templates/_partials."""
    assert "Switch language to %(name)s" in _ids(source)


def test_every_message_has_a_reviewed_chinese_translation():
    untranslated = [_show(m) for m in catalogue("zh_Hans") if m.id and not all(f.strip() for f in _forms(m))]
    fuzzy = [_show(m) for m in catalogue("zh_Hans") if m.id and m.fuzzy]
    assert not untranslated and not fuzzy, (
        f"{UPDATE}\n  untranslated: {untranslated}\n  fuzzy (check, then remove the fuzzy flag): {fuzzy}"
    )


def test_the_chinese_keeps_every_placeholder_of_the_english():
    wrong = []
    for message in catalogue("zh_Hans"):
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        wanted = sorted(set(PLACEHOLDER.findall(" ".join(ids))))
        for form in _forms(message):
            if form and sorted(set(PLACEHOLDER.findall(form))) != wanted:
                wrong.append(f"{_show(message)!r} -> {form!r}")
    assert not wrong, "placeholders differ between English and Chinese:\n  " + "\n  ".join(wrong)


def test_the_chinese_catalogue_has_a_single_plural_form():
    assert catalogue("zh_Hans").num_plurals == 1
    for message in catalogue("zh_Hans"):
        if message.pluralizable:
            assert len(_forms(message)) == 1, _show(message)
