from django.urls import path

from . import views

app_name = "operations"
urlpatterns = [
    path("", views.operation_list, name="operation_list"),
    path("nouvelle/", views.operation_create, name="operation_create"),
    path("lot/", views.operation_batch, name="operation_batch"),
    path("<int:pk>/", views.operation_detail, name="operation_detail"),
    path("<int:pk>/modifier/", views.operation_edit, name="operation_edit"),
    path("<int:pk>/financement/", views.operation_financing, name="operation_financing"),
    path("<int:pk>/fiche/", views.operation_sheet, name="operation_sheet"),
    path("<int:pk>/pieces/", views.attachment_upload, name="attachment_upload"),
    path(
        "<int:pk>/pieces/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path("<int:pk>/messages/", views.message_post, name="message_post"),
    path("<int:pk>/etapes/<str:name>/", views.operation_transition, name="operation_transition"),
    path("<int:pk>/historique/", views.operation_history, name="operation_history"),
    path("<int:pk>/engagements/", views.commitment_add, name="commitment_add"),
    path("engagements/<int:pk>/", views.commitment_detail, name="commitment_detail"),
]
