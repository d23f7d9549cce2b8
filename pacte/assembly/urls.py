from django.urls import path

from .views import acts, attendance, councillors, public, reports, sittings, votes

app_name = "assembly"
urlpatterns = [
    # Public: published deliberations and their open data.
    path("deliberations/", public.deliberation_list, name="deliberation_list"),
    path("deliberations/scdl.csv", public.scdl_deliberations, name="scdl"),
    path(
        "deliberations/<str:number>/pdf/",
        public.deliberation_public_pdf,
        name="deliberation_public_pdf",
    ),
    path("deliberations/<str:number>/", public.deliberation_detail, name="deliberation_detail"),
    # The assembly service's pages.
    path("seances/", sittings.sitting_list, name="sitting_list"),
    path("seances/nouvelle/", sittings.sitting_create, name="sitting_create"),
    path("seances/<id:pk>/", sittings.sitting_detail, name="sitting_detail"),
    path("seances/<id:pk>/quorum/", sittings.sitting_quorum, name="sitting_quorum"),
    path("seances/<id:pk>/heures/", sittings.sitting_times, name="sitting_times"),
    path("seances/<id:pk>/presences/", attendance.sitting_attendance, name="sitting_attendance"),
    path("seances/<id:pk>/pouvoirs/", attendance.proxy_add, name="proxy_add"),
    path(
        "seances/<id:pk>/pouvoirs-en-ligne/<id:online_pk>/",
        councillors.online_proxy_record,
        name="online_proxy_record",
    ),
    path(
        "seances/<id:pk>/convocations/",
        councillors.sitting_convocations,
        name="sitting_convocations",
    ),
    # The councillors' space, the convocation link and the calendar feed.
    path("elu/", councillors.councillor_home, name="councillor_home"),
    path("elu/seances/<id:pk>/", councillors.councillor_sitting, name="councillor_sitting"),
    path("convocation/<str:token>/", councillors.convocation_open, name="convocation_open"),
    path(
        "elu/calendrier/<str:key>/seances.ics",
        councillors.councillor_calendar,
        name="councillor_calendar",
    ),
    path(
        "seances/<id:pk>/pouvoirs/<id:proxy_pk>/retirer/",
        attendance.proxy_remove,
        name="proxy_remove",
    ),
    path("seances/<id:pk>/proces-verbal.pdf", sittings.sitting_minutes, name="sitting_minutes"),
    path(
        "seances/<id:pk>/proces-verbal/<str:step>/",
        sittings.sitting_minutes_step,
        name="sitting_minutes_step",
    ),
    path("proces-verbaux/", public.minutes_list, name="minutes_list"),
    path("proces-verbaux/<id:pk>.pdf", public.minutes_file, name="minutes_file"),
    path(
        "seances/<id:pk>/conventions/",
        sittings.sitting_agreements,
        name="sitting_agreements",
    ),
    path("seances/<id:pk>/rapports/nouveau/", reports.report_create, name="report_create"),
    path("rapports/<id:pk>/", reports.report_detail, name="report_detail"),
    path("rapports/<id:pk>/modifier/", reports.report_edit, name="report_edit"),
    path("rapports/<id:pk>/envoi/", reports.report_send, name="report_send"),
    path("rapports/<id:pk>/avis/", reports.report_opinion, name="report_opinion"),
    path("rapports/<id:pk>/ouverture/", votes.report_open, name="report_open"),
    path("rapports/<id:pk>/vote/", votes.report_vote, name="report_vote"),
    path("actes/<id:pk>/", acts.deliberation_manage, name="deliberation_manage"),
    path(
        "actes/<id:pk>/publication/",
        acts.deliberation_publish,
        name="deliberation_publish",
    ),
    path(
        "actes/<id:pk>/transmission/",
        acts.deliberation_transmit,
        name="deliberation_transmit",
    ),
    path("actes/<id:pk>/envoi/", acts.deliberation_send, name="deliberation_send"),
    path("actes/<id:pk>/reponse/", acts.deliberation_receive, name="deliberation_receive"),
    path("actes/<id:pk>/<str:which>.pdf", acts.deliberation_file, name="deliberation_file"),
]
