"""Differential cases for the account endpoints (password reset, change-email, delete-user, accounts, /error).

Both servers run the shared conformance configuration, in which no mail callback is configured and
change-email / delete-user are off; these cases hold the answers Better Auth 1.7.24 gives there.
"""

from __future__ import annotations

import httpx
from conformance_pair import PASSWORD, Pair, Side

EVIL = "http://evil.example"


def same_origin(s: Side, r: httpx.Response) -> httpx.Response:
    """The two servers listen on different ports: compare redirects to their own origin without it."""
    location = r.headers.get("location")
    if location and location.startswith(s.origin):
        r.headers["location"] = "{origin}" + location[len(s.origin) :]
    return r


def test_request_password_reset_without_a_sender(pair: Pair, alice: str) -> None:
    def scenario(s: Side) -> list[httpx.Response]:
        return [
            s.post("/request-password-reset", {"email": alice}),
            s.post("/request-password-reset", {"email": "nobody@example.com", "redirectTo": "/reset"}),
            s.post("/request-password-reset", {"email": "not-an-email"}),
            s.post("/request-password-reset", {"email": alice, "redirectTo": EVIL}),
        ]

    pair.check("request-password-reset", scenario)


def test_reset_password_link_and_reset(pair: Pair) -> None:
    def scenario(s: Side) -> list[httpx.Response]:
        return [
            same_origin(s, s.get("/reset-password/" + "a" * 24, params={"callbackURL": "/reset"})),
            same_origin(s, s.get("/reset-password/" + "a" * 24, params={"callbackURL": "/reset?x=1"})),
            same_origin(s, s.get("/reset-password/" + "a" * 24, params={"callbackURL": ""})),
            s.get("/reset-password/" + "a" * 24),
            s.get("/reset-password/" + "a" * 24, params={"callbackURL": EVIL}),
            s.post("/reset-password", {"newPassword": "new-password-123"}),
            s.post("/reset-password", {"newPassword": "short", "token": "a" * 24}),
            s.post("/reset-password", {"newPassword": "new-password-123", "token": "a" * 24}),
            s.post("/reset-password", {"newPassword": "new-password-123"}, params={"token": "b" * 24}),
            s.post("/reset-password", {}),
            s.post("/forget-password", {"email": "x@example.com"}),
        ]

    pair.check("reset-password", scenario)


def test_change_email_and_delete_user_when_disabled(pair: Pair) -> None:
    email = pair.email("henry")

    def scenario(s: Side) -> list[httpx.Response]:
        jar = s.sign_up(email, "Henry")
        headers = {"origin": s.origin}
        return [
            s.post("/change-email", {"newEmail": pair.email("henry2")}, jar=jar, headers=headers),
            s.post("/change-email", {"newEmail": pair.email("henry2")}),
            s.post("/delete-user", {}, jar=jar, headers=headers),
            s.post("/delete-user", {}),
            s.get("/delete-user/callback", params={"token": "x"}, jar=jar),
            s.get("/get-session", jar=jar),
        ]

    pair.check("change-email + delete-user disabled", scenario)


def test_accounts_and_verify_password(pair: Pair) -> None:
    email = pair.email("iris")

    def scenario(s: Side) -> list[httpx.Response]:
        jar = s.sign_up(email, "Iris")
        headers = {"origin": s.origin}
        accounts = s.get("/list-accounts", jar=jar)
        account_id = accounts.json()[0]["id"]
        return [
            accounts,
            s.get("/list-accounts"),
            s.post("/unlink-account", {"accountId": account_id}, jar=jar, headers=headers),
            s.post("/unlink-account", {"providerId": "credential"}, jar=jar, headers=headers),
            s.post("/verify-password", {"password": PASSWORD}, jar=jar, headers=headers),
            s.post("/verify-password", {"password": "wrong-password"}, jar=jar, headers=headers),
            s.post("/verify-password", {"password": PASSWORD}),
        ]

    pair.check("list-accounts + unlink-account + verify-password", scenario)


def test_error_page_in_production(pair: Pair) -> None:
    def scenario(s: Side) -> list[httpx.Response]:
        return [
            s.get("/error", params={"error": "state_mismatch", "error_description": "bad state"}),
            s.get("/error", params={"error": "<script>alert(1)</script>"}),
            s.get("/error"),
        ]

    pair.check("error page", scenario)
