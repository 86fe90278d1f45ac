"""``SMTPEmailSender``: delivery through an SMTP server with ``aiosmtplib`` (``pip install 'tessera-auth[smtp]'``).

TLS, by port convention: 465 is implicit TLS (``use_tls=True``); 587 and 25 upgrade with STARTTLS when the server
offers it (``start_tls=None``), or must (``start_tls=True``). Certificates are verified unless
``validate_certs=False``; pass ``tls_context`` to trust a private CA.
"""

from __future__ import annotations

import ssl
from email.message import EmailMessage as MIMEMessage
from email.utils import formatdate, make_msgid

from .senders import EmailMessage


class SMTPEmailSender:
    def __init__(
        self,
        host: str,
        port: int | None = None,
        *,
        from_address: str,
        username: str | None = None,
        password: str | None = None,
        use_tls: bool = False,
        start_tls: bool | None = None,
        validate_certs: bool = True,
        tls_context: ssl.SSLContext | None = None,
        timeout: float = 10.0,
        local_hostname: str | None = None,
    ) -> None:
        try:
            import aiosmtplib
        except ImportError as exc:  # pragma: no cover - depends on installed extras
            raise ImportError("SMTPEmailSender needs aiosmtplib: pip install 'tessera-auth[smtp]'") from exc
        if use_tls and start_tls:
            raise ValueError("use_tls (implicit TLS) and start_tls (upgrade) are exclusive")
        if (username is None) != (password is None):
            raise ValueError("give both username and password, or neither")
        self._smtp = aiosmtplib
        self.host = host
        self.port = port if port is not None else (465 if use_tls else 587 if start_tls else 25)
        self.from_address = from_address
        self.username = username
        self.password = password
        self.use_tls = use_tls
        self.start_tls = start_tls
        self.validate_certs = validate_certs
        self.tls_context = tls_context
        self.timeout = timeout
        self.local_hostname = local_hostname

    def build(self, message: EmailMessage) -> MIMEMessage:
        """The MIME message: plain text, plus an HTML alternative when there is one."""
        mime = MIMEMessage()
        sender = message.from_address or self.from_address
        mime["From"] = sender
        mime["To"] = message.to
        mime["Subject"] = message.subject
        mime["Date"] = formatdate(localtime=False)
        mime["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
        for name, value in message.headers.items():
            mime[name] = value
        mime.set_content(message.text)
        if message.html is not None:
            mime.add_alternative(message.html, subtype="html")
        return mime

    async def send(self, message: EmailMessage) -> None:
        await self._smtp.send(
            self.build(message),
            hostname=self.host,
            port=self.port,
            username=self.username,
            password=self.password,
            use_tls=self.use_tls,
            start_tls=self.start_tls,
            validate_certs=self.validate_certs,
            tls_context=self.tls_context,
            timeout=self.timeout,
            local_hostname=self.local_hostname,
        )
