"""No ID number or phone number in any log line (SPEC §10).

The search forms post their terms (`fupin.core.web.search`), so URLs carry none; this filter
is the second line for what still reaches a log: a URL typed by hand or an old bookmark in
Django's request log or the access log, a message formatted with a value. It masks every
ID number and mobile number in the formatted message of a record (`masking.mask_text`, which also masks bank card numbers).

It sits on the console handler in `LOGGING` (every record Django's loggers propagate to the
root) and, through `install()` from the core app's `ready()`, on the loggers that keep
handlers of their own: gunicorn's access and error logs and runserver's request log.
"""

from __future__ import annotations

import logging

from .masking import mask_text

OWN_HANDLER_LOGGERS = ("gunicorn.access", "gunicorn.error", "django.server")


class PersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a record whose arguments do not fit its format
            return True
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def install(names: tuple[str, ...] = OWN_HANDLER_LOGGERS) -> None:
    """Put the filter on loggers configured outside Django's LOGGING (idempotent)."""
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, PersonalDataFilter) for f in logger.filters):
            logger.addFilter(PersonalDataFilter())
