from django.urls import path

from . import views_balance, views_dashboards

app_name = "dashboards"
urlpatterns = [
    path("", views_dashboards.dashboard_index, name="index"),
    path("equilibre-territorial/", views_balance.balance, name="balance"),
    path("<str:kind>/", views_dashboards.dashboard, name="dashboard"),
]
