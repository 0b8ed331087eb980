"""A `ProtobufSerializer(x_pb2.Msg, ...)`'s schema: the project's `.proto` protoc generates `x_pb2` from.

The producer is confluent-kafka's real shape (`ProtobufSerializer(msg_type, schema_registry_client,
conf)`, the class imported from the generated module as `from pkg import x_pb2` or `from pkg.x_pb2
import Msg`). protoc writes `a/b/x.proto` as module `a.b.x_pb2` (`-` becomes `_`); the generated
module itself is not in the project, or is (committed), and is never read as code.
"""

from __future__ import annotations

import json

import pytest

from eventlint import api
from eventlint.extract import Options
from eventlint.extract.protos import locate, scan
from eventlint.report.text import unresolved_text
from tests.helpers import facts_of, write_project

PRODUCER = """
from confluent_kafka import SerializingProducer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.protobuf import ProtobufSerializer
from confluent_kafka.serialization import StringSerializer

{imports}

registry = SchemaRegistryClient({{"url": "http://schema-registry:8081"}})
producer = SerializingProducer({{
    "bootstrap.servers": "kafka:9092",
    "key.serializer": StringSerializer("utf_8"),
    "value.serializer": ProtobufSerializer({cls}, registry, {{"use.deprecated.format": False}}),
}})


def place(order):
    producer.produce("orders.placed", key=order.id, value=order.as_proto())
"""

ORDERS = """
syntax = "proto3";
package shop.orders.v1;

// message Commented { string no = 1; }
message OrderPlaced {
  string order_id = 1;
  message Line {
    string sku = 1;
    string note = 2 [(validate.rules).string = {max_len: 80}];
  }
  repeated Line lines = 2;
  oneof payment { string card = 3; string iban = 4; }
}

enum Status { STATUS_UNSPECIFIED = 0; }
"""
OTHER = 'syntax = "proto3";\npackage billing.v1;\nmessage OrderPlaced { string id = 1; }\n'


def sent(tmp_path, files: dict[str, str], imports: str, cls: str):
    root = write_project(tmp_path / "p", {"app/producer.py": PRODUCER.format(imports=imports, cls=cls), **files})
    (publication,) = [p for p in facts_of(root).publishers if p.channel == "orders.placed"]
    return publication


@pytest.mark.parametrize(
    ("files", "imports", "cls", "expected"),
    [
        # the one `orders.proto` of the project
        ({"proto/orders.proto": ORDERS}, "from gen import orders_pb2", "orders_pb2.OrderPlaced", ("proto/orders.proto", "shop.orders.v1.OrderPlaced")),
        # a nested message, by `from ... import Msg`
        ({"proto/orders.proto": ORDERS}, "from gen.orders_pb2 import OrderPlaced", "OrderPlaced.Line", ("proto/orders.proto", "shop.orders.v1.OrderPlaced.Line")),
        # the folders the module's package ends with choose among two `orders.proto`
        ({"proto/shop/orders/v1/orders.proto": ORDERS, "legacy/orders.proto": ORDERS}, "from gen.shop.orders.v1 import orders_pb2",
         "orders_pb2.OrderPlaced", ("proto/shop/orders/v1/orders.proto", "shop.orders.v1.OrderPlaced")),
        # only one of them defines the message
        ({"a/orders.proto": ORDERS, "b/orders.proto": 'syntax = "proto3";\nmessage Other {}\n'}, "import orders_pb2", "orders_pb2.OrderPlaced",
         ("a/orders.proto", "shop.orders.v1.OrderPlaced")),
        # same folders: the `package` that ends the module's package chooses
        ({"x/billing/orders.proto": OTHER, "y/billing/orders.proto": ORDERS.replace("shop.orders.v1", "shop.billing")},
         "from gen.shop.billing import orders_pb2", "orders_pb2.OrderPlaced", ("y/billing/orders.proto", "shop.billing.OrderPlaced")),
        # `-` in the file name is `_` in the module
        ({"proto/order-events.proto": ORDERS}, "from gen import order_events_pb2", "order_events_pb2.OrderPlaced",
         ("proto/order-events.proto", "shop.orders.v1.OrderPlaced")),
        # no package: the message's own name
        ({"orders.proto": 'syntax = "proto3";\nmessage OrderPlaced { string id = 1; }\n'}, "import orders_pb2", "orders_pb2.OrderPlaced",
         ("orders.proto", "OrderPlaced")),
    ],
)
def test_the_generated_class_s_proto_and_message(tmp_path, files, imports, cls, expected):
    publication = sent(tmp_path, files, imports, cls)
    assert publication.payload_format == "protobuf" and publication.schema_unresolved is None
    assert json.loads(publication.payload_schema) == {"proto": expected[0], "message": expected[1]}


