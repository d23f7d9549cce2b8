from django.urls import path

from . import views, views_sittings

app_name = "assembly"
urlpatterns = [
    # Public: published deliberations and their open data.
    path("deliberations/", views.deliberation_list, name="deliberation_list"),
    path("deliberations/scdl.csv", views.scdl_deliberations, name="scdl"),
    path(
        "deliberations/<str:number>/pdf/",
        views.deliberation_public_pdf,
        name="deliberation_public_pdf",
    ),
    path("deliberations/<str:number>/", views.deliberation_detail, name="deliberation_detail"),
    # The assembly service's pages.
    path("seances/", views_sittings.sitting_list, name="sitting_list"),
    path("seances/nouvelle/", views_sittings.sitting_create, name="sitting_create"),
    path("seances/<id:pk>/", views_sittings.sitting_detail, name="sitting_detail"),
    path("seances/<id:pk>/quorum/", views_sittings.sitting_quorum, name="sitting_quorum"),
    path("seances/<id:pk>/heures/", views_sittings.sitting_times, name="sitting_times"),
    path(
        "seances/<id:pk>/presences/", views_sittings.sitting_attendance, name="sitting_attendance"
    ),
    path("seances/<id:pk>/pouvoirs/", views_sittings.proxy_add, name="proxy_add"),
    path(
        "seances/<id:pk>/pouvoirs/<id:proxy_pk>/retirer/",
        views_sittings.proxy_remove,
        name="proxy_remove",
    ),
    path(
        "seances/<id:pk>/proces-verbal.pdf", views_sittings.sitting_minutes, name="sitting_minutes"
    ),
    path(
        "seances/<id:pk>/conventions/",
        views_sittings.sitting_agreements,
        name="sitting_agreements",
    ),
    path("seances/<id:pk>/rapports/nouveau/", views_sittings.report_create, name="report_create"),
    path("rapports/<id:pk>/", views_sittings.report_detail, name="report_detail"),
    path("rapports/<id:pk>/modifier/", views_sittings.report_edit, name="report_edit"),
    path("rapports/<id:pk>/envoi/", views_sittings.report_send, name="report_send"),
    path("rapports/<id:pk>/avis/", views_sittings.report_opinion, name="report_opinion"),
    path("rapports/<id:pk>/ouverture/", views_sittings.report_open, name="report_open"),
    path("rapports/<id:pk>/vote/", views_sittings.report_vote, name="report_vote"),
    path("actes/<id:pk>/", views_sittings.deliberation_manage, name="deliberation_manage"),
    path(
        "actes/<id:pk>/publication/",
        views_sittings.deliberation_publish,
        name="deliberation_publish",
    ),
    path(
        "actes/<id:pk>/transmission/",
        views_sittings.deliberation_transmit,
        name="deliberation_transmit",
    ),
    path(
        "actes/<id:pk>/<str:which>.pdf", views_sittings.deliberation_file, name="deliberation_file"
    ),
]
