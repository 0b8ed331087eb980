from kafka import KafkaConsumer

consumer = KafkaConsumer("orders.placed", group_id="billing")

for message in consumer:
    print("charging", message.value)
