from django.urls import path

from . import views

app_name = "contracts"
urlpatterns = [
    path("partenaires/", views.partner_list, name="partner_list"),
    path("partenaires/<int:pk>/", views.partner_detail, name="partner_detail"),
    path("contrats/", views.contract_list, name="contract_list"),
    path("contrats/nouveau/", views.contract_create, name="contract_create"),
    path("contrats/<int:pk>/", views.contract_detail, name="contract_detail"),
    path("contrats/<int:pk>/modifier/", views.contract_edit, name="contract_edit"),
    path("contrats/<int:pk>/avenant/", views.contract_amend, name="contract_amend"),
    path("contrats/<int:pk>/enjeux/ajouter/", views.stake_add, name="stake_add"),
    path(
        "contrats/<int:pk>/etapes/<str:name>/",
        views.contract_transition,
        name="contract_transition",
    ),
    path("contrats/<int:pk>/comites/nouveau/", views.committee_create, name="committee_create"),
    path("comites/<int:pk>/", views.committee_detail, name="committee_detail"),
    path(
        "comites/<int:pk>/actions/<int:action_pk>/realisee/",
        views.committee_action_done,
        name="committee_action_done",
    ),
    path("assises/", views.forum_list, name="forum_list"),
    path("assises/nouvelle/", views.forum_create, name="forum_create"),
    path("assises/<int:pk>/", views.forum_detail, name="forum_detail"),
    path("ingenierie/", views.engineering_list, name="engineering_list"),
    path("ingenierie/nouvelle/", views.engineering_create, name="engineering_create"),
    path("ingenierie/<int:pk>/", views.engineering_detail, name="engineering_detail"),
    path("generations/<int:pk>/", views.generation_detail, name="generation_detail"),
]
