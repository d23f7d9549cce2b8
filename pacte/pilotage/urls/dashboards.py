from django.urls import path

from ..views import balance, dashboards

app_name = "dashboards"
urlpatterns = [
    path("", dashboards.dashboard_index, name="index"),
    path("equilibre-territorial/", balance.balance, name="balance"),
    path("<str:kind>/", dashboards.dashboard, name="dashboard"),
]