@pytest.mark.parametrize(
    ("files", "imports", "cls", "why"),
    [
        ({}, "from gen import orders_pb2", "orders_pb2.OrderPlaced", "schema-not-found: no `orders.proto` in the project for `gen.orders_pb2`"),
        ({"proto/orders.proto": ORDERS}, "from gen import orders_pb2", "orders_pb2.Commented",
         "schema-not-found: `gen.orders_pb2.Commented`: no message `Commented` in proto/orders.proto"),
        ({"a/orders.proto": ORDERS, "b/orders.proto": ORDERS}, "import orders_pb2", "orders_pb2.OrderPlaced",
         "schema-ambiguous: `orders_pb2.OrderPlaced` may be generated from a/orders.proto, b/orders.proto"),
        ({"proto/orders.proto": ORDERS}, "from gen import orders_pb2", "orders_pb2.Status",
         "schema-not-found: `gen.orders_pb2.Status`: no message `Status` in proto/orders.proto"),
    ],
)
def test_an_unknown_says_why_and_is_listed_as_unresolved(tmp_path, files, imports, cls, why):
    publication = sent(tmp_path, files, imports, cls)
    assert publication.payload_schema is None and publication.payload_format is None
    assert publication.schema_unresolved == why
    category, _, detail = why.partition(": ")
    listed = unresolved_text(facts_of(tmp_path / "p"))
    assert f"app/producer.py:{publication.line}:{publication.column}  publisher confluent-kafka: {category}: {detail}" in listed


def test_a_generated_module_committed_in_the_project_is_not_run(tmp_path):
    """protoc's output defines its classes at run time (`_builder.BuildTopDescriptorsAndMessages(..., globals())`)."""
    generated = (
        "from google.protobuf import descriptor_pool as _descriptor_pool\n"
        "from google.protobuf.internal import builder as _builder\n"
        "DESCRIPTOR = _descriptor_pool.Default().AddSerializedFile(b'\\n\\x0corders.proto')\n"
        "_globals = globals()\n"
        "_builder.BuildMessageAndEnumDescriptors(DESCRIPTOR, _globals)\n"
        "_builder.BuildTopDescriptorsAndMessages(DESCRIPTOR, 'orders_pb2', _globals)\n"
        "raise SystemExit('never run')\n"
    )
    publication = sent(tmp_path, {"proto/orders.proto": ORDERS, "app/orders_pb2.py": generated}, "from app import orders_pb2", "orders_pb2.OrderPlaced")
    assert json.loads(publication.payload_schema) == {"proto": "proto/orders.proto", "message": "shop.orders.v1.OrderPlaced"}


def test_a_proto_added_later_is_seen_through_the_cache(tmp_path):
    root = write_project(tmp_path / "p", {"app/producer.py": PRODUCER.format(imports="import orders_pb2", cls="orders_pb2.OrderPlaced"), "a/orders.proto": ORDERS})
    options = Options(cache=True, cache_dir=tmp_path / "cache")

    def publication():
        found = api.facts([root], api.load_config([root]), options)
        return [p for p in found.publishers if p.channel == "orders.placed"][0]

    assert json.loads(publication().payload_schema)["proto"] == "a/orders.proto"
    assert json.loads(publication().payload_schema)["proto"] == "a/orders.proto"  # from the cache
    (root / "b").mkdir()
    (root / "b" / "orders.proto").write_text(ORDERS, encoding="utf-8")
    assert publication().schema_unresolved.startswith("schema-ambiguous: ")
    (root / "b" / "orders.proto").write_text(OTHER.replace("OrderPlaced", "Refund"), encoding="utf-8")
    assert json.loads(publication().payload_schema)["proto"] == "a/orders.proto"


