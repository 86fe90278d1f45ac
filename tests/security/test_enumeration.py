"""Account enumeration: sign-in, sign-up and reset requests answer alike for known and unknown addresses.

ASVS v5.0.0-6.3.8 (status, body and timing), Better Auth commit 33f1f09715 (sign-in hashed only for existing
users, security.md §2.4 test E1) and issue #7972 / PR #8091 (sign-up answered 422 for a taken address, §2.7
test E3). Timing is asserted through the work done (the hasher is called), never with a clock.
"""

from __future__ import annotations

from typing import Any

from tests._helpers import FAST_HASHER, Client, make_auth

from tessera import Tessera
from tessera.db.schema import Field
from tessera.http import Response


class CountingHasher:
    """The fast test hasher, counting what each request spends."""

    def __init__(self) -> None:
        self.hashes = 0
        self.verifies = 0

    async def hash(self, password: str) -> str:
        self.hashes += 1
        return await FAST_HASHER.hash(password)

    async def verify(self, stored: str, password: str) -> bool:
        self.verifies += 1
        return await FAST_HASHER.verify(stored, password)

    def needs_rehash(self, stored: str) -> bool:
        return False

    def spent(self) -> tuple[int, int]:
        return self.hashes, self.verifies


def shape(r: Response) -> tuple[int, list[str], Any]:
    """What a client can compare between two answers (ids and timestamps aside)."""
    body = r.json_body()
    if isinstance(body, dict) and isinstance(body.get("user"), dict):
        body = {**body, "user": {k: v for k, v in body["user"].items() if k not in ("id", "createdAt", "updatedAt")}}
    return r.status, sorted(name for name, _ in r.all_headers()), body


async def test_sign_in_for_an_unknown_email_still_verifies_a_hash() -> None:
    """Commit 33f1f09715 / ASVS v5.0.0-6.3.8: unknown email, password-less account and wrong password all spend
    one password verification and get the same answer."""
    hasher = CountingHasher()
    auth = make_auth(email_and_password={"password": hasher})
    await Client(auth).sign_up()
    # an account without a password (as an OAuth sign-up leaves it)
    await auth.context.store.create_user({"name": "O", "email": "oauth@example.com", "emailVerified": True})
    hasher.hashes = hasher.verifies = 0

    answers = []
    for email, password in [("alice@example.com", "wrong-password-123"), ("nobody@example.com", "wrong-password-123"),
                            ("oauth@example.com", "wrong-password-123")]:
        before = hasher.spent()
        r = await Client(auth).sign_in(email, password)
        spent = (hasher.hashes - before[0], hasher.verifies - before[1])
        assert spent[1] == 1, (email, spent)  # one verification each: the unknown ones against a dummy hash
        answers.append(shape(r))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 401 and answers[0][2]["code"] == "INVALID_EMAIL_OR_PASSWORD"


def verifying_app(hasher: CountingHasher, **user: Any) -> Tessera:
    async def mail(**_: Any) -> None:
        return None

    return make_auth(
        email_and_password={"password": hasher, "require_email_verification": True},
        email_verification={"send_verification_email": mail},
        user=user,
    )


async def test_sign_up_with_a_taken_email_answers_like_a_new_account() -> None:
    """Issue #7972 / PR #8091 (E3), ASVS v5.0.0-6.3.8: with verification required, a taken address gets the
    same status, headers and body as a new one, after the same hashing, and no session."""
    hasher = CountingHasher()
    auth = verifying_app(hasher)
    new = await Client(auth).sign_up("bob@example.com")
    spent_new = hasher.spent()
    taken = await Client(auth).sign_up("bob@example.com")
    spent_taken = (hasher.hashes - spent_new[0], hasher.verifies - spent_new[1])
    assert shape(new) == shape(taken)
    assert new.status == 200 and new.json_body()["token"] is None and not taken.set_cookies
    assert spent_new == spent_taken == (1, 0)


async def test_the_synthetic_answer_carries_schema_defaults_too() -> None:
    """E3 (found here): the made-up user for a taken address left defaulted fields (an app's ``plan``, a plugin's
    ``role``) ``null`` where a real new user has the default, which told the two apart."""
    hasher = CountingHasher()
    fields = [Field("plan", default="free", input=False, required=False),
              Field("credits", type="number", default=lambda: 10, input=False, required=False)]
    auth = verifying_app(hasher, additional_fields=fields)
    new = await Client(auth).sign_up("carol@example.com")
    taken = await Client(auth).sign_up("carol@example.com")
    assert new.json_body()["user"]["plan"] == "free" and new.json_body()["user"]["credits"] == 10
    assert shape(new) == shape(taken)
    assert list(new.json_body()["user"]) == list(taken.json_body()["user"])  # same key order too


async def test_fields_set_by_database_hooks_are_matched_through_custom_synthetic_user() -> None:
    """E3: a field a ``user.create`` hook sets (as the admin plugin sets ``role``) is not a schema default, so the
    made-up answer cannot know it; ``custom_synthetic_user`` (Better Auth's ``customSyntheticUser``) supplies it."""
    hooks = {"user": {"create": {"before": lambda user, ctx: {"data": {"plan": "trial"}}}}}

    async def mail(**_: Any) -> None:
        return None

    def synthetic(*, core_fields: dict[str, Any], additional_fields: dict[str, Any], id: str) -> dict[str, Any]:
        return {**core_fields, **additional_fields, "plan": "trial", "id": id}

    for custom, alike in ((None, False), (synthetic, True)):
        auth = make_auth(
            database_hooks=hooks,
            email_and_password={"require_email_verification": True, "custom_synthetic_user": custom},
            email_verification={"send_verification_email": mail},
            user={"additional_fields": [Field("plan", required=False, input=False)]},
        )
        new = await Client(auth).sign_up("dave@example.com")
        taken = await Client(auth).sign_up("dave@example.com")
        assert new.json_body()["user"]["plan"] == "trial"
        assert (shape(new) == shape(taken)) is alike


async def test_password_reset_request_answers_alike_for_unknown_addresses() -> None:
    """ASVS v5.0.0-6.3.8 (forgot-password): same status, headers and body; only a registered address gets mail."""
    sent: list[dict[str, Any]] = []

    async def record(**kwargs: Any) -> None:
        sent.append(kwargs)

    auth = make_auth(email_and_password={"send_reset_password": record})
    await Client(auth).sign_up()
    known = await Client(auth).post("/request-password-reset", {"email": "alice@example.com"})
    unknown = await Client(auth).post("/request-password-reset", {"email": "nobody@example.com"})
    assert shape(known) == shape(unknown)
    assert known.status == 200 and len(sent) == 1


async def test_the_admin_plugins_role_is_in_the_synthetic_answer() -> None:
    """E3 (found here): the admin plugin's ``role`` came from a create hook, so a taken address answered
    ``role: null`` where a new account answers the default role."""
    from tessera.plugins.admin import admin

    async def mail(**_: Any) -> None:
        return None

    auth = make_auth(
        email_and_password={"password": FAST_HASHER, "require_email_verification": True},
        email_verification={"send_verification_email": mail},
        plugins=[admin()],
    )
    new = await Client(auth).sign_up("erin@example.com")
    taken = await Client(auth).sign_up("erin@example.com")
    assert new.json_body()["user"]["role"] == "user"
    assert shape(new) == shape(taken)
