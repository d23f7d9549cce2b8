from django.urls import path

from . import views

app_name = "finance"
urlpatterns = [
    path("", views.ap_index, name="ap_index"),
    path("ap/<int:pk>/", views.ap_detail, name="ap_detail"),
    path("ap/<int:pk>/revision/", views.ap_revise, name="ap_revise"),
    path("ap/<int:pk>/cp/", views.cp_set, name="cp_set"),
    path("ap/<int:pk>/caducite/", views.lapse_watch, name="lapse_watch"),
    path("engagements/<int:pk>/", views.commitment_action, name="commitment_action"),
    path("paiements/", views.payment_list, name="payment_list"),
    path("paiements/<int:pk>/", views.payment_detail, name="payment_detail"),
    path("operations/<int:operation_pk>/paiement/", views.payment_request, name="payment_request"),
]
