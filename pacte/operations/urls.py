from django.urls import path

from . import follow_views, instruction_views, views

app_name = "operations"
urlpatterns = [
    path("", views.operation_list, name="operation_list"),
    path("nouvelle/", views.operation_create, name="operation_create"),
    path("lot/", views.operation_batch, name="operation_batch"),
    path("<id:pk>/", views.operation_detail, name="operation_detail"),
    path("<id:pk>/modifier/", views.operation_edit, name="operation_edit"),
    path("<id:pk>/financement/", views.operation_financing, name="operation_financing"),
    path(
        "<id:pk>/financement/lignes/",
        views.operation_financing_rows,
        name="operation_financing_rows",
    ),
    path(
        "<id:pk>/financement/controles/",
        views.operation_financing_checks,
        name="operation_financing_checks",
    ),
    path("<id:pk>/fiche/", views.operation_sheet, name="operation_sheet"),
    path("<id:pk>/pieces/", views.attachment_upload, name="attachment_upload"),
    path(
        "<id:pk>/pieces/<id:attachment_pk>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path("<id:pk>/messages/", views.message_post, name="message_post"),
    path("<id:pk>/etapes/<str:name>/", views.operation_transition, name="operation_transition"),
    path("<id:pk>/historique/", views.operation_history, name="operation_history"),
    path("<id:pk>/suivre/", follow_views.operation_follow, name="operation_follow"),
    path("<id:pk>/ne-plus-suivre/", follow_views.operation_unfollow, name="operation_unfollow"),
    path("<id:pk>/engagements/", views.commitment_add, name="commitment_add"),
    path("engagements/<id:pk>/", views.commitment_detail, name="commitment_detail"),
    # The Département's instruction tools (never shown to the partner).
    path("<id:pk>/annotations/", instruction_views.annotation_add, name="annotation_add"),
    path(
        "<id:pk>/annotations/<id:annotation_pk>/",
        instruction_views.annotation_change,
        name="annotation_change",
    ),
    path("<id:pk>/avis/", instruction_views.opinion_request, name="opinion_request"),
    path("avis/", instruction_views.opinion_list, name="opinion_list"),
    path("avis/<id:pk>/", instruction_views.opinion_detail, name="opinion_detail"),
    path("avis/<id:pk>/annuler/", instruction_views.opinion_cancel, name="opinion_cancel"),
]
