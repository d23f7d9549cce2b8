from django.urls import path

from . import views

app_name = "legal"
urlpatterns = [
    path("accessibilite/", views.accessibility, name="accessibility"),
    path("mentions-legales/", views.legal_notice, name="legal_notice"),
    path("donnees-personnelles/", views.personal_data, name="personal_data"),
    path("theme.css", views.theme_css, name="theme"),
]
