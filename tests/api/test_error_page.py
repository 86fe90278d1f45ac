import httpx
import pytest
from tests._helpers import BASE, Client, make_auth

from tessera import Tessera
from tessera.errors import ConfigError


async def page(auth: Tessera, query: str) -> tuple[int, str, str | None]:
    r = await Client(auth).get("/error", query=query)
    return r.status, r.body.decode(), r.header("content-type")


async def test_shows_the_code_and_description_as_html() -> None:
    status, html, content_type = await page(make_auth(), "error=invalid_code&error_description=The+code+expired")
    assert (status, content_type) == (200, "text/html; charset=utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "<code>invalid_code</code>" in html and "The code expired" in html


async def test_reflects_nothing_raw() -> None:
    auth = make_auth()
    attack = "%3Cscript%3Ealert(1)%3C%2Fscript%3E"
    status, html, _ = await page(auth, f"error={attack}&error_description=%3Cimg+src%3Dx+onerror%3Dalert(1)%3E")
    assert status == 200
    assert "<script>" not in html and "<img" not in html
    assert "<code>UNKNOWN</code>" in html  # not a code: not shown at all
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    # a quote is allowed in a code, and still escaped
    _, html, _ = await page(auth, "error=it's&error_description=%22%3E%3Cb%3E")
    assert "it&#x27;s" in html and "it's" not in html
    assert "&quot;&gt;&lt;b&gt;" in html and '"><b>' not in html


async def test_defaults_and_repeated_parameters() -> None:
    _, html, _ = await page(make_auth(), "")
    assert "<code>UNKNOWN</code>" in html and "unexpected error" in html
    _, html, _ = await page(make_auth(), "error=first&error=second")
    assert "<code>first</code>" in html and "second" not in html


async def test_production_redirects_home_with_the_error() -> None:
    auth = make_auth(production=True, secret="p" * 48)
    r = await Client(auth).get("/error", query="error=invalid_code&error_description=bad+thing")
    assert (r.status, r.header("location"), r.body) == (302, "/?error=invalid_code&error_description=bad+thing", b"")
    r = await Client(auth).get("/error", query="error=%3Cscript%3E")
    assert r.header("location") == "/?error=UNKNOWN"
    r = await Client(auth).get("/error", query="error=x&error_description=%3Cscript%3E")
    location = r.header("location")
    assert location == "/?error=x&error_description=%3Cscript%3E" and "<" not in location


async def test_through_the_asgi_app() -> None:
    auth = make_auth()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=auth), base_url=BASE) as http:
        r = await http.get("/api/auth/error", params={"error": "state_mismatch", "error_description": "<x>"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "<code>state_mismatch</code>" in r.text and "&lt;x&gt;" in r.text and "<x>" not in r.text


async def test_server_api_returns_the_page() -> None:
    response = await make_auth().api.error(query={"error": "oops"})
    assert response.status == 200 and b"<code>oops</code>" in response.body


async def test_on_api_error_url_takes_the_user_there_instead() -> None:
    auth = make_auth(on_api_error={"error_url": "https://app.example.com/oops?lang=en#help"},
                     trusted_origins=["https://app.example.com"])
    r = await Client(auth).get("/error", query="error=invalid_code&error_description=bad+thing")
    assert (r.status, r.body, r.header("content-type")) == (302, b"", None)
    assert r.header("location") == (
        "https://app.example.com/oops?lang=en&error=invalid_code&error_description=bad+thing#help"
    )
    r = await Client(auth).get("/error", query="error=%3Cscript%3E")
    assert r.header("location") == "https://app.example.com/oops?lang=en&error=UNKNOWN#help"


@pytest.mark.parametrize("url", ["/oops", "/oops?x=1", f"{BASE}/oops", "https://app.example.com/oops"])
def test_on_api_error_url_may_be_relative_or_on_a_trusted_origin(url: str) -> None:
    auth = make_auth(on_api_error={"error_url": url}, trusted_origins=["https://app.example.com"])
    assert auth.context.on_api_error.error_url == url


@pytest.mark.parametrize("url", ["//evil.example/oops", "/\\evil.example", "https://evil.example/oops",
                                 "javascript:alert(1)", "oops", "https://app.example.com.evil.example/"])
def test_on_api_error_url_elsewhere_is_a_config_error(url: str) -> None:
    with pytest.raises(ConfigError, match=r"on_api_error\.error_url must be"):
        make_auth(on_api_error={"error_url": url}, trusted_origins=["https://app.example.com"])


def test_on_api_error_options_are_checked() -> None:
    with pytest.raises(ConfigError, match="on_api_error: unknown option"):
        make_auth(on_api_error={"error_uri": "/oops"})
