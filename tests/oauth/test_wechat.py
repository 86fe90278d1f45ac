"""WeChat against Better Auth 1.7.24's own provider: the URLs it sends and the user it builds, kept as literals
from ``tests/reference/node/wechat_vectors.mjs``, then sign-in, refresh and every error answer through tessera's
endpoints against a fake WeChat (answers shaped as WeChat's: errors are a 200 with ``errcode``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tessera import ConfigError
from tessera.oauth import OAuth2Tokens, ProviderHTTPError, build_provider
from tessera.oauth.provider import OAuthProvider
from tests._helpers import Client
from tests.oauth.conftest import location
from tests.oauth.test_providers_more import Answer, FakeProvider, _auth, _sign_in

REDIRECT = "http://127.0.0.1:3000/api/auth/callback/wechat"
TOKEN = "https://api.weixin.qq.com/sns/oauth2/access_token"
REFRESH = "https://api.weixin.qq.com/sns/oauth2/refresh_token"
USERINFO = "https://api.weixin.qq.com/sns/userinfo"
OPENID = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"
UNIONID = "o6_bmasdasdsad6_2sgVt7hMZOPfL"
PROFILE = {
    "openid": OPENID, "nickname": "Wei Xin", "sex": 1, "province": "Guangdong", "city": "Shenzhen",
    "country": "CN", "headimgurl": "https://thirdwx.qlogo.cn/mmopen/g3Mon/0", "privilege": ["chinaunicom"],
    "unionid": UNIONID,
}
TOKENS = {"access_token": "ACCESS", "expires_in": 7200, "refresh_token": "REFRESH", "openid": OPENID,
          "scope": "snsapi_login", "unionid": UNIONID}

# what Better Auth's provider sends (wechat_vectors.mjs), byte for byte
BA_AUTHORIZE = (
    "https://open.weixin.qq.com/connect/qrconnect?scope=snsapi_login&response_type=code&appid=wx-app-id"
    "&redirect_uri=http%3A%2F%2F127.0.0.1%3A3000%2Fapi%2Fauth%2Fcallback%2Fwechat&state=state-123&lang=cn"
    "#wechat_redirect"
)
BA_AUTHORIZE_FULL = (
    "https://open.weixin.qq.com/connect/qrconnect?scope=snsapi_login%2Csnsapi_userinfo%2Cextra%3Ascope"
    "&response_type=code&appid=wx-app-id&redirect_uri=http%3A%2F%2F127.0.0.1%3A3000%2Fapi%2Fauth%2Fcallback%2Fwechat"
    "&state=state-123&lang=en&self_redirect=true#wechat_redirect"
)
BA_AUTHORIZE_WITHOUT_DEFAULTS = (
    "https://open.weixin.qq.com/connect/qrconnect?scope=snsapi_base&response_type=code&appid=wx-app-id"
    "&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=s&lang=cn#wechat_redirect"
)
BA_EXCHANGE = f"{TOKEN}?appid=wx-app-id&secret=wx-secret&code=CODE&grant_type=authorization_code"
BA_USERINFO = f"{USERINFO}?access_token=ACCESS&openid={OPENID}&lang=zh_CN"
BA_REFRESH = f"{REFRESH}?appid=wx-app-id&grant_type=refresh_token&refresh_token=REFRESH"


def _wechat(http: Any = None, **options: Any) -> OAuthProvider:
    provider = build_provider("wechat", {"client_id": "wx-app-id", "client_secret": "wx-secret", **options},
                              http or FakeProvider({}))
    assert provider is not None
    return provider


def _token_endpoint(answer: dict[str, Any]) -> Answer:
    """WeChat's code exchange: a GET whose query carries the app credentials; a wrong code is a 200 errcode."""

    def exchange(request: dict[str, Any]) -> tuple[int, Any]:
        assert request["query"] == {"appid": "wx-app-id", "secret": "wx-secret", "code": request["query"]["code"],
                                    "grant_type": "authorization_code"}
        if request["query"]["code"] != "CODE":
            return 200, {"errcode": 40029, "errmsg": "invalid code"}
        return 200, answer

    return exchange


def _wechat_api(tokens: dict[str, Any] | None = None, profile: Any = None) -> FakeProvider:
    return FakeProvider({
        f"GET {TOKEN}": _token_endpoint(TOKENS if tokens is None else tokens),
        f"GET {USERINFO}": PROFILE if profile is None else profile,
        f"GET {REFRESH}": {"access_token": "ACCESS2", "expires_in": 7200, "refresh_token": "REFRESH2",
                           "openid": OPENID, "scope": "snsapi_login,snsapi_userinfo"},
    })


# -- authorization URL ---------------------------------------------------------------------------------


