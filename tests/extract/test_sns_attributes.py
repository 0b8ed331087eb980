"""fixtures/sns_attributes: an SNS publication's event type sent as a message attribute, also built by a helper."""

from tests.helpers import facts_of, fixture, line_of

ROOT = fixture("sns_attributes")
PUBLISHER = ROOT / "parcels/publisher.py"


def test_the_event_type_attribute_names_the_event():
    facts = facts_of(ROOT)
    found = {(p.line, p.event, p.channel, p.unresolved) for p in facts.publishers}
    assert found == {
        (line_of(PUBLISHER, "sns.publish(", 1), "ParcelRegistered", "parcel-events", None),
        (line_of(PUBLISHER, "sns.publish(", 2), "ParcelCancelled", "parcel-events", None),
        (line_of(PUBLISHER, "sns.publish(", 3), None, "parcel-events", None),
    }
