"""Sending tessera's emails: the ``EmailSender`` protocol, senders, and ``Mailer`` (the flow callbacks).

``SMTPEmailSender`` imports ``aiosmtplib`` (the ``smtp`` extra) only when one is created.
"""

from .senders import ConsoleEmailSender, EmailMessage, EmailSender, MemoryEmailSender
from .smtp import SMTPEmailSender
from .templates import Mailer

__all__ = [
    "ConsoleEmailSender",
    "EmailMessage",
    "EmailSender",
    "Mailer",
    "MemoryEmailSender",
    "SMTPEmailSender",
]
