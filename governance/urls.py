from django.urls import path

from governance import views

urlpatterns = [
    path("context/", views.switch_context, name="switch-context"),
]
