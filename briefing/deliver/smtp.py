"""One SMTP connection, reused across recipients: the only module that imports smtplib.

Knows SMTP (STARTTLS, implicit TLS, AUTH, reply codes); knows nothing of editions, subscribers or the store.
Every failure leaves as one of three exceptions, so the sender's retry policy reads plainly:
`TransientError` (4xx, or a dropped connection or timeout before the message was handed over: try again on a
fresh connection), `PermanentError` (5xx: retrying will not help) and `UnclearError` (the whole message was
handed over and no answer came: the server may have accepted it, so it must not be retried automatically).
A wrong password, a refused sender or an unreachable server is a `DeliveryError` for the whole run.

The SMTP transaction is spelled out (MAIL, RCPT, DATA, then the body and its final ".") rather than `sendmail`,
so the caller can record "handing over" after the server's 354 and before the body: the server takes the
message only with the final ".", so a crash before that write leaves nothing it could deliver, and the window
in which a crash can duplicate a message is the time from that write to the ledger's commit of the 250. The
body and the "." go in one write, as `sendmail` sends them: the same packets as a bare smtplib loop.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from briefing.config import SmtpSettings
from briefing.deliver.channel import ConnectError, PermanentError, TransientError, UnclearError
from briefing.errors import DeliveryError

_LEADING_DOT = re.compile(rb"(?m)^\.")  # RFC 5321 4.5.2: a line starting with "." is sent with one more


class Mailer:
    """Sends messages over one lazily opened connection; reconnects after a drop."""

    def __init__(self, settings: SmtpSettings, password: str | None, ca_file: Path | None = None) -> None:
        self._settings = settings
        self._password = password
        self._ca_file = ca_file
        self._smtp: smtplib.SMTP | None = None

    def send(self, sender: str, recipient: str, message: bytes, handing_over: Callable[[], None]) -> None:
        """Hand one message (CRLF line ends) for one recipient to the server; returns once it answered 250.

        `handing_over` is called after the server's 354 and before the body and its final "." are written: a
        failure while writing them is a `TransientError` (the "." is the last byte, so a write that fails never
        delivered it), a failure once they are written is an `UnclearError`."""
        smtp = self._connection()
        try:
            self._envelope(smtp, sender, recipient)
            handing_over()
            smtp.send(_dot_stuffed(message) + (b".\r\n" if message.endswith(b"\r\n") else b"\r\n.\r\n"))
        except smtplib.SMTPResponseException as error:
            self._after_refusal(error.smtp_code)
            raise _classify(error.smtp_code, error.smtp_error) from error
        except (smtplib.SMTPException, OSError) as error:  # disconnected, timed out, reset: nothing handed over
            self.close()
            raise TransientError(_describe(error)) from error
        self._finish(smtp)

    def _envelope(self, smtp: smtplib.SMTP, sender: str, recipient: str) -> None:
        """MAIL, RCPT and DATA up to the server's 354; a refusal raises SMTPResponseException."""
        smtp.ehlo_or_helo_if_needed()
        code, reply = smtp.mail(sender)
        if code != 250:
            if code >= 500:
                raise DeliveryError(  # every recipient would fail the same way: not a recipient's problem
                    f"{self._settings.host} refused the sender {sender}: {code} {_text(reply)}",
                    hint="check email.from and email.smtp.username",
                )
            raise smtplib.SMTPResponseException(code, reply)
        code, reply = smtp.rcpt(recipient)
        if code not in (250, 251):
            raise smtplib.SMTPResponseException(code, reply)
        code, reply = smtp.docmd("DATA")
        if code != 354:
            raise smtplib.SMTPResponseException(code, reply)

    def _finish(self, smtp: smtplib.SMTP) -> None:
        """Read the verdict on a message handed over; no answer means the outcome is unknown."""
        try:
            code, reply = smtp.getreply()
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise UnclearError(f"no answer after the message was handed over: {_describe(error)}") from error
        if code != 250:
            self._after_refusal(code)
            raise _classify(code, reply)

    def _after_refusal(self, code: int) -> None:
        """Reset the transaction for the next message (RFC 5321 4.1.1.5); a 421 or a broken reset closes."""
        if self._smtp is None:
            return
        if code == 421:
            self.close()
            return
        try:
            self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            self.close()

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
            raise ConnectError(f"{where} answered {error.smtp_code} {_text(error.smtp_error)}") from error
        except ssl.SSLCertVerificationError as error:
            raise DeliveryError(
                f"{where}: the server's certificate is not trusted: {error.verify_message}",
                hint="set email.smtp.ca_file to the CA that signed it, or fix the host name",
            ) from error
        except (smtplib.SMTPException, OSError) as error:
            raise ConnectError(f"cannot connect to {where}: {_describe(error)}") from error
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


def _dot_stuffed(message: bytes) -> bytes:
    """RFC 5321 4.5.2 transparency; the scan is skipped when no line starts with "." (composed messages never
    do: the regex over a 50 KB message cost more than composing it)."""
    if message.startswith(b".") or b"\n." in message:
        return _LEADING_DOT.sub(b"..", message)
    return message


def _classify(code: int, reply: bytes | str) -> TransientError | PermanentError:
    text = f"{code} {_text(reply)}"
    return PermanentError(text) if code >= 500 else TransientError(text)


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
