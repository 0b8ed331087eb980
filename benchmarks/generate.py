"""Generate a deterministic, realistic event-driven monorepo for benchmarking eventlint.

    python benchmarks/generate.py OUT --lines 200000 --messaging 0.10 --seed 7

The tree looks like a company monorepo: `services/<name>/<name>/` packages, each
with models, repositories, domain services, HTTP views, reports, admin scripts,
migrations and utilities, plus shared libraries under `libs/`. About
`--messaging` of the files touch a broker, with the real API shapes of the
supported frameworks (kafka-python, confluent-kafka, aiokafka, pika, redis-py,
boto3 SNS/SQS): publisher modules that views and domain services call, consumer
modules whose handlers call domain services, which call repositories and shared
helpers across modules (several levels deep). The same arguments always give
the same bytes.
"""

from __future__ import annotations

import argparse
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path

FRAMEWORKS = ("kafka-python", "confluent-kafka", "aiokafka", "pika", "redis", "boto3")
SERVICE_WORDS = (
    "orders", "payments", "inventory", "shipping", "notifications", "billing", "catalog", "pricing",
    "accounts", "loyalty", "search", "reviews", "returns", "fraud", "ledger", "invoicing", "warehouse",
    "dispatch", "support", "marketing", "recommendations", "subscriptions", "identity", "tax", "payouts",
    "reporting", "promotions", "carts", "checkout", "delivery", "routing", "sourcing", "vendors", "compliance",
)
ENTITY_WORDS = (
    "order", "payment", "item", "customer", "shipment", "invoice", "refund", "coupon", "account", "address",
    "parcel", "carrier", "vendor", "product", "price", "stock", "reservation", "ticket", "review", "session",
    "batch", "transfer", "statement", "claim", "label", "quote", "contract", "plan", "charge", "receipt",
)
FIELD_WORDS = (
    "id", "status", "amount_cents", "currency", "created_at", "updated_at", "customer_id", "reference",
    "quantity", "sku", "region", "email", "note", "priority", "attempts", "version", "owner", "source",
)
VERBS = ("created", "updated", "cancelled", "approved", "rejected", "completed", "failed", "scheduled")


@dataclass
class Module:
    path: str
    lines: list[str] = field(default_factory=list)

    def add(self, text: str = "") -> None:
        self.lines.extend(text.split("\n"))


@dataclass
class Service:
    name: str
    framework: str
    entities: list[str]
    publishers: list[str] = field(default_factory=list)  # module names (dotted, within the service)
    events: list[tuple[str, str, str]] = field(default_factory=list)  # (event class, channel, entity)


