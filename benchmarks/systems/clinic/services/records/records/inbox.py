"""Inbox deduplication: a message id is recorded in the same transaction as the handler's writes."""

from records.db import ProcessedMessage


def seen_before(session, message_id: str) -> bool:
    if session.get(ProcessedMessage, message_id) is not None:
        return True
    session.add(ProcessedMessage(message_id=message_id))
    return False
