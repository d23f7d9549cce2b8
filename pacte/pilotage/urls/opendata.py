from django.urls import path

from ..views import opendata

app_name = "opendata"
urlpatterns = [
    path("", opendata.opendata_index, name="index"),
    path("subventions.csv", opendata.subsidies_csv, name="subsidies"),
]
