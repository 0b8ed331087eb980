"""clinicbus: the clinic's thin layer over confluent-kafka (JSON values, correlation headers, DLQ)."""
