from django.urls import path

from . import views

app_name = "documents"
urlpatterns = [
    path("lots/<id:batch_pk>/", views.batch_detail, name="batch"),
    path("lots/<id:batch_pk>/archive/", views.batch_archive, name="batch_archive"),
    path("lots/<id:batch_pk>/relancer/", views.batch_relaunch, name="batch_relaunch"),
    path("<id:pk>/generer/<str:kind>/", views.document_generate, name="generate"),
    path("<id:pk>/<id:document_pk>/", views.document_download, name="download"),
    path("<id:pk>/<id:document_pk>/signature/", views.signing_start, name="signing_start"),
    path("<id:pk>/<id:document_pk>/signer/", views.document_sign, name="sign"),
    path("<id:pk>/<id:document_pk>/verifier/", views.document_verify, name="verify"),
]
