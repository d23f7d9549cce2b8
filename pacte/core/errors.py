"""One way to hand a refusal (a ValidationError, in French) to the user: as page messages or
as the API's 422 answer."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from ninja.errors import HttpError


def error_texts(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for texts in exc.message_dict.values() for m in texts]
    return list(exc.messages)


def flash_refusal(request, exc: ValidationError) -> None:
    for text in error_texts(exc):
        messages.error(request, text)


def flash_form_errors(request, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


def api_refusal(exc: ValidationError):
    raise HttpError(422, " ".join(error_texts(exc)))
