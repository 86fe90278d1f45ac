"""``Mailer``: turns an ``EmailSender`` into the callbacks tessera's flows call, with plain default templates.

Each method *is* a callback with the keyword signature tessera uses, so configuration reads::

    mailer = Mailer(SMTPEmailSender("smtp.example.com", 587, start_tls=True, from_address="auth@example.com",
                                    username="…", password="…"), app_name="Example")
    Tessera(
        email_and_password={"enabled": True, "send_reset_password": mailer.send_reset_password},
        email_verification={"send_verification_email": mailer.send_verification_email},
        user={"change_email": {"enabled": True,
                               "send_change_email_confirmation": mailer.send_change_email_confirmation},
              "delete_user": {"enabled": True,
                              "send_delete_account_verification": mailer.send_delete_account_verification}},
    )

Override ``render`` (or one of the ``*_template`` methods) in a subclass to change the wording. Every value
placed in the HTML part is escaped.
"""

from __future__ import annotations

from html import escape
from typing import Any

from .senders import EmailMessage, EmailSender

Template = tuple[str, str, str]  # subject, text, html


class Mailer:
    def __init__(self, sender: EmailSender, *, app_name: str = "Tessera", from_address: str | None = None) -> None:
        self.sender = sender
        self.app_name = app_name
        self.from_address = from_address

    # -- callbacks ------------------------------------------------------------------------------------

    async def send_verification_email(self, *, user: dict[str, Any], url: str, token: str, **_: Any) -> None:
        await self._send(user["email"], self.verification_template(user, url))

    async def send_reset_password(self, *, user: dict[str, Any], url: str, token: str, **_: Any) -> None:
        await self._send(user["email"], self.reset_password_template(user, url))

    async def send_change_email_confirmation(
        self, *, user: dict[str, Any], new_email: str, url: str, token: str, **_: Any
    ) -> None:
        await self._send(user["email"], self.change_email_confirmation_template(user, new_email, url))

    async def send_delete_account_verification(
        self, *, user: dict[str, Any], url: str, token: str, **_: Any
    ) -> None:
        await self._send(user["email"], self.delete_account_template(user, url))

    # -- templates ------------------------------------------------------------------------------------

    def verification_template(self, user: dict[str, Any], url: str) -> Template:
        return self.render(
            f"Verify your email address for {self.app_name}",
            user,
            "Confirm that this address is yours by opening the link below.",
            url,
            "Verify email",
        )

    def reset_password_template(self, user: dict[str, Any], url: str) -> Template:
        return self.render(
            f"Reset your {self.app_name} password",
            user,
            "Someone asked to reset the password of your account. If it was you, open the link below; "
            "otherwise you can ignore this message.",
            url,
            "Reset password",
        )

    def change_email_confirmation_template(self, user: dict[str, Any], new_email: str, url: str) -> Template:
        return self.render(
            f"Approve the change of your {self.app_name} email address",
            user,
            f"Someone asked to change the email address of your account to {new_email}. "
            "If it was you, approve the change with the link below; otherwise ignore this message.",
            url,
            "Approve change",
        )

    def delete_account_template(self, user: dict[str, Any], url: str) -> Template:
        return self.render(
            f"Confirm the deletion of your {self.app_name} account",
            user,
            "Someone asked to delete your account. This cannot be undone. If it was you, confirm with the "
            "link below; otherwise ignore this message.",
            url,
            "Delete my account",
        )

    def render(self, subject: str, user: dict[str, Any], intro: str, url: str, action: str) -> Template:
        name = user.get("name") or ""
        greeting = f"Hello {name}," if name else "Hello,"
        text = f"{greeting}\n\n{intro}\n\n{url}\n\n— {self.app_name}\n"
        html = (
            f"<p>{escape(greeting)}</p>\n<p>{escape(intro)}</p>\n"
            f'<p><a href="{escape(url, quote=True)}">{escape(action)}</a></p>\n'
            f"<p>{escape(url)}</p>\n<p>— {escape(self.app_name)}</p>\n"
        )
        return subject, text, html

    async def _send(self, to: str, template: Template) -> None:
        subject, text, html = template
        await self.sender.send(
            EmailMessage(to=to, subject=subject, text=text, html=html, from_address=self.from_address)
        )
