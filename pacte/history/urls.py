from django.urls import path

from . import views

app_name = "history"
urlpatterns = [
    path("", views.history_index, name="index"),
    path("<id:pk>/", views.history_detail, name="detail"),
    path("<id:pk>/relancer/", views.history_relaunch, name="relaunch"),
]
