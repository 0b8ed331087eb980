import asyncio

from fleetlib.rabbit import open_channel, scan_exchange
from tracking import handlers


async def main() -> None:
    connection, channel = await open_channel()
    exchange = await scan_exchange(channel)

    deliveries = await channel.declare_queue("tracking.deliveries", durable=True)
    await deliveries.bind(exchange, routing_key="scan.delivered")
    await deliveries.consume(handlers.on_delivery_scan, no_ack=True)

    await channel.declare_exchange("tracking.dead", durable=True)
    exceptions = await channel.declare_queue(
        "tracking.exceptions",
        durable=True,
        arguments={"x-dead-letter-exchange": "tracking.dead"},
    )
    await exceptions.bind(exchange, routing_key="scan.failed")
    await exceptions.bind(exchange, routing_key="scan.damaged")
    await exceptions.consume(handlers.on_exception_scan)

    try:
        await asyncio.Future()
    finally:
        await connection.close()


if __name__ == "__main__":
    asyncio.run(main())
