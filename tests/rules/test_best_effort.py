"""EDA502 and EDA402 on failures a handler handles another way (#19): a fallback taking over from what failed."""

from __future__ import annotations

import pytest

from tests.rules.test_debugging import at, findings, project

# -- a clause that assigns a fallback, which a later branch of its function handles ------------------------------

TOKEN = """
    import logging

    import pika
    import requests
    from google.auth.transport.requests import Request
    from google.oauth2.credentials import Credentials
    from google_auth_oauthlib.flow import InstalledAppFlow

    log = logging.getLogger(__name__)


    def credentials():
        creds = Credentials.from_authorized_user_file("token.json", ["https://www.googleapis.com/auth/calendar"])
        if creds.expired and creds.refresh_token:
            try:
                creds.refresh(Request())
            except Exception as exc:
                log.warning("refresh failed: %s", exc)
                creds = None
        if not creds:
            flow = InstalledAppFlow.from_client_secrets_file("client.json", ["https://www.googleapis.com/auth/calendar"])
            creds = flow.run_local_server(port=0)
        return creds


    def on_booking(channel, method, properties, body):
        token = credentials().token
        requests.post("https://www.googleapis.com/calendar/v3/calendars/primary/events", data=body,
                      headers={"Authorization": f"Bearer {token}"})
        channel.basic_ack(method.delivery_tag)


    channel = pika.BlockingConnection().channel()
    channel.basic_consume(queue="bookings", on_message_callback=on_booking)
"""


def test_a_failed_refresh_that_falls_back_to_a_new_flow_is_handled(tmp_path):
    root = project(tmp_path, {"calendar_sync.py": TOKEN})
    assert findings(root, "EDA502") == set()


@pytest.mark.parametrize(
    "change",
    [
        # the later branch runs when the name is true: the failure only skips the work
        ("if not creds:", "if creds:"),
        # the branch run on the fallback only logs
        (
            """flow = InstalledAppFlow.from_client_secrets_file("client.json", ["https://www.googleapis.com/auth/calendar"])
            creds = flow.run_local_server(port=0)""",
            """log.error("no credentials")""",
        ),
        # the branch tests another name
        ("if not creds:", "if not flow_allowed:"),
    ],
)
def test_a_fallback_nothing_takes_over_from_is_still_swallowed(tmp_path, change):
    old, new = change
    assert old in TOKEN
    root = project(tmp_path, {"calendar_sync.py": TOKEN.replace(old, new)})
    assert findings(root, "EDA502") == {at(root, "calendar_sync.py", "except Exception as exc:")}


def test_the_else_of_a_positive_test_is_a_fallback_too(tmp_path):
    source = TOKEN.replace(
        """        if not creds:
            flow""",
        """        if creds:
            log.info("refreshed")
        else:
            flow""",
    )
    root = project(tmp_path, {"calendar_sync.py": source})
    assert findings(root, "EDA502") == set()
