from django.urls import path

from pacte.core import policy

from . import views

app_name = "accounts"

reset = policy.page(get="session.reset", post="session.reset")
reset_read = policy.page(get="session.reset")

urlpatterns = [
    path("second-facteur/", views.second_factor, name="second_factor"),
    path("second-facteur/activation/", views.enrol, name="enrol"),
    path("second-facteur/activation/qr.svg", views.enrol_qr_code, name="enrol_qr_code"),
    path("second-facteur/codes-de-secours/", views.recovery_codes, name="recovery_codes"),
    path(
        "compte/codes-de-secours/renouveler/",
        views.recovery_codes_renew,
        name="recovery_codes_renew",
    ),
    path(
        "compte/mot-de-passe/",
        policy.page(get="account.password", post="account.password")(
            views.PasswordChangeView.as_view()
        ),
        name="password_change",
    ),
    path("mot-de-passe/oublie/", reset(views.PasswordResetView.as_view()), name="password_reset"),
    path(
        "mot-de-passe/oublie/envoye/",
        reset_read(views.PasswordResetDoneView.as_view()),
        name="password_reset_done",
    ),
    path(
        "mot-de-passe/nouveau/termine/",
        reset_read(views.PasswordResetCompleteView.as_view()),
        name="password_reset_complete",
    ),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        reset(views.PasswordResetConfirmView.as_view()),
        name="password_reset_confirm",
    ),
    path("partenaires/<id:pk>/invitations/", views.partner_invite, name="partner_invite"),
    path("invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