async def test_authorization_url_is_better_auths_to_the_byte() -> None:
    url = await _wechat().create_authorization_url(state="state-123", code_verifier="v" * 64, redirect_uri=REDIRECT)
    assert url == BA_AUTHORIZE  # appid, comma-joined scopes, lang, the fragment; no PKCE
    full = _wechat(lang="en", scope=["snsapi_userinfo"])
    url = await full.create_authorization_url(
        state="state-123", code_verifier="v" * 64, redirect_uri=REDIRECT, scopes=["extra:scope"],
        login_hint="ignored@example.com", nonce="ignored",
        additional_params={"appid": "forged", "client_id": "forged", "state": "forged", "self_redirect": "true"},
    )
    assert url == BA_AUTHORIZE_FULL  # additional parameters never replace appid, state or the client id
    bare = _wechat(disable_default_scope=True, redirect_uri="https://app.example/cb")
    url = await bare.create_authorization_url(state="s", code_verifier="v", redirect_uri=REDIRECT,
                                              scopes=["snsapi_base"])
    assert url == BA_AUTHORIZE_WITHOUT_DEFAULTS


async def test_sign_in_social_answers_the_wechat_url() -> None:
    auth = _auth(_wechat(_wechat_api()))
    r = await Client(auth).post("/sign-in/social", {"provider": "wechat", "additionalParams": {"appid": "x"}})
    assert r.status == 200
    url = r.json_body()["url"]
    assert url == location(r) and url.endswith("&lang=cn#wechat_redirect") and "appid=wx-app-id&" in url


def test_configuration() -> None:
    with pytest.raises(ConfigError, match="needs client_secret"):
        build_provider("wechat", {"client_id": "wx-app-id"}, FakeProvider({}))
    with pytest.raises(ConfigError, match="unknown option"):
        build_provider("wechat", {"client_id": "wx-app-id", "client_secret": "s", "language": "en"}, FakeProvider({}))
    wechat = _wechat(platform_type="WebsiteApp")
    assert wechat.display_name == "WeChat" and wechat.supports_refresh and not wechat.supports_id_token_sign_in


# -- the user Better Auth builds -----------------------------------------------------------------------

# (profile, account subject, (name, email, image, emailVerified)) — Better Auth's answers (wechat_vectors.mjs);
# tessera lowercases the email when it is read, where Better Auth lowercases it when it stores the user
MAPPINGS: list[tuple[dict[str, Any], str, tuple[Any, ...]]] = [
    (PROFILE, UNIONID, ("Wei Xin", f"{UNIONID}@wechat.placeholder.invalid".lower(), PROFILE["headimgurl"], False)),
    ({k: v for k, v in PROFILE.items() if k != "unionid"}, OPENID,
     ("Wei Xin", f"{OPENID}@wechat.placeholder.invalid".lower(), PROFILE["headimgurl"], False)),
    ({**PROFILE, "email": "Someone@Example.com"}, UNIONID,
     ("Wei Xin", "someone@example.com", PROFILE["headimgurl"], False)),
    ({"openid": "o-1"}, "o-1", (None, "o-1@wechat.placeholder.invalid", None, False)),
]


@pytest.mark.parametrize(("profile", "subject", "user"), MAPPINGS)
async def test_profile_mapping(profile: dict[str, Any], subject: str, user: tuple[Any, ...]) -> None:
    info = await _wechat().to_user_info(profile, None)
    assert info is not None and info.id == subject and info.data == profile
    assert (info.name, info.email, info.image, info.email_verified) == user


async def test_map_profile_to_user_overrides_the_placeholder() -> None:
    mapped = _wechat(map_profile_to_user=lambda p: {"email": "wx@example.com", "city": p["city"]})
    info = await mapped.to_user_info(dict(PROFILE), None)
    assert info is not None and info.email == "wx@example.com" and not info.email_verified
    assert info.fields == {"city": "Shenzhen"}


async def test_code_exchange_and_userinfo_are_better_auths_requests() -> None:
    api = _wechat_api()
    wechat = _wechat(api)
    tokens = await wechat.exchange_code(code="CODE", code_verifier="v" * 64, redirect_uri=REDIRECT)
    assert (tokens.access_token, tokens.refresh_token, tokens.token_type, tokens.scopes) == (
        "ACCESS", "REFRESH", "Bearer", ["snsapi_login"])
    info = await wechat.get_user_info(tokens)
    assert info is not None and info.id == UNIONID
    assert [(r["method"], r["url"]) for r in api.requests] == [("GET", BA_EXCHANGE), ("GET", BA_USERINFO)]
    assert all("authorization" not in r["headers"] for r in api.requests)  # the token travels in the query


# -- through tessera's endpoints -----------------------------------------------------------------------


