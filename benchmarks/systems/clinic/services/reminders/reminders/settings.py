import os

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only")
INSTALLED_APPS = ["django.contrib.contenttypes", "reminders"]
DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "reminders"}}

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://redis:6379/0")
TWILIO_ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN", "")
TWILIO_FROM = os.environ.get("TWILIO_FROM", "+3100000000")
