import os

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only")
DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"
INSTALLED_APPS = ["django.contrib.contenttypes", "scheduling"]
ROOT_URLCONF = "clinic_appointments.urls"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("APPOINTMENTS_DB", "appointments"),
    }
}

KAFKA_CLIENT_ID = "appointments"
KAFKA_TOPICS = {
    "booked": "clinic.appointment.booked",
    "cancelled": "clinic.appointment.cancelled",
    "completed": "clinic.appointment.completed",
}
