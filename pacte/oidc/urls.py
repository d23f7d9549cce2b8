from django.urls import path

from . import views

app_name = "oidc"

urlpatterns = [
    path("connexion/oidc/<str:provider>/", views.start, name="start"),
    path("connexion/oidc/<str:provider>/retour/", views.callback, name="callback"),
]
