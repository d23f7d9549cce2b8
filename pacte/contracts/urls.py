from django.urls import path

from . import views

app_name = "contracts"
urlpatterns = [
    path("", views.partner_list, name="partner_list"),
    path("<int:pk>/", views.partner_detail, name="partner_detail"),
]
