import os

from kafka import KafkaProducer

producer = KafkaProducer(bootstrap_servers="kafka:9092")


def place_order(order):
    producer.send("orders.placed", order)


def audit(order):
    producer.send(os.environ["AUDIT_TOPIC"], order)
