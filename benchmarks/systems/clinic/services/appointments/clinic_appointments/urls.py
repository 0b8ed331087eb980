from django.urls import path

from scheduling import views

urlpatterns = [
    path("appointments/", views.book_appointment),
    path("appointments/<int:pk>/cancel/", views.cancel_appointment),
    path("appointments/<int:pk>/complete/", views.complete_appointment),
]