class Generator:
    def __init__(self, lines: int, messaging: float, seed: int) -> None:
        self.rng = random.Random(seed)
        self.target_lines = lines
        self.messaging = messaging
        self.modules: list[Module] = []

    # -- plumbing ---------------------------------------------------------------------------------

    def pick(self, seq):
        return seq[self.rng.randrange(len(seq))]

    def total(self) -> int:
        return sum(len(m.lines) for m in self.modules)

    def emit(self, module: Module) -> Module:
        self.modules.append(module)
        return module

    # -- the repository -----------------------------------------------------------------------------

    def build(self) -> list[Module]:
        n_services = max(2, self.target_lines // 9000)
        services = []
        for index in range(n_services):
            word = SERVICE_WORDS[index % len(SERVICE_WORDS)]
            name = word if index < len(SERVICE_WORDS) else f"{word}{index // len(SERVICE_WORDS) + 1}"
            entities = self.rng.sample(ENTITY_WORDS, 4)
            services.append(Service(name, FRAMEWORKS[index % len(FRAMEWORKS)], entities))
        self.shared_library()
        for svc in services:
            for entity in svc.entities:
                for verb in self.rng.sample(VERBS, 2):
                    event = f"{entity.title()}{verb.title()}"
                    svc.events.append((event, f"{svc.name}.{entity}.{verb}", entity))
        per_service = self.target_lines / n_services
        for index, svc in enumerate(services):
            upstream = services[(index - 1) % n_services]
            self.service(svc, upstream, per_service)
        return self.modules

    def shared_library(self) -> None:
        base = "libs/common/common"
        self.emit(Module(f"{base}/__init__.py", ['"""Shared helpers used by every service."""']))
        for name in ("money", "clock", "retry", "textutil", "validation", "pagination", "ids"):
            mod = Module(f"{base}/{name}.py")
            mod.add(f'"""{name.title()} helpers shared across services."""\n\nfrom __future__ import annotations\n\nimport logging\nimport re\nfrom datetime import datetime, timedelta, timezone\n\nlog = logging.getLogger(__name__)\n')
            for i in range(self.rng.randint(6, 12)):
                self.plain_function(mod, f"{name}_{self.pick(('format', 'parse', 'check', 'normalise', 'split', 'merge'))}_{i}", [], [])
            self.emit(mod)

    def service(self, svc: Service, upstream: Service, budget: float) -> None:
        start = self.total()
        pkg = f"services/{svc.name}/{svc.name}"
        self.emit(Module(f"{pkg}/__init__.py", [f'"""The {svc.name} service."""']))
        for sub in ("models", "repositories", "domain", "handlers", "api", "messaging", "reports", "admin", "migrations", "utils"):
            self.emit(Module(f"{pkg}/{sub}/__init__.py", [""]))
        settings = self.emit(Module(f"{pkg}/settings.py"))
        settings.add('import os\n\nDATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://localhost/app")\nBROKER_URL = os.environ.get("BROKER_URL", "localhost:9092")\nPAGE_SIZE = int(os.environ.get("PAGE_SIZE", "50"))\nREGION = os.environ.get("REGION", "eu-west-1")')
        channels = self.emit(Module(f"{pkg}/messaging/channels.py"))
        channels.add('"""Channel names owned by this service."""\n')
        for event, channel, _ in svc.events:
            channels.add(f"{_const(event)} = {channel!r}")
        for entity in svc.entities:
            self.model(pkg, svc, entity)
            self.repository(pkg, svc, entity)
        utils = [self.utility(pkg, svc, i) for i in range(3)]
        # publishers: one per entity; domain services import them
        for entity in svc.entities:
            svc.publishers.append(self.publisher(pkg, svc, entity))
        for entity in svc.entities:
            self.domain(pkg, svc, entity, utils)
        handler_modules = [self.handlers(pkg, svc, upstream, entity) for entity in upstream.entities[:2]]
        self.consumer(pkg, svc, upstream, handler_modules)
        for entity in svc.entities:
            self.views(pkg, svc, entity)
        # ordinary code that never touches a broker fills the rest of the service's share
        index = 0
        while self.total() - start < budget:
            kind = self.pick(("reports", "admin", "migrations", "utils", "reports", "admin"))
            self.ordinary(pkg, svc, kind, index)
            index += 1
        self.top_messaging_share(pkg, svc, start)

    def top_messaging_share(self, pkg: str, svc: Service, start: int) -> None:
        """Add consumer or publisher modules until the share of files that touch a broker is met."""
        own = [m for m in self.modules if m.path.startswith(pkg + "/")]
        touching = sum(1 for m in own if _touches_broker(m))
        extra = 0
        while touching < self.messaging * len(own):
            entity = self.pick(svc.entities)
            mod = self.emit(Module(f"{pkg}/messaging/audit_{entity}_{extra}.py"))
            self.publisher_body(mod, svc, entity, audit=True)
            own.append(mod)
            touching += 1
            extra += 1

    # -- module kinds ------------------------------------------------------------------------------------

    def model(self, pkg: str, svc: Service, entity: str) -> None:
        mod = self.emit(Module(f"{pkg}/models/{entity}.py"))
        fields = self.rng.sample(FIELD_WORDS, 7)
        mod.add(f'"""The {entity} record."""\n\nfrom __future__ import annotations\n\nfrom dataclasses import dataclass, field\nfrom datetime import datetime\nfrom typing import Optional\n\n\n@dataclass\nclass {entity.title()}:')
        for name in fields:
            mod.add(f"    {name}: Optional[str] = None")
        mod.add("    tags: list[str] = field(default_factory=list)\n")
        mod.add(f"    def is_active(self) -> bool:\n        return self.{fields[0]} is not None and not self.tags\n")
        mod.add(f"    def to_row(self) -> dict:\n        return {{" + ", ".join(f"{f!r}: self.{f}" for f in fields) + "}\n")
        for event, _, ent in svc.events:
            if ent == entity:
                mod.add(f"\n@dataclass\nclass {event}:\n    {entity}_id: str\n    {fields[1]}: Optional[str] = None\n    occurred_at: Optional[datetime] = None\n")

    def repository(self, pkg: str, svc: Service, entity: str) -> None:
        mod = self.emit(Module(f"{pkg}/repositories/{entity}_repository.py"))
        cls = entity.title()
        mod.add(f'"""Persistence of {entity} records."""\n\nfrom __future__ import annotations\n\nimport logging\n\nfrom common.pagination import pagination_split_0\nfrom {svc.name}.models.{entity} import {cls}\n\nlog = logging.getLogger(__name__)\n\n')
        mod.add(f"class {cls}Repository:\n    def __init__(self, connection):\n        self.connection = connection\n")
        for verb in ("get", "save", "delete", "list_recent", "count_by_status", "mark_processed", "exists"):
            mod.add(f"    def {verb}(self, {entity}_id, **filters):")
            mod.add(f'        sql = "SELECT * FROM {svc.name}_{entity} WHERE id = %s"')
            mod.add("        params = [" + f"{entity}_id" + "] + [value for _, value in sorted(filters.items())]")
            mod.add("        with self.connection.cursor() as cursor:")
            mod.add("            cursor.execute(sql, params)")
            mod.add("            rows = cursor.fetchall()")
            mod.add(f'        log.debug("{verb} %s -> %d rows", {entity}_id, len(rows))')
            mod.add(f"        return [{cls}(*row) for row in rows]\n")

    def utility(self, pkg: str, svc: Service, index: int) -> str:
        name = f"helpers_{index}"
        mod = self.emit(Module(f"{pkg}/utils/{name}.py"))
        mod.add('"""Small helpers."""\n\nfrom __future__ import annotations\n\nimport re\nfrom datetime import datetime, timezone\n\nfrom common.textutil import textutil_format_0\n')
        for i in range(self.rng.randint(4, 9)):
            self.plain_function(mod, f"{self.pick(('clean', 'format', 'bucket', 'score', 'slug'))}_{i}", ["common.textutil.textutil_format_0"], [])
        return f"{svc.name}.utils.{name}"

    def publisher(self, pkg: str, svc: Service, entity: str) -> str:
        mod = self.emit(Module(f"{pkg}/messaging/{entity}_events.py"))
        self.publisher_body(mod, svc, entity)
        return f"{svc.name}.messaging.{entity}_events"

    def publisher_body(self, mod: Module, svc: Service, entity: str, audit: bool = False) -> None:
        fw = svc.framework
        events = [(e, c) for e, c, ent in svc.events if ent == entity]
        mod.add(f'"""Publishes {entity} events ({fw})."""\n\nfrom __future__ import annotations\n\nimport json\nimport logging\nfrom dataclasses import asdict\n')
        client = {
            "kafka-python": "from kafka import KafkaProducer\n",
            "confluent-kafka": "from confluent_kafka import Producer\n",
            "aiokafka": "from aiokafka import AIOKafkaProducer\n",
            "pika": "import pika\n",
            "redis": "import redis\n",
            "boto3": "import boto3\n",
        }[fw]
        mod.add(client)
        mod.add(f"from {svc.name} import settings\nfrom {svc.name}.messaging import channels\n\nlog = logging.getLogger(__name__)\n")
        setup = {
            "kafka-python": 'producer = KafkaProducer(bootstrap_servers=settings.BROKER_URL, value_serializer=lambda v: json.dumps(v).encode("utf-8"), acks="all")',
            "confluent-kafka": 'producer = Producer({"bootstrap.servers": settings.BROKER_URL, "enable.idempotence": True})',
            "aiokafka": "producer = AIOKafkaProducer(bootstrap_servers=settings.BROKER_URL)",
            "pika": "connection = pika.BlockingConnection(pika.URLParameters(settings.BROKER_URL))\nchannel = connection.channel()",
            "redis": "client = redis.Redis.from_url(settings.BROKER_URL)",
            "boto3": 'sns = boto3.client("sns", region_name=settings.REGION)',
        }[fw]
        mod.add(setup + "\n")
        for event, chan in events:
            const = f"channels.{_const(event)}"
            fn = f"publish_{_snake(event)}" + ("_audit" if audit else "")
            payload = f'{{"event_type": "{event}", "{entity}_id": {entity}.id, "status": {entity}.status, "correlation_id": correlation_id}}'
            body = {
                "kafka-python": f"    producer.send({const}, value={payload}, key={entity}.id.encode())",
                "confluent-kafka": f"    producer.produce({const}, key={entity}.id, value=json.dumps({payload}))\n    producer.poll(0)",
                "aiokafka": f"    await producer.send_and_wait({const}, json.dumps({payload}).encode(), key={entity}.id.encode())",
                "pika": f'    channel.basic_publish(exchange="{svc.name}", routing_key={const}, body=json.dumps({payload}), properties=pika.BasicProperties(delivery_mode=2))',
                "redis": f"    client.publish({const}, json.dumps({payload}))",
                "boto3": f'    sns.publish(TopicArn=f"arn:aws:sns:{{settings.REGION}}:000000000000:{{{const}}}", Message=json.dumps({payload}))',
            }[fw]
            prefix = "async def" if fw == "aiokafka" else "def"
            mod.add(f"\n{prefix} {fn}({entity}, correlation_id=None):\n    \"\"\"Announce that a {entity} was {event.lower()}.\"\"\"")
            mod.add(f'    log.info("publishing {event} for %s", {entity}.id)')
            mod.add(body)

    def domain(self, pkg: str, svc: Service, entity: str, utils: list[str]) -> None:
        mod = self.emit(Module(f"{pkg}/domain/{entity}_service.py"))
        cls = entity.title()
        publisher = f"{svc.name}.messaging.{entity}_events"
        events = [e for e, _, ent in svc.events if ent == entity]
        mod.add(f'"""Business rules for {entity}s."""\n\nfrom __future__ import annotations\n\nimport logging\n\nfrom common.money import money_format_0\nfrom common.retry import retry_check_1\nfrom {publisher} import ' + ", ".join(f"publish_{_snake(e)}" for e in events))
        mod.add(f"from {svc.name}.repositories.{entity}_repository import {cls}Repository\nfrom {utils[0]} import clean_0\n\nlog = logging.getLogger(__name__)\n")
        for i, event in enumerate(events):
            aw = "await " if svc.framework == "aiokafka" else ""
            prefix = "async def" if svc.framework == "aiokafka" else "def"
            mod.add(f"\n{prefix} apply_{_snake(event)}(connection, {entity}_id, changes, correlation_id=None):")
            mod.add(f"    repository = {cls}Repository(connection)\n    found = repository.get({entity}_id)\n    if not found:\n        log.warning(\"no {entity} %s\", {entity}_id)\n        return None")
            mod.add(f"    {entity} = found[0]\n    for key, value in sorted(changes.items()):\n        setattr({entity}, key, clean_0(value))\n    repository.save({entity}_id, status={entity}.status)")
            mod.add(f"    {aw}publish_{_snake(event)}({entity}, correlation_id=correlation_id)\n    return {entity}\n")
        for i in range(self.rng.randint(3, 7)):
            self.plain_function(mod, f"compute_{entity}_{self.pick(('totals', 'limits', 'eligibility', 'risk', 'schedule'))}_{i}", ["common.money.money_format_0", f"{utils[0]}.clean_0"], [])

    def handlers(self, pkg: str, svc: Service, upstream: Service, entity: str) -> str:
        mod = self.emit(Module(f"{pkg}/handlers/on_{upstream.name}_{entity}.py"))
        mine = self.pick(svc.entities)
        mod.add(f'"""Reactions to {upstream.name}\'s {entity} events."""\n\nfrom __future__ import annotations\n\nimport logging\n\nfrom common.ids import ids_check_0\nfrom {svc.name}.domain import {mine}_service\nfrom {svc.name}.repositories.{mine}_repository import {mine.title()}Repository\n\nlog = logging.getLogger(__name__)\n')
        for event, _, ent in upstream.events:
            if ent != entity:
                continue
            target = self.pick([e for e, _, ent2 in svc.events if ent2 == mine])
            aw = "await " if svc.framework == "aiokafka" else ""
            prefix = "async def" if svc.framework == "aiokafka" else "def"
            mod.add(f"\n{prefix} handle_{_snake(event)}(message, connection=None):")
            mod.add(f'    """React to {event}."""\n    {entity}_id = message["{entity}_id"]\n    if not ids_check_0({entity}_id):\n        log.warning("bad id %s", {entity}_id)\n        return')
            mod.add(f'    repository = {mine.title()}Repository(connection)\n    if repository.exists({entity}_id):\n        return\n    {aw}{mine}_service.apply_{_snake(target)}(connection, {entity}_id, {{"status": message.get("status")}}, correlation_id=message.get("correlation_id"))\n')
        return f"{svc.name}.handlers.on_{upstream.name}_{entity}"

    def consumer(self, pkg: str, svc: Service, upstream: Service, handler_modules: list[str]) -> None:
        mod = self.emit(Module(f"{pkg}/messaging/consumer.py"))
        fw = svc.framework
        imports = "\n".join(f"from {h.rsplit('.', 1)[0]} import {h.rsplit('.', 1)[1]}" for h in handler_modules)
        routes = []
        for h in handler_modules:
            entity = h.rsplit("_", 1)[1]
            for event, chan, ent in upstream.events:
                if ent == entity:
                    routes.append((chan, f"{h.rsplit('.', 1)[1]}.handle_{_snake(event)}"))
        header = f'"""Consumes {upstream.name} events ({fw})."""\n\nfrom __future__ import annotations\n\nimport json\nimport logging\n'
        mod.add(header)
        channels = "[" + ", ".join(repr(c) for c, _ in routes) + "]"
        table = "HANDLERS = {" + ", ".join(f"{c!r}: {h}" for c, h in routes) + "}"
        if fw == "kafka-python":
            mod.add(f"from kafka import KafkaConsumer\n\n{imports}\nfrom {svc.name} import settings\n\nlog = logging.getLogger(__name__)\n")
            mod.add(f"\ndef run():\n    consumer = KafkaConsumer({', '.join(repr(c) for c, _ in routes)}, bootstrap_servers=settings.BROKER_URL, group_id={svc.name!r}, enable_auto_commit=False)")
            mod.add("    for message in consumer:\n        payload = json.loads(message.value)")
            for chan, handler in routes:
                mod.add(f"        if message.topic == {chan!r}:\n            {handler}(payload)")
            mod.add("        consumer.commit()")
        elif fw == "confluent-kafka":
            mod.add(f"from confluent_kafka import Consumer\n\n{imports}\nfrom {svc.name} import settings\n\nlog = logging.getLogger(__name__)\n")
            mod.add(f'\ndef main():\n    consumer = Consumer({{"bootstrap.servers": settings.BROKER_URL, "group.id": {svc.name!r}, "enable.auto.commit": False}})\n    consumer.subscribe({channels})\n    while True:\n        msg = consumer.poll(1.0)\n        if msg is None or msg.error():\n            continue\n        payload = json.loads(msg.value())')
            for chan, handler in routes:
                mod.add(f"        if msg.topic() == {chan!r}:\n            {handler}(payload)")
            mod.add("        consumer.commit(msg)")
        elif fw == "aiokafka":
            mod.add(f"from aiokafka import AIOKafkaConsumer\n\n{imports}\nfrom {svc.name} import settings\n\nlog = logging.getLogger(__name__)\n")
            mod.add(f"\nasync def consume():\n    consumer = AIOKafkaConsumer({', '.join(repr(c) for c, _ in routes)}, bootstrap_servers=settings.BROKER_URL, group_id={svc.name!r})\n    await consumer.start()\n    try:\n        async for msg in consumer:\n            payload = json.loads(msg.value)")
            for chan, handler in routes:
                mod.add(f"            if msg.topic == {chan!r}:\n                await {handler}(payload)")
            mod.add("    finally:\n        await consumer.stop()")
        elif fw == "pika":
            mod.add(f"import pika\n\n{imports}\nfrom {svc.name} import settings\n\nlog = logging.getLogger(__name__)\n")
            mod.add("\ndef run():\n    connection = pika.BlockingConnection(pika.URLParameters(settings.BROKER_URL))\n    channel = connection.channel()")
            for chan, handler in routes:
                mod.add(f"    channel.basic_consume(queue={chan!r}, on_message_callback=lambda ch, method, props, body: {handler}(json.loads(body)))")
            mod.add("    channel.start_consuming()")
        elif fw == "redis":
            mod.add(f"import redis\n\n{imports}\nfrom {svc.name} import settings\n\nlog = logging.getLogger(__name__)\n{table}\n")
            mod.add(f"\ndef listen():\n    client = redis.Redis.from_url(settings.BROKER_URL)\n    pubsub = client.pubsub()\n    pubsub.subscribe({', '.join(repr(c) for c, _ in routes)})\n    for message in pubsub.listen():\n        if message[\"type\"] != \"message\":\n            continue\n        payload = json.loads(message[\"data\"])")
            for chan, handler in routes:
                mod.add(f"        if message['channel'] == {chan!r}:\n            {handler}(payload)")
        else:
            mod.add(f"import boto3\n\n{imports}\nfrom {svc.name} import settings\n\nlog = logging.getLogger(__name__)\n")
            mod.add(f'\ndef poll(queue_url):\n    sqs = boto3.client("sqs", region_name=settings.REGION)\n    while True:\n        response = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=20)\n        for message in response.get("Messages", []):\n            payload = json.loads(message["Body"])')
            for chan, handler in routes:
                mod.add(f"            if payload.get('channel') == {chan!r}:\n                {handler}(payload)")
            mod.add('            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])')

    def views(self, pkg: str, svc: Service, entity: str) -> None:
        mod = self.emit(Module(f"{pkg}/api/{entity}_views.py"))
        events = [e for e, _, ent in svc.events if ent == entity]
        mod.add(f'"""HTTP endpoints for {entity}s."""\n\nfrom __future__ import annotations\n\nimport json\nimport logging\n\nfrom common.validation import validation_check_0\nfrom {svc.name}.domain import {entity}_service\nfrom {svc.name}.repositories.{entity}_repository import {entity.title()}Repository\n\nlog = logging.getLogger(__name__)\n')
        aw = "await " if svc.framework == "aiokafka" else ""
        prefix = "async def" if svc.framework == "aiokafka" else "def"
        for event in events:
            mod.add(f"\n{prefix} post_{_snake(event)}(request, connection):\n    body = json.loads(request.body)\n    if not validation_check_0(body):\n        return {{\"status\": 400}}\n    result = {aw}{entity}_service.apply_{_snake(event)}(connection, body[\"id\"], body, correlation_id=request.headers.get(\"X-Correlation-Id\"))\n    return {{\"status\": 200 if result else 404}}\n")
        mod.add(f"\ndef list_{entity}s(request, connection):\n    repository = {entity.title()}Repository(connection)\n    rows = repository.list_recent(request.args.get(\"id\"))\n    return {{\"items\": [row.to_row() for row in rows], \"count\": len(rows)}}\n")

    def ordinary(self, pkg: str, svc: Service, kind: str, index: int) -> None:
        entity = self.pick(svc.entities)
        name = {"reports": f"{entity}_report_{index}", "admin": f"{entity}_admin_{index}", "migrations": f"m{index:04d}_{entity}", "utils": f"{entity}_tools_{index}"}[kind]
        mod = self.emit(Module(f"{pkg}/{kind}/{name}.py"))
        mod.add(f'"""{kind.title()}: {entity} ({index})."""\n\nfrom __future__ import annotations\n\nimport csv\nimport logging\nfrom collections import Counter, defaultdict\nfrom datetime import datetime, timedelta\n')
        mod.add(f"from common.clock import clock_parse_0\nfrom {svc.name}.models.{entity} import {entity.title()}\nfrom {svc.name}.repositories.{entity}_repository import {entity.title()}Repository\n\nlog = logging.getLogger(__name__)\n")
        budget = self.rng.choice((60, 90, 120, 160, 220, 300))
        i = 0
        while len(mod.lines) < budget:
            if self.rng.random() < 0.25:
                self.plain_class(mod, f"{entity.title()}{self.pick(('Summary', 'Export', 'Check', 'Job'))}{i}", entity)
            else:
                self.plain_function(mod, f"{self.pick(('build', 'export', 'reconcile', 'summarise', 'backfill', 'verify'))}_{entity}_{i}", ["common.clock.clock_parse_0"], [entity])
            i += 1

    # -- ordinary bodies ---------------------------------------------------------------------------------

    def plain_function(self, mod: Module, name: str, callees: list[str], entities: list[str]) -> None:
        params = self.rng.sample(("rows", "limit", "since", "region", "options", "connection", "values", "threshold"), self.rng.randint(1, 3))
        mod.add(f"\ndef {name}({', '.join(params)}):")
        mod.add(f'    """{name.replace("_", " ").capitalize()}."""')
        self.body(mod, params, callees, entities, "    ", self.rng.randint(4, 14))
        mod.add("")

    def plain_class(self, mod: Module, name: str, entity: str) -> None:
        mod.add(f"\nclass {name}:\n    \"\"\"{name} for {entity}s.\"\"\"\n\n    def __init__(self, connection, limit=100):\n        self.repository = {entity.title()}Repository(connection)\n        self.limit = limit\n        self.counts = Counter()\n")
        for method in self.rng.sample(("run", "collect", "render", "validate", "flush"), 2):
            mod.add(f"    def {method}(self, rows, since=None):")
            self.body(mod, ["rows", "since"], ["self.repository.list_recent"], [entity], "        ", self.rng.randint(3, 9))
            mod.add("")

    def body(self, mod: Module, params: list[str], callees: list[str], entities: list[str], indent: str, statements: int) -> None:
        names = list(params)
        for i in range(statements):
            var = f"value_{i}"
            choice = self.rng.randrange(9)
            src = self.pick(names)
            if choice == 0:
                mod.add(f"{indent}{var} = [item for item in ({src} or []) if item is not None]")
            elif choice == 1:
                mod.add(f"{indent}{var} = {{}}\n{indent}for key, item in enumerate({src} or []):\n{indent}    {var}[str(key)] = item\n{indent}    if len({var}) > 1000:\n{indent}        break")
            elif choice == 2:
                mod.add(f"{indent}try:\n{indent}    {var} = int({src})\n{indent}except (TypeError, ValueError):\n{indent}    log.debug(\"not a number: %r\", {src})\n{indent}    {var} = 0")
            elif choice == 3:
                mod.add(f'{indent}{var} = f"{{{src}!r}}-{{len(str({src}))}}"')
            elif choice == 4 and callees:
                mod.add(f"{indent}{var} = {self.pick(callees).rsplit('.', 1)[-1] if not self.pick(callees).startswith('self.') else self.pick(callees)}({src})")
            elif choice == 5:
                mod.add(f"{indent}if {src} is None:\n{indent}    {var} = None\n{indent}elif isinstance({src}, dict):\n{indent}    {var} = sorted({src}.items())\n{indent}else:\n{indent}    {var} = {src}")
            elif choice == 6:
                mod.add(f'{indent}{var} = {{"source": {src!r}, "count": 1, "ok": True, "ratio": 0.5}}')
            elif choice == 7:
                mod.add(f"{indent}{var} = defaultdict(list) if {src} else {{}}") if "defaultdict" in "\n".join(mod.lines[:12]) else mod.add(f"{indent}{var} = dict() if {src} else {{}}")
            else:
                mod.add(f'{indent}log.info("step {i}: %s", {src})\n{indent}{var} = {src}')
            names.append(var)
        mod.add(f"{indent}return {names[-1]}")


def _const(event: str) -> str:
    return _snake(event).upper()


def _snake(name: str) -> str:
    out = []
    for ch in name:
        if ch.isupper() and out:
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


BROKER_IMPORTS = ("from kafka import", "from confluent_kafka import", "from aiokafka import", "import pika", "import redis", "import boto3")


def _touches_broker(module: Module) -> bool:
    return any(line.startswith(BROKER_IMPORTS) for line in module.lines)


def generate(out: Path, lines: int = 200_000, messaging: float = 0.10, seed: int = 7) -> dict[str, int]:
    """Write the monorepo under `out` (replacing it) and return its size."""
    modules = Generator(lines, messaging, seed).build()
    if out.exists():
        shutil.rmtree(out)
    for module in modules:
        path = out / module.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(module.lines).rstrip("\n") + "\n", encoding="utf-8")
    (out / "eventlint.yaml").write_text("# generated benchmark monorepo\nexclude: []\n", encoding="utf-8")
    return {
        "files": len(modules),
        "lines": sum(len("\n".join(m.lines).rstrip("\n").split("\n")) for m in modules),
        "messaging_files": sum(1 for m in modules if _touches_broker(m)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--messaging", type=float, default=0.10, help="share of files that touch a broker")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    size = generate(args.out, args.lines, args.messaging, args.seed)
    print(f"{args.out}: {size['files']} files, {size['lines']} lines, {size['messaging_files']} touching a broker")


if __name__ == "__main__":
    main()
