from django.urls import path

from . import views

app_name = "assembly"
urlpatterns = [
    path("", views.deliberation_list, name="deliberation_list"),
    path("scdl.csv", views.scdl_deliberations, name="scdl"),
    path("<str:number>/", views.deliberation_detail, name="deliberation_detail"),
]
