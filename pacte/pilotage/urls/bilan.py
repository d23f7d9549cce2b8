from django.urls import path

from ..views import bilan

app_name = "bilan"
urlpatterns = [
    path("", bilan.bilan_index, name="index"),
    path("<id:pk>/", bilan.bilan_detail, name="detail"),
    path("<id:pk>/bilan.pdf", bilan.bilan_pdf, name="pdf"),
]
