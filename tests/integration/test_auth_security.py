"""CSRF tokens on every unsafe request, a strict Content-Security-Policy, and cookies that
scripts cannot read and other sites cannot send."""

from app.domain.roles import Role
from app.models.auth import Challenge, Session
from app.models.people import Person
from app.services import enrolment
from tests.integration.authenticator import SoftAuthenticator, enrol, link_token


def _cookie(response, name: str) -> dict[str, str]:
    """The attributes of the one cookie of that name the response sets, lower-cased."""
    cookies = [c for c in response.headers.get_list("set-cookie") if c.startswith(f"{name}=")]
    assert len(cookies) == 1, cookies
    return {
        key.strip().lower(): value.strip().lower()
        for key, _, value in (a.partition("=") for a in cookies[0].split(";")[1:])
    }


async def test_a_post_without_the_csrf_token_is_refused(client, make_estate, sign_in):
    estate = await make_estate()
    guard = await estate.person("Li Qiang", Role.GATE_GUARD)
    await sign_in(guard)
    await client.get("/account")  # the browser has its CSRF cookie, but the form lacks the token

    signout = await client.post("/signout", follow_redirects=False)
    language = await client.post("/language", data={"language": "en"}, follow_redirects=False)

    assert signout.status_code == 403
    assert language.status_code == 403
    assert await Session.count().where(Session.person == guard) == 1
    person = await Person.select(Person.locale).where(Person.id == guard).first()
    assert person["locale"] == ""


async def test_a_post_with_a_wrong_csrf_token_is_refused(client, csrf, make_estate, sign_in):
    estate = await make_estate()
    guard = await estate.person("Li Qiang", Role.GATE_GUARD)
    await sign_in(guard)
    good = await csrf()
    forged = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")

    response = await client.post("/signout", headers={"X-CSRFToken": forged}, follow_redirects=False)

    assert response.status_code == 403
    assert await Session.count().where(Session.person == guard) == 1


async def test_a_sign_in_ceremony_without_the_csrf_token_makes_no_challenge(client):
    await client.get("/signin")
    before = await Challenge.count()

    response = await client.post("/signin/options")

    assert response.status_code == 403
    assert await Challenge.count() == before


async def test_pages_carry_a_content_security_policy_without_inline_code(client):
    response = await client.get("/signin")
    policy = dict(
        (part.strip().split(" ", 1) + [""])[:2] for part in response.headers["content-security-policy"].split(";")
    )
    assert policy["script-src"] == "'self' 'wasm-unsafe-eval'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    assert "'unsafe-eval'" not in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"
    assert "<script>" not in response.text  # every script is a file: no inline code for the CSP to allow


async def test_the_session_cookie_is_http_only_same_site_lax_and_not_secure_on_localhost(client, csrf, make_estate):
    estate = await make_estate()
    guard = await estate.person("Li Qiang", Role.GATE_GUARD)
    issued = await enrolment.issue_by_operator(estate.slug, guard)

    response = await enrol(client, await csrf(), link_token(issued.url), SoftAuthenticator())

    cookie = _cookie(response, "gp_session")
    assert "httponly" in cookie
    assert "secure" not in cookie  # plain-HTTP localhost: a browser would drop a Secure cookie
    assert cookie["samesite"] == "lax"
    assert cookie["path"] == "/"


async def test_the_csrf_cookie_is_http_only_and_same_site_lax(client):
    response = await client.get("/signin")
    cookie = _cookie(response, "gp_csrf")
    assert "httponly" in cookie
    assert cookie["samesite"] == "lax"
    assert "secure" not in cookie


async def test_personal_pages_are_not_kept_in_shared_caches(client, make_estate, sign_in):
    estate = await make_estate()
    guard = await estate.person("Li Qiang", Role.GATE_GUARD)
    await sign_in(guard)
    response = await client.get("/account")
    assert response.headers["cache-control"] == "no-cache, private"
    assert "Cookie" in response.headers["vary"]
