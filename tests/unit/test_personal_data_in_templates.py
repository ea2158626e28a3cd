"""Every template that shows a phone or an ID number says how: masked (``mask_phone``,
``mask_id_number``) or in full (``unmasked``, which makes the page ``Cache-Control: no-store``).

Read from the templates' syntax trees, so a new page or a new column cannot show one bare:
the personal fields are every column of ours whose name holds ``phone`` or ``id_number``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import nodes

from app.asgi import make_environment
from app.models.piccolo_app import APP_CONFIG

TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "templates"
SAYS_HOW = {"mask_phone", "mask_id_number", "unmasked"}
# Dicts keyed by field name whose values are messages about the field, not the field itself.
ERROR_DICTS = {"errors", "e"}


def personal_fields() -> set[str]:
    return {
        column._meta.name
        for table in APP_CONFIG.table_classes
        for column in table._meta.columns
        if "phone" in column._meta.name or "id_number" in column._meta.name
    }


PERSONAL = personal_fields()


def _field(node: nodes.Node) -> str | None:
    """The personal field this expression reads: ``x.phone``, ``x["phone"]`` or ``x.get("phone")``."""
    if isinstance(node, nodes.Getattr) and node.attr in PERSONAL:
        return node.attr
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and node.arg.value in PERSONAL:
        return node.arg.value
    if (isinstance(node, nodes.Call) and isinstance(node.node, nodes.Getattr) and node.node.attr == "get"
            and node.args and isinstance(node.args[0], nodes.Const) and node.args[0].value in PERSONAL):
        owner = node.node.node
        if not (isinstance(owner, nodes.Name) and owner.name in ERROR_DICTS):
            return node.args[0].value
    return None


def _bare(node: nodes.Node):
    """Personal fields read in this expression outside a call that says how they are shown."""
    if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name) and node.node.name in SAYS_HOW:
        return
    field = _field(node)
    if field is not None:
        yield field
        return
    for child in node.iter_child_nodes():
        yield from _bare(child)


def bare_personal_fields(source: str) -> list[str]:
    """What the template prints, sets or hands to an include without saying how; a field only
    tested (``{% if visit.phone %}``) is not shown and is not counted."""
    tree = make_environment().parse(source)
    shown: list[nodes.Node] = []
    for output in tree.find_all(nodes.Output):
        shown.extend(n for n in output.nodes if not isinstance(n, nodes.TemplateData))
    shown.extend(assign.node for assign in tree.find_all(nodes.Assign))
    for block in tree.find_all(nodes.With):
        shown.extend(block.values)
    return [field for node in shown for field in _bare(node)]


def test_the_personal_fields_are_the_phone_and_id_number_columns():
    assert {"phone", "guest_phone", "id_number"} <= PERSONAL


@pytest.mark.parametrize("template", sorted(str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html")))
def test_a_template_shows_phones_and_id_numbers_masked_or_says_they_are_unmasked(template):
    assert bare_personal_fields((TEMPLATES / template).read_text()) == []


@pytest.mark.parametrize("source", [
    "{{ visit.phone }}",
    '<a href="tel:{{ person.phone }}">',
    "{{ reg['id_number'] }}",
    "<input value=\"{{ values.get('phone', '') }}\">",
    '{% with value=v.get("guest_phone") %}{% include "x.html" %}{% endwith %}',
    '{% set v = {"id_number": reg.id_number} %}',
    "{{ e.name or e.phone }}",
])
def test_a_bare_phone_or_id_number_is_found(source):
    assert bare_personal_fields(source) != []


@pytest.mark.parametrize("source", [
    "{{ mask_phone(visit.phone) }}",
    "{{ unmasked(reg['id_number']) }}",
    "{% if visit.phone %}{{ _('Phone') }}{% endif %}",
    '{% set error = errors.get("phone") %}',
    "{{ confirm(hidden=(e.name or mask_id_number(e.id_number))) }}",
])
def test_a_masked_unmasked_or_only_tested_field_is_not(source):
    assert bare_personal_fields(source) == []
