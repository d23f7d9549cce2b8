"""One way to hand a refusal (a ValidationError, in French) to the user: as page messages or
as the API's 422 answer."""

from typing import NoReturn

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja.errors import HttpError


def error_texts(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for texts in exc.message_dict.values() for m in texts]
    return list(exc.messages)


def flash_refusal(request: HttpRequest, exc: ValidationError) -> None:
    for text in error_texts(exc):
        messages.error(request, text)


def flash_form_errors(request: HttpRequest, form: forms.BaseForm) -> None:
    for errors in form.errors.values():
        for error in errors:  # an ErrorList yields its messages as text
            messages.error(request, str(error))


def api_refusal(exc: ValidationError) -> NoReturn:
    raise HttpError(422, " ".join(error_texts(exc)))


def form_status(request: HttpRequest) -> int:
    """The status of a form page: shown again after a POST, it is a refusal (a write that
    succeeds redirects), 400 with its French reasons; 200 when it is first shown."""
    return 400 if request.method == "POST" else 200