async def test_sign_in_refresh_and_account_info() -> None:
    api = _wechat_api()
    auth = _auth(_wechat(api))
    browser = Client(auth)
    _, r = await _sign_in(browser, "wechat", code="CODE")
    assert location(r) == "/home", api.requests
    user = (await browser.get("/get-session")).json_body()["user"]
    assert (user["name"], user["email"], user["emailVerified"], user["image"]) == (
        "Wei Xin", f"{UNIONID}@wechat.placeholder.invalid".lower(), False, PROFILE["headimgurl"])
    [account] = await auth.adapter.find_many("account")
    assert (account["providerId"], account["accountId"], account["scope"]) == ("wechat", UNIONID, "snsapi_login")
    assert (account["accessToken"], account["refreshToken"]) == ("ACCESS", "REFRESH")
    expires = account["accessTokenExpiresAt"].replace(tzinfo=UTC)
    assert abs(expires - datetime.now(UTC) - timedelta(seconds=7200)) < timedelta(seconds=60)
    assert [r["url"] for r in api.requests] == [BA_EXCHANGE, BA_USERINFO]

    r = await browser.post("/refresh-token", {"accountId": account["id"]})
    assert r.status == 200, r.body
    assert (r.json_body()["accessToken"], r.json_body()["refreshToken"]) == ("ACCESS2", "REFRESH2")
    assert api.requests[-1]["url"] == BA_REFRESH  # no secret: WeChat binds the refresh token to the app

    # the stored account keeps no openid, which sns/userinfo needs: Better Auth answers the same 401
    r = await browser.get("/account-info", query=f"accountId={account['id']}")
    assert r.status == 401 and r.json_body()["code"] == "FAILED_TO_GET_USER_INFO"
    assert api.requests[-1]["url"].startswith(REFRESH)


async def test_refused_refresh_is_a_400() -> None:
    api = _wechat_api()
    auth = _auth(_wechat(api))
    browser = Client(auth)
    _, r = await _sign_in(browser, "wechat", code="CODE")
    api.routes[f"GET {REFRESH}"] = {"errcode": 40030, "errmsg": "invalid refresh_token"}
    [account] = await auth.adapter.find_many("account")
    r = await browser.post("/refresh-token", {"accountId": account["id"]})
    assert r.status == 400 and r.json_body()["code"] == "FAILED_TO_REFRESH_ACCESS_TOKEN"


def _unreachable(request: dict[str, Any]) -> tuple[int, Any]:
    raise ProviderHTTPError("connection refused")


# (what WeChat answers, the callback's error) — as Better Auth answers them, never a 500
FAILURES: list[tuple[str, dict[str, Any], str, str]] = [
    ("wrong code", {}, "WRONG", "invalid_code"),
    ("token errcode", {"tokens": {"errcode": 40163, "errmsg": "code been used"}}, "CODE", "invalid_code"),
    ("token http error", {"token_route": lambda r: (502, None)}, "CODE", "invalid_code"),
    ("token unreachable", {"token_route": _unreachable}, "CODE", "invalid_code"),
    ("token answer without a token", {"tokens": {"openid": OPENID, "scope": "snsapi_login"}}, "CODE", "invalid_code"),
    ("token answer without openid", {"tokens": {k: v for k, v in TOKENS.items() if k != "openid"}}, "CODE",
     "unable_to_get_user_info"),
    ("userinfo errcode", {"profile": {"errcode": 40003, "errmsg": "invalid openid"}}, "CODE",
     "unable_to_get_user_info"),
    ("profile without an id", {"profile": {"nickname": "Nobody"}}, "CODE", "unable_to_get_user_info"),
    # Better Auth's createPlaceholderEmail throws here (a 500); tessera has no email to give the user
    ("id unfit for an address", {"profile": {**PROFILE, "unionid": "has space"}}, "CODE", "email_not_found"),
]


@pytest.mark.parametrize(("case", "wechat", "code", "error"), FAILURES, ids=[f[0] for f in FAILURES])
async def test_provider_errors_redirect_with_better_auths_codes(
    case: str, wechat: dict[str, Any], code: str, error: str
) -> None:
    api = _wechat_api(wechat.get("tokens"), wechat.get("profile"))
    if "token_route" in wechat:
        api.routes[f"GET {TOKEN}"] = wechat["token_route"]
    auth = _auth(_wechat(api))
    browser = Client(auth)
    _, r = await _sign_in(browser, "wechat", code=code)
    assert r.status == 302 and location(r) == f"/failed?error={error}"
    assert "better-auth.session_token" not in browser.cookies
    assert await auth.adapter.count("user") == 0


async def test_profile_fetch_needs_the_token_responses_openid() -> None:
    api = _wechat_api()
    assert await _wechat(api).fetch_profile(OAuth2Tokens(access_token="ACCESS")) is None
    assert api.requests == []