def test_the_scan_reads_package_and_nested_messages_only():
    package, messages = scan(ORDERS + '\n/* message Hidden {} */\noption (x) = { message: "message Fake {" };\n')
    assert package == "shop.orders.v1"
    assert messages == {"OrderPlaced", "OrderPlaced.Line"}


def test_a_class_that_is_not_generated():
    assert locate("app.models.OrderPlaced", ["orders.proto"], lambda rel: ORDERS).startswith("not-static: ")


def test_a_protobuf_key_serializer_is_the_key_s_schema_only(tmp_path):
    code = PRODUCER.format(imports="from gen import orders_pb2, keys_pb2", cls="orders_pb2.OrderPlaced").replace(
        '"key.serializer": StringSerializer("utf_8"),', '"key.serializer": ProtobufSerializer(keys_pb2.OrderKey, registry, {"use.deprecated.format": False}),'
    )
    keys = 'syntax = "proto3";\npackage shop.orders.v1;\nmessage OrderKey { string order_id = 1; }\n'
    root = write_project(tmp_path / "p", {"app/producer.py": code, "proto/orders.proto": ORDERS, "proto/keys.proto": keys})
    (p,) = [p for p in facts_of(root).publishers if p.channel == "orders.placed"]
    assert json.loads(p.key_schema) == {"proto": "proto/keys.proto", "message": "shop.orders.v1.OrderKey"} and p.key_format == "protobuf"
    assert json.loads(p.payload_schema) == {"proto": "proto/orders.proto", "message": "shop.orders.v1.OrderPlaced"}
    (root / "proto/keys.proto").unlink()
    (p,) = [p for p in facts_of(root).publishers if p.channel == "orders.placed"]
    assert p.key_schema is None and p.schema_unresolved == "schema-not-found: the key: no `keys.proto` in the project for `gen.keys_pb2`"
    assert json.loads(p.payload_schema)["message"] == "shop.orders.v1.OrderPlaced"


def test_a_committed_generated_module_names_its_proto(tmp_path):
    """Two `orders.proto` define the message; the committed `orders_pb2.py` recorded which one protoc compiled.

    The descriptor bytes are made by protobuf's own `FileDescriptorProto`, as protoc writes them."""
    from google.protobuf import descriptor_pb2

    serialized = descriptor_pb2.FileDescriptorProto(name="shop/orders/v1/orders.proto", package="shop.orders.v1").SerializeToString()
    generated = (
        "from google.protobuf import descriptor_pool as _descriptor_pool\n"
        f"DESCRIPTOR = _descriptor_pool.Default().AddSerializedFile({serialized!r})\n"
    )
    files = {"proto/shop/orders/v1/orders.proto": ORDERS, "legacy/orders/v0/orders.proto": ORDERS, "app/gen/orders_pb2.py": generated}
    publication = sent(tmp_path, files, "from app.gen import orders_pb2", "orders_pb2.OrderPlaced")
    assert json.loads(publication.payload_schema)["proto"] == "proto/shop/orders/v1/orders.proto"
    # without the module, nothing tells the two apart
    publication = sent(tmp_path / "b", {k: v for k, v in files.items() if not k.endswith(".py")}, "from app.gen import orders_pb2", "orders_pb2.OrderPlaced")
    assert publication.schema_unresolved.startswith("schema-ambiguous: ")


def test_an_older_protoc_s_file_descriptor_name():
    from eventlint.extract.protos import descriptor_name

    assert descriptor_name("DESCRIPTOR = _descriptor.FileDescriptor(\n  name='orders/v1/orders.proto',\n  package='shop',\n") == "orders/v1/orders.proto"
    assert descriptor_name("DESCRIPTOR = _descriptor_pool.Default().AddSerializedFile(b'\\x12\\x04shop')") is None  # no name field first
    assert descriptor_name("x = 1") is None
