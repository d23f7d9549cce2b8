"""Forms of local accounts, in French. Checks that write (the throttle's counts, a password set)
are the services'; the forms read the request and say what is wrong."""

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.core.exceptions import ValidationError

from pacte.core.network import client_address

from . import devices, services
from .models import LoginThrottle
from .services import throttle

Scope = LoginThrottle.Scope

INVALID_LOGIN = "Identifiant ou mot de passe incorrect. Vérifiez les majuscules et réessayez."
PASSWORD_HELP = (
    "12 caractères au moins ; ni un mot de passe courant, ni seulement des chiffres, ni un mot "
    "usuel ou un nom de commune suivi de chiffres, ni votre nom, votre identifiant ou votre "
    "adresse. Une phrase de plusieurs mots convient bien."
)


def _french_password_fields(form: forms.Form) -> None:
    form.fields["new_password1"].label = "Nouveau mot de passe"
    form.fields["new_password1"].help_text = PASSWORD_HELP
    form.fields["new_password2"].label = "Nouveau mot de passe, une seconde fois"
    form.fields["new_password2"].help_text = ""


class LoginForm(AuthenticationForm):
    """The password step. Before the password is checked, a locked username or client address
    is refused (even with the right password); each failure is counted for both. From a
    browser in which this user logged in (pacte.accounts.devices), only that browser's own
    failures count, so that nobody can lock a user out by typing wrong passwords elsewhere."""

    error_messages = {**AuthenticationForm.error_messages, "invalid_login": INVALID_LOGIN}

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "Identifiant"
        self.fields["password"].label = "Mot de passe"
        self.throttled = False

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not (username and password):
            return self.cleaned_data
        device = devices.recognised(self.request, username)
        if device is not None:
            # A browser in which this user logged in: only its own failures count.
            keys: dict[str, object] = {Scope.DEVICE: device}
        else:
            address = client_address(self.request) if self.request else ""
            keys = {Scope.USERNAME: username, Scope.ADDRESS: address}
        lock = throttle.first_lock_of(keys)
        if lock is not None:
            self.throttled = True
            raise ValidationError(lock.message, code="throttled")
        self.user_cache = authenticate(self.request, username=username, password=password)
        if self.user_cache is None:
            locks = [throttle.failure(scope=s, key=k) for s, k in keys.items() if k]
            lock = next((lock for lock in locks if lock is not None), None)
            if lock is not None:
                self.throttled = True
                raise ValidationError([INVALID_LOGIN, lock.message], code="throttled")
            raise self.get_invalid_login_error()
        self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code à 6 chiffres, ou code de secours",
        max_length=20,
        strip=True,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "text",
                "autocapitalize": "none",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
        error_messages={"required": "Tapez le code que montre votre application."},
    )


class EnrolForm(forms.Form):
    code = forms.CharField(
        label="Code à 6 chiffres affiché par l'application",
        max_length=10,
        strip=True,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        error_messages={"required": "Tapez le code que montre votre application."},
    )


class AccountPasswordChangeForm(PasswordChangeForm):
    """The current password first: a wrong one counts as a failed login for the username, and
    a locked username is refused, so that a session left open does not help guess it."""

    error_messages = {
        **PasswordChangeForm.error_messages,
        "password_incorrect": services.passwords.WRONG_CURRENT,
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Mot de passe actuel"
        _french_password_fields(self)

    def clean_old_password(self):
        username = self.user.get_username()
        lock = throttle.lock_of(Scope.USERNAME, username)
        if lock is not None:
            raise ValidationError(lock.message, code="throttled")
        old_password = self.cleaned_data["old_password"]
        if not self.user.check_password(old_password):
            lock = throttle.failure(scope=Scope.USERNAME, key=username)
            messages = [self.error_messages["password_incorrect"]]
            if lock is not None:
                messages.append(lock.message)
            raise ValidationError(messages, code="password_incorrect")
        return old_password


class ResetRequestForm(forms.Form):
    """The address of the account whose password is forgotten (Django's reset view)."""

    email = forms.EmailField(
        label="Adresse électronique de votre compte",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
        error_messages={
            "required": "Indiquez l'adresse électronique de votre compte.",
            "invalid": "Indiquez une adresse électronique valide (nom@exemple.fr).",
        },
    )

    def save(self, **kwargs) -> int:
        return services.password_reset_request(email=self.cleaned_data["email"])


class NewPasswordForm(SetPasswordForm):
    """A new password, chosen through a link (a reset, an invitation)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _french_password_fields(self)
        self.fields["new_password1"].widget.attrs["autofocus"] = True


class ResetPasswordForm(NewPasswordForm):
    def save(self, commit=True):
        services.password_reset_complete(
            user=self.user, new_password=self.cleaned_data["new_password1"]
        )
        return self.user


class InvitationForm(forms.Form):
    first_name = forms.CharField(label="Prénom", max_length=150)
    last_name = forms.CharField(label="Nom", max_length=150)
    email = forms.EmailField(
        label="Adresse électronique",
        max_length=150,
        error_messages={"invalid": "Indiquez une adresse électronique valide (nom@exemple.fr)."},
    )
