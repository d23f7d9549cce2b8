"""Writes of local accounts, by subject: login throttling, the second factor, passwords and
invitations. Each is one transaction and leaves an audit row (a throttle's failures are
counted without one; its locks have theirs)."""

from .invitations import invitation_accept, invitation_create, invitation_resend
from .passwords import password_change, password_reset_complete, password_reset_request
from .second_factor import (
    recovery_codes_renew,
    second_factor_enrol,
    second_factor_reset,
    second_factor_verify,
)
from .throttle import throttle_unlock

__all__ = [
    "invitation_accept",
    "invitation_create",
    "invitation_resend",
    "password_change",
    "password_reset_complete",
    "password_reset_request",
    "recovery_codes_renew",
    "second_factor_enrol",
    "second_factor_reset",
    "second_factor_verify",
    "throttle_unlock",
]
