"""``tessera.http``: the sans-I/O request, cookie parsing."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from tessera.http import parse_cookie_header


@pytest.mark.parametrize(
    "value",
    ["abc.AbC%2B%2F%3D", "%E2%98%83", "caf%C3%A9", "café%20x", "☃%2B", "%ZZ%2", "100%", "%C3", "é%C3", "%C3é"],
)
def test_cookie_values_decode_like_unquote(value: str) -> None:
    try:
        expected: dict[str, str] = {"a": unquote(value, errors="strict")}
    except UnicodeDecodeError:
        expected = {}  # undecodable values are dropped
    assert parse_cookie_header(f"a={value}") == expected
