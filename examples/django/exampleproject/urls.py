from django.urls import path

from tessera.integrations.django import auth_urls

from . import views

urlpatterns = [
    *auth_urls(),
    path("", views.home),
    path("me", views.me),
    path("me-async", views.me_async),
    path("account", views.account),
]
