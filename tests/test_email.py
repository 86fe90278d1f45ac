"""Email senders: the in-memory and console seams, the Mailer callbacks, and SMTP against a real local server."""

from __future__ import annotations

import datetime
import io
import ipaddress
import logging
import socket
import ssl
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage as MIMEMessage
from pathlib import Path
from typing import Any

import pytest

from tessera.email import (
    ConsoleEmailSender,
    EmailMessage,
    EmailSender,
    Mailer,
    MemoryEmailSender,
    SMTPEmailSender,
)

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")
pytest.importorskip("aiosmtplib")
from aiosmtpd.smtp import AuthResult, LoginPassword  # noqa: E402

MESSAGE = EmailMessage(
    to="alice@example.com",
    subject="Reset your password",
    text="Open https://app.example.com/reset?token=abc",
    html='<p><a href="https://app.example.com/reset?token=abc">Reset</a></p>',
)


# -- memory and console -------------------------------------------------------------------------------


async def test_memory_sender_keeps_messages_in_order_and_by_recipient() -> None:
    sender = MemoryEmailSender()
    assert isinstance(sender, EmailSender)
    other = EmailMessage(to="bob@example.com", subject="Hi", text="hello")
    await sender.send(MESSAGE)
    await sender.send(other)
    assert sender.outbox == [MESSAGE, other]
    assert sender.to("bob@example.com") == [other]
    assert sender.last() is other
    assert sender.last("alice@example.com") is MESSAGE
    with pytest.raises(LookupError):
        sender.last("carol@example.com")
    sender.clear()
    assert sender.outbox == []


async def test_memory_sender_waits_for_background_sends() -> None:
    import asyncio

    sender = MemoryEmailSender()
    task = asyncio.create_task(sender.send(MESSAGE))
    assert (await sender.wait_for(1)) == [MESSAGE]
    await task
    with pytest.raises(TimeoutError):
        await sender.wait_for(2, timeout=0.05)


async def test_console_sender_writes_to_its_stream_not_to_logging(caplog: pytest.LogCaptureFixture) -> None:
    stream = io.StringIO()
    with caplog.at_level(logging.DEBUG):
        await ConsoleEmailSender(stream).send(MESSAGE)
    out = stream.getvalue()
    assert "To: alice@example.com" in out and "Subject: Reset your password" in out
    assert "https://app.example.com/reset?token=abc" in out
    assert caplog.records == []  # reset links never reach the logging tree by default


