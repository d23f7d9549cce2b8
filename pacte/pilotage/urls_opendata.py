from django.urls import path

from . import views_opendata

app_name = "opendata"
urlpatterns = [
    path("", views_opendata.opendata_index, name="index"),
    path("subventions.csv", views_opendata.subsidies_csv, name="subsidies"),
]
