"""Error codes of the have-i-been-pwned plugin: Better Auth's ``PASSWORD_COMPROMISED``, and tessera's code for a
check that could not be made (Better Auth answers a bare 500 there)."""

from __future__ import annotations

from ...errors import ErrorCodes, code


class HaveIBeenPwnedErrorCodes(ErrorCodes):
    PASSWORD_COMPROMISED = code(
        "The password you entered has been compromised. Please choose a different password."
    )
    #: tessera's: the Pwned Passwords service could not be asked (unreachable, slow, an answer that is not one)
    PASSWORD_CHECK_UNAVAILABLE = code("Failed to check password. Please try again later.")
