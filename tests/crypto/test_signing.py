from tessera.crypto.signing import Signer

# from a Better Auth 1.7.24 server with secret "ba-ref-benchmark-secret-0123456789abcdef0123456789abcdef"
BA_SECRET = "ba-ref-benchmark-secret-0123456789abcdef0123456789abcdef"
BA_TOKEN = "Q5uRVbVm1zokRwAdLHEgXKnSl4BSpFKC"
BA_SIGNED = "Q5uRVbVm1zokRwAdLHEgXKnSl4BSpFKC.PFyVv77LNLW4LwrfiOkmUTAzcQdOjRcp3VCotCbvhFQ="


def test_signs_session_tokens_exactly_as_better_auth() -> None:
    assert Signer(BA_SECRET).sign(BA_TOKEN) == BA_SIGNED


def test_reads_a_cookie_signed_by_better_auth() -> None:
    assert Signer(BA_SECRET).unsign(BA_SIGNED) == BA_TOKEN


def test_rejects_tampered_values_and_signatures() -> None:
    signer = Signer(BA_SECRET)
    assert signer.unsign("X" + BA_SIGNED[1:]) is None
    assert signer.unsign(BA_TOKEN + "." + "A" * 43 + "=") is None
    assert signer.unsign(BA_TOKEN) is None
    assert signer.unsign("." + BA_SIGNED.split(".")[1]) is None
    assert Signer("another-secret-0123456789abcdef0123").unsign(BA_SIGNED) is None


def test_signature_is_split_at_the_last_dot() -> None:
    signer = Signer(BA_SECRET)
    assert signer.unsign(signer.sign("a.b.c")) == "a.b.c"
