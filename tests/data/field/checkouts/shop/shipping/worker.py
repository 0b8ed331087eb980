from kafka import KafkaConsumer

consumer = KafkaConsumer(
    "orders.placed",
    group_id="shipping",
)

for message in consumer:
    print("shipping", message.value)
