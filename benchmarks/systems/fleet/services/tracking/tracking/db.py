import os

import asyncpg

_pool = None


async def pool():
    global _pool
    if _pool is None:
        _pool = await asyncpg.create_pool(os.environ.get("TRACKING_DSN", "postgresql://tracking@localhost/tracking"))
    return _pool


async def record_delivery(scan: dict) -> None:
    async with (await pool()).acquire() as conn:
        await conn.execute(
            "INSERT INTO deliveries (scan_id, parcel_id, driver_id, delivered_at) VALUES ($1, $2, $3, $4) ON CONFLICT (scan_id) DO NOTHING",
            scan["scan_id"], scan["parcel_id"], scan["driver_id"], scan["at"],
        )

