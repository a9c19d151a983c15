from django.urls import path

from schemes import views

app_name = "schemes"

urlpatterns = [
    path("", views.register, name="register"),
    path("<int:pk>/", views.scheme_detail, name="detail"),
]
