from django.urls import path

from . import views_bilan

app_name = "bilan"
urlpatterns = [
    path("", views_bilan.bilan_index, name="index"),
    path("<id:pk>/", views_bilan.bilan_detail, name="detail"),
    path("<id:pk>/bilan.pdf", views_bilan.bilan_pdf, name="pdf"),
]
