from django.urls import path

from . import views

app_name = "territory"
urlpatterns = [
    path("", views.index, name="index"),
    path("intercommunalites/", views.epci_list, name="epci_list"),
    path("intercommunalites/<str:siren>/", views.epci_detail, name="epci_detail"),
    path("communes/", views.commune_search, name="commune_search"),
    path("elus/", views.councillor_list, name="councillor_list"),
]
