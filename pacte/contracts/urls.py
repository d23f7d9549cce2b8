from django.urls import path

from . import views

app_name = "contracts"
urlpatterns = [
    path("partenaires/", views.partner_list, name="partner_list"),
    path("partenaires/<id:pk>/", views.partner_detail, name="partner_detail"),
    path("contrats/", views.contract_list, name="contract_list"),
    path("contrats/nouveau/", views.contract_create, name="contract_create"),
    path("contrats/<id:pk>/", views.contract_detail, name="contract_detail"),
    path("contrats/<id:pk>/modifier/", views.contract_edit, name="contract_edit"),
    path("contrats/<id:pk>/avenant/", views.contract_amend, name="contract_amend"),
    path("contrats/<id:pk>/enjeux/ajouter/", views.stake_add, name="stake_add"),
    path(
        "contrats/<id:pk>/etapes/<str:name>/",
        views.contract_transition,
        name="contract_transition",
    ),
    path("contrats/<id:pk>/comites/nouveau/", views.committee_create, name="committee_create"),
    path("comites/<id:pk>/", views.committee_detail, name="committee_detail"),
    path(
        "comites/<id:pk>/actions/<id:action_pk>/realisee/",
        views.committee_action_done,
        name="committee_action_done",
    ),
    path("assises/", views.forum_list, name="forum_list"),
    path("assises/nouvelle/", views.forum_create, name="forum_create"),
    path("assises/<id:pk>/", views.forum_detail, name="forum_detail"),
    path("ingenierie/", views.engineering_list, name="engineering_list"),
    path("ingenierie/nouvelle/", views.engineering_create, name="engineering_create"),
    path("ingenierie/<id:pk>/", views.engineering_detail, name="engineering_detail"),
    path("generations/<id:pk>/", views.generation_detail, name="generation_detail"),
]
