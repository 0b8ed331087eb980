"""fleetlib: what every fleet service shares (event bus helper, SNS envelope, RabbitMQ connection)."""
