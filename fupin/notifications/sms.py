"""SMS senders with pluggable backends, chosen by the setting `FUPIN_SMS_BACKEND` (read from
the environment in config/settings/base.py):

- `console` (default): the text goes to the `fupin.sms` log;
- `file`: one line appended to `VAR_DIR/sms.log`;
- `http`: POST JSON {phone, text} to `FUPIN_SMS_URL` with the bearer token `FUPIN_SMS_TOKEN` —
  the shape most government SMS gateways accept; adapt `HttpBackend.send` for another.

Phone numbers are masked in every log line. Services never call a backend inside their
transaction: `services.message_send_many` hands the texts to `transaction.on_commit`."""

from __future__ import annotations

import json
import logging
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from fupin.core.masking import mask_phone

log = logging.getLogger("fupin.sms")


class ConsoleBackend:
    def send(self, phone: str, text: str) -> None:
        log.info("SMS to %s: %s", mask_phone(phone), text)


class FileBackend:
    def send(self, phone: str, text: str) -> None:
        path = Path(settings.VAR_DIR) / "sms.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")
        with path.open("a", encoding="utf-8") as out:
            out.write(f"{stamp}\t{mask_phone(phone)}\t{text}\n")


class HttpBackend:
    def send(self, phone: str, text: str) -> None:
        url = settings.FUPIN_SMS_URL
        if not url:
            raise ImproperlyConfigured("FUPIN_SMS_BACKEND=http needs FUPIN_SMS_URL")
        body = json.dumps({"phone": phone, "text": text}).encode()
        request = urllib.request.Request(  # noqa: S310 - the operator configures the URL
            url,
            data=body,
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {settings.FUPIN_SMS_TOKEN}",
            },
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            if response.status >= 300:
                raise RuntimeError(f"SMS gateway answered {response.status}")


Backend = ConsoleBackend | FileBackend | HttpBackend
BACKENDS: dict[str, type[Backend]] = {
    "console": ConsoleBackend,
    "file": FileBackend,
    "http": HttpBackend,
}


def sms_backend() -> Backend:
    return BACKENDS[settings.FUPIN_SMS_BACKEND]()
