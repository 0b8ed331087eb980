import os

import boto3

ses = boto3.client("sesv2")
SENDER = os.environ.get("NOTIFY_SENDER", "parcels@fleet.example")


def send(to: str, subject: str, text: str) -> None:
    ses.send_email(
        FromEmailAddress=SENDER,
        Destination={"ToAddresses": [to]},
        Content={"Simple": {"Subject": {"Data": subject}, "Body": {"Text": {"Data": text}}}},
    )
