"""Login and logout, at the site root (no namespace: LOGIN_URL and templates say "login")."""

from django.contrib.auth import views as auth_views
from django.urls import path

from .views import LoginView

urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
