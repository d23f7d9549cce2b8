from django.urls import path

from . import views_history

app_name = "history"
urlpatterns = [
    path("", views_history.history_index, name="index"),
    path("<id:pk>/", views_history.history_detail, name="detail"),
]
