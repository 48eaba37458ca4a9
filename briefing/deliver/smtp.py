"""One SMTP connection, reused across recipients: the only module that imports smtplib.

Knows SMTP (STARTTLS, implicit TLS, AUTH, reply codes); knows nothing of editions, subscribers or the store.
Every failure leaves as one of two exceptions, so the sender's retry policy reads plainly:
`TransientSmtpError` (4xx, dropped connection, timeout: try again later, on a fresh connection) and
`PermanentSmtpError` (5xx: retrying will not help). A wrong password, a refused sender or an unreachable
server is a `DeliveryError` for the whole run.
"""

from __future__ import annotations

import smtplib
import ssl
from pathlib import Path
from types import TracebackType

from briefing.config import SmtpSettings
from briefing.errors import DeliveryError


class TransientSmtpError(Exception):
    """Worth retrying: a 4xx reply, a dropped connection, a timeout."""


class ConnectSmtpError(TransientSmtpError):
    """The server could not be reached or greeted us with an error."""


class PermanentSmtpError(Exception):
    """A 5xx reply for this message or recipient."""


class Mailer:
    """Sends messages over one lazily opened connection; reconnects after a drop."""

    def __init__(self, settings: SmtpSettings, password: str | None, ca_file: Path | None = None) -> None:
        self._settings = settings
        self._password = password
        self._ca_file = ca_file
        self._smtp: smtplib.SMTP | None = None

    def send(self, sender: str, recipient: str, message: bytes) -> None:
        """Hand one message for one recipient to the server. Returns once the server accepted it (250)."""
        smtp = self._connection()
        try:
            smtp.sendmail(sender, [recipient], message)
        except smtplib.SMTPRecipientsRefused as error:
            code, reply = error.recipients.get(recipient, (550, b"refused"))
            raise _classify(code, reply) from error
        except smtplib.SMTPSenderRefused as error:
            if error.smtp_code < 500:
                self.close()
                raise TransientSmtpError(f"{error.smtp_code} {_text(error.smtp_error)}") from error
            raise DeliveryError(  # every recipient would fail the same way: not a recipient's problem
                f"{self._settings.host} refused the sender {sender}: {error.smtp_code} {_text(error.smtp_error)}",
                hint="check email.from and email.smtp.username",
            ) from error
        except smtplib.SMTPResponseException as error:  # data refused, 421, ...
            if error.smtp_code < 500:
                self.close()
            raise _classify(error.smtp_code, error.smtp_error) from error
        except (smtplib.SMTPException, OSError) as error:  # disconnected, timed out, reset
            self.close()
            raise TransientSmtpError(_describe(error)) from error

    def close(self) -> None:
        """Say QUIT if the connection still works; forget it either way."""
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def __enter__(self) -> Mailer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            self._smtp = self._connect()
        return self._smtp

    def _connect(self) -> smtplib.SMTP:
        settings = self._settings
        where = f"{settings.host}:{settings.port}"
        try:
            smtp = _open(settings, self._ca_file)
        except smtplib.SMTPResponseException as error:
            raise ConnectSmtpError(f"{where} answered {error.smtp_code} {_text(error.smtp_error)}") from error
        except ssl.SSLCertVerificationError as error:
            raise DeliveryError(
                f"{where}: the server's certificate is not trusted: {error.verify_message}",
                hint="set email.smtp.ca_file to the CA that signed it, or fix the host name",
            ) from error
        except (smtplib.SMTPException, OSError) as error:
            raise ConnectSmtpError(f"cannot connect to {where}: {_describe(error)}") from error
        if settings.username:
            self._login(smtp, where)
        return smtp

    def _login(self, smtp: smtplib.SMTP, where: str) -> None:
        if not self._password:
            smtp.close()
            raise DeliveryError(
                f"email.smtp.username is set but no password was given for {where}",
                hint="export BRIEFING_SMTP_PASSWORD",
            )
        try:
            smtp.login(self._settings.username or "", self._password)
        except smtplib.SMTPAuthenticationError as error:
            smtp.close()
            raise DeliveryError(
                f"{where} refused the login for {self._settings.username}: {error.smtp_code} {_text(error.smtp_error)}",
                hint="check email.smtp.username and BRIEFING_SMTP_PASSWORD",
            ) from error
        except smtplib.SMTPNotSupportedError as error:
            smtp.close()
            raise DeliveryError(
                f"{where} does not offer AUTH; drop email.smtp.username or use security: starttls/tls"
            ) from error


def _open(settings: SmtpSettings, ca_file: Path | None) -> smtplib.SMTP:
    context = ssl.create_default_context(cafile=ca_file)  # verifies the certificate and the host name
    if settings.security == "tls":
        return smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout, context=context)
    smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    try:
        smtp.ehlo()
        if settings.security == "starttls":
            smtp.starttls(context=context)
            smtp.ehlo()
    except BaseException:
        smtp.close()
        raise
    return smtp


def _classify(code: int, reply: bytes | str) -> TransientSmtpError | PermanentSmtpError:
    text = f"{code} {_text(reply)}"
    return PermanentSmtpError(text) if code >= 500 else TransientSmtpError(text)


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