async def test_console_sender_uses_a_logger_only_when_given_one(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("tests.dev-mail")
    with caplog.at_level(logging.INFO, logger="tests.dev-mail"):
        await ConsoleEmailSender(logger=logger).send(MESSAGE)
    assert any("alice@example.com" in r.getMessage() for r in caplog.records)


# -- Mailer callbacks ----------------------------------------------------------------------------------


async def test_mailer_callbacks_address_and_escape() -> None:
    sender = MemoryEmailSender()
    mailer = Mailer(sender, app_name="Acme", from_address="auth@acme.test")
    user = {"id": "u1", "email": "alice@example.com", "name": "<b>Alice</b>"}
    url = "https://acme.test/api/auth/verify-email?token=t&callbackURL=%2F"
    await mailer.send_verification_email(user=user, url=url, token="t", request=None)
    await mailer.send_reset_password(user=user, url=url, token="t", request=None)
    await mailer.send_delete_account_verification(user=user, url=url, token="t", request=None)
    await mailer.send_change_email_confirmation(
        user=user, new_email="new@example.com", url=url, token="t", request=None
    )
    assert [m.to for m in sender.outbox] == ["alice@example.com"] * 4  # confirmation goes to the old address
    subjects = [m.subject for m in sender.outbox]
    assert subjects[0] == "Verify your email address for Acme"
    assert "password" in subjects[1] and "deletion" in subjects[2]
    assert "new@example.com" in sender.outbox[3].text
    for message in sender.outbox:
        assert message.from_address == "auth@acme.test"
        assert url in message.text
        assert message.html is not None
        assert "<b>Alice</b>" not in message.html and "&lt;b&gt;Alice&lt;/b&gt;" in message.html
        assert 'href="https://acme.test/api/auth/verify-email?token=t&amp;callbackURL=%2F"' in message.html


# -- SMTP against a real local server -----------------------------------------------------------------


class Inbox:
    """aiosmtpd handler: keeps each delivered envelope."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def message(self, index: int = -1) -> MIMEMessage:
        parsed = message_from_bytes(self.envelopes[index].content, policy=policy.default)
        assert isinstance(parsed, MIMEMessage)
        return parsed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"mailer", b"s3cret")
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535 itself


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made here (no network, no files shipped)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


def client_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificate[0]))


def serve(inbox: Inbox, **kwargs: Any) -> Iterator[int]:
    port = free_port()
    controller = aiosmtpd_controller.Controller(inbox, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@pytest.fixture
def plain_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    for port in serve(inbox, authenticator=authenticator, auth_require_tls=False):
        yield inbox, port


async def test_smtp_delivers_text_and_html_with_auth(plain_server: tuple[Inbox, int]) -> None:
    inbox, port = plain_server
    sender = SMTPEmailSender(
        "127.0.0.1", port, from_address="auth@acme.test", username="mailer", password="s3cret", start_tls=False
    )
    assert isinstance(sender, EmailSender)
    await sender.send(MESSAGE)
    envelope = inbox.envelopes[-1]
    assert envelope.mail_from == "auth@acme.test"
    assert envelope.rcpt_tos == ["alice@example.com"]
    received = inbox.message()
    assert received["Subject"] == "Reset your password"
    assert received["From"] == "auth@acme.test" and received["To"] == "alice@example.com"
    assert received["Message-ID"] and received["Date"]
    text = received.get_body(("plain",))
    html = received.get_body(("html",))
    assert text is not None and "https://app.example.com/reset?token=abc" in text.get_content()
    assert html is not None and '<a href="https://app.example.com/reset?token=abc">' in html.get_content()


async def test_smtp_message_sender_overrides_default_from(plain_server: tuple[Inbox, int]) -> None:
    inbox, port = plain_server
    sender = SMTPEmailSender("127.0.0.1", port, from_address="auth@acme.test", start_tls=False)
    await sender.send(EmailMessage(to="bob@example.com", subject="x", text="y", from_address="other@acme.test"))
    assert inbox.envelopes[-1].mail_from == "other@acme.test"
    assert inbox.message().get_content_type() == "text/plain"  # no HTML part asked for, none sent


async def test_smtp_wrong_credentials_raise(plain_server: tuple[Inbox, int]) -> None:
    import aiosmtplib

    inbox, port = plain_server
    sender = SMTPEmailSender(
        "127.0.0.1", port, from_address="auth@acme.test", username="mailer", password="wrong", start_tls=False
    )
    with pytest.raises(aiosmtplib.SMTPAuthenticationError):
        await sender.send(MESSAGE)
    assert inbox.envelopes == []


async def test_smtp_starttls_upgrades_and_verifies_the_certificate(certificate: tuple[Path, Path]) -> None:
    import aiosmtplib

    inbox = Inbox()
    for port in serve(inbox, tls_context=server_context(certificate), require_starttls=True):
        trusted = SMTPEmailSender(
            "127.0.0.1", port, from_address="auth@acme.test", start_tls=True,
            tls_context=client_context(certificate),
        )
        await trusted.send(MESSAGE)
        assert inbox.envelopes[-1].rcpt_tos == ["alice@example.com"]
        # the same server, but a client that trusts only the system CAs: the self-signed cert is refused
        untrusted = SMTPEmailSender("127.0.0.1", port, from_address="auth@acme.test", start_tls=True, timeout=5)
        with pytest.raises((aiosmtplib.SMTPException, ssl.SSLError)):
            await untrusted.send(MESSAGE)
        assert len(inbox.envelopes) == 1


async def test_smtp_implicit_tls(certificate: tuple[Path, Path]) -> None:
    inbox = Inbox()
    for port in serve(inbox, ssl_context=server_context(certificate)):
        sender = SMTPEmailSender(
            "127.0.0.1", port, from_address="auth@acme.test", use_tls=True,
            tls_context=client_context(certificate),
        )
        await sender.send(MESSAGE)
    assert inbox.message()["Subject"] == "Reset your password"


def test_smtp_rejects_contradictory_options() -> None:
    with pytest.raises(ValueError):
        SMTPEmailSender("localhost", from_address="a@b.test", use_tls=True, start_tls=True)
    with pytest.raises(ValueError):
        SMTPEmailSender("localhost", from_address="a@b.test", username="only-user")
    assert SMTPEmailSender("localhost", from_address="a@b.test", use_tls=True).port == 465
    assert SMTPEmailSender("localhost", from_address="a@b.test", start_tls=True).port == 587
