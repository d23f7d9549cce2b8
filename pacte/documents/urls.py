from django.urls import path

from . import views

app_name = "documents"
urlpatterns = [
    path("lots/<int:batch_pk>/", views.batch_detail, name="batch"),
    path("lots/<int:batch_pk>/archive/", views.batch_archive, name="batch_archive"),
    path("<int:pk>/generer/<str:kind>/", views.document_generate, name="generate"),
    path("<int:pk>/<int:document_pk>/", views.document_download, name="download"),
    path("<int:pk>/<int:document_pk>/signature/", views.signing_start, name="signing_start"),
    path("<int:pk>/<int:document_pk>/signer/", views.document_sign, name="sign"),
    path("<int:pk>/<int:document_pk>/verifier/", views.document_verify, name="verify"),
]
