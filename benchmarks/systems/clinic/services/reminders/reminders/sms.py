from django.conf import settings
from twilio.rest import Client

_client = Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN)


def send_text(to: str, body: str):
    return _client.messages.create(to=to, from_=settings.TWILIO_FROM, body=body)
