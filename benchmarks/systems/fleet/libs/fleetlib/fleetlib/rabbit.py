"""One robust connection per process to the Amazon MQ (RabbitMQ) broker."""

import os

import aio_pika

AMQP_URL = os.environ.get("AMQP_URL", "amqp://guest:guest@localhost/")
SCAN_EXCHANGE = os.environ.get("SCAN_EXCHANGE", "scans")


async def open_channel(prefetch: int = 20):
    connection = await aio_pika.connect_robust(AMQP_URL)
    channel = await connection.channel()
    await channel.set_qos(prefetch_count=prefetch)
    return connection, channel


async def scan_exchange(channel):
    return await channel.declare_exchange(SCAN_EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True)
