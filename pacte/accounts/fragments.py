"""What local accounts show on the pages of the apps below (see core.fragments): a partner's
users and the invitation form on the partner's page, the password and the second factor on
« Mon compte »."""

from pacte.core import fragments, policy

from . import conf, selectors
from .forms import InvitationForm


@fragments.provide("partner_detail", "partner_users")
def partner_users(*, user, partner):
    """For whoever may invite a partner's users (those who instruct): the users and the form."""
    if not policy.allows(user, "partner", "invite", partner):
        return None
    return {
        "template": "accounts/_partner_users.html",
        "accounts": selectors.partner_accounts(user=user, partner=partner),
        "form": InvitationForm(),
        "invitation_days": conf.invitation_validity().days,
    }


@fragments.provide("account", "security")
def account_security(*, user):
    return {
        "template": "accounts/_account_security.html",
        "can_change_password": policy.allows(user, "account", "password")
        and user.has_usable_password(),
        "second_factor": selectors.second_factor_status(user=user),
        "second_factor_required": policy.requires_second_factor(user),
    }
