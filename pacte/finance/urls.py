from django.urls import path

from . import views

app_name = "finance"
urlpatterns = [
    path("", views.ap_index, name="ap_index"),
    path("ap/<id:pk>/", views.ap_detail, name="ap_detail"),
    path("ap/<id:pk>/revision/", views.ap_revise, name="ap_revise"),
    path("ap/<id:pk>/cp/", views.cp_set, name="cp_set"),
    path("ap/<id:pk>/caducite/", views.lapse_watch, name="lapse_watch"),
    path("engagements/", views.commitment_list, name="commitment_list"),
    path("engagements/<id:pk>/", views.commitment_action, name="commitment_action"),
    path("paiements/", views.payment_list, name="payment_list"),
    path("paiements/<id:pk>/", views.payment_detail, name="payment_detail"),
    path("operations/<id:operation_pk>/paiement/", views.payment_request, name="payment_request"),
]
