"""The template helpers that stand in for Jinja's own: translations and ``url_for``."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from jinja2 import Environment, pass_context

from app import i18n
from app.asgi import make_environment
from app.routes.templating import remembered_url_for


@pytest.fixture(autouse=True)
def language_kept():
    """Each test chooses a language; the ones after it find the one they started with."""
    before = i18n.current_language()
    yield
    i18n.set_language(before)


def render(source: str, *, html: bool = True, **context) -> str:
    env = make_environment()
    if not html:
        env = env.overlay(autoescape=False)
    return env.from_string(source).render(**context)


def test_messages_are_translated_in_the_requests_language():
    i18n.set_language("zh-Hans")
    assert render('{{ _("Admitted") }}') == i18n.translations("zh-Hans").gettext("Admitted")
    assert render('{{ _("Admitted") }}') != "Admitted"
    i18n.set_language("en")
    assert render('{{ _("Admitted") }}') == "Admitted"


def test_variables_are_escaped_and_the_message_is_not():
    i18n.set_language("en")
    assert render('{{ _("<b>%(name)s</b>", name=name) }}', name="<script>") == "<b>&lt;script&gt;</b>"
    assert render('{{ gettext("100%%") }}') == "100%"  # always a format string, as Jinja's own
    assert render('{{ _("%(name)s", name=name) }}', html=False, name="<i>") == "<i>"


def test_plural_messages_count():
    i18n.set_language("en")
    template = '{{ ngettext("%(num)s person", "%(num)s people", n) }}'
    assert render(template, n=1) == "1 person"
    assert render(template, n=3) == "3 people"


def test_url_for_remembers_each_path_and_forgets_all_when_full():
    calls = []

    def route_reverse(name, **params):
        calls.append(name)
        return f"/{name}/" + "/".join(str(v) for v in params.values())

    env = Environment()
    env.globals["url_for"] = pass_context(remembered_url_for(limit=2))
    request = SimpleNamespace(app=SimpleNamespace(route_reverse=route_reverse))
    template = env.from_string("{{ url_for(name, estate=slug) }}")
    assert template.render(request=request, name="gate", slug="a") == "/gate/a"
    assert template.render(request=request, name="gate", slug="a") == "/gate/a"
    assert template.render(request=request, name="gate", slug="b") == "/gate/b"
    assert calls == ["gate", "gate"]  # the second "a" was remembered
    template.render(request=request, name="onsite", slug="a")  # a third path: the memory starts again
    template.render(request=request, name="gate", slug="a")
    assert calls == ["gate", "gate", "onsite", "gate"]
