from kafka import KafkaProducer

producer = KafkaProducer(bootstrap_servers="kafka:9092")


def announce(order_id: str) -> None:
    producer.send("orders.placed", value=order_id.encode())
