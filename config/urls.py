from django.contrib import admin
from django.urls import include, path, register_converter

from pacte.accounts import views as accounts_views
from pacte.api import api
from pacte.core import notification_views, policy
from pacte.core import views as core_views
from pacte.core.converters import IdConverter
from pacte.oidc import views as oidc_views

register_converter(IdConverter, "id")

admin.site.site_header = "Pacte — administration"
admin.site.site_title = "Pacte"
admin.site.index_title = "Administration"

urlpatterns = [
    path("", core_views.home, name="home"),
    path(
        "connexion/",
        policy.page(get="session.login", post="session.login", atomic=False)(
            accounts_views.LoginView.as_view()
        ),
        name="login",
    ),
    path(
        "deconnexion/",
        policy.page(post="session.logout")(oidc_views.LogoutView.as_view()),
        name="logout",
    ),
    path("compte/", core_views.account, name="account"),
    path("sante/", core_views.health_page, name="health"),
    path("sante/web/", core_views.web_health_page, name="web_health"),
    path("compte/jetons/", core_views.token_create, name="token_create"),
    path(
        "compte/notifications/",
        notification_views.notification_preference,
        name="notification_preference",
    ),
    path("notifications/", notification_views.notification_list, name="notifications"),
    path(
        "notifications/<id:pk>/lue/",
        notification_views.notification_mark_read,
        name="notification_mark_read",
    ),
    path(
        "notifications/toutes-lues/",
        notification_views.notifications_mark_all_read,
        name="notifications_mark_all_read",
    ),
    path("compte/jetons/<id:pk>/revoquer/", core_views.token_revoke, name="token_revoke"),
    path("reglages/historique/", core_views.settings_history_page, name="settings_history"),
    path("", include("pacte.accounts.urls")),
    path("", include("pacte.oidc.urls")),
    path("territoire/", include("pacte.territory.urls")),
    path("operations/", include("pacte.operations.urls")),
    path("finances/", include("pacte.finance.urls")),
    path("documents/", include("pacte.documents.urls")),
    path("", include("pacte.assembly.urls")),
    path("pilotage/historique/", include("pacte.history.urls")),
    path("pilotage/bilans/", include("pacte.pilotage.urls.bilan")),
    path("donnees-ouvertes/", include("pacte.pilotage.urls.opendata")),
    path("pilotage/", include("pacte.pilotage.urls.dashboards")),
    path("", include("pacte.contracts.urls")),
    path("", include("pacte.legal.urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]

handler500 = "pacte.core.views.server_error"
