"""Avro schema pairs for the compatibility table (tests/test_compat_avro.py).

Each pair is (id, old, new). The expected verdicts are NOT written here: they are
generated from Apache Avro's own checker by tests/compat_data/generate_avro_expectations.py
into avro_expectations.json.
"""

from __future__ import annotations


def record(name: str, *fields: dict, **extra: object) -> dict:
    return {"type": "record", "name": name, "namespace": "shop.orders", "fields": list(fields), **extra}


def f(name: str, type_: object, **extra: object) -> dict:
    return {"name": name, "type": type_, **extra}


def enum(symbols: list[str], name: str = "Status", **extra: object) -> dict:
    return {"type": "enum", "name": name, "symbols": symbols, **extra}


ID = f("order_id", "string")
CUSTOMER = record("Customer", f("id", "string"), f("email", "string"))

PAIRS: list[tuple[str, dict, dict]] = [
    ("identical", record("OrderPlaced", ID), record("OrderPlaced", ID)),
    ("field-added-with-default", record("OrderPlaced", ID), record("OrderPlaced", ID, f("currency", "string", default="EUR"))),
    ("field-added-without-default", record("OrderPlaced", ID), record("OrderPlaced", ID, f("currency", "string"))),
    ("field-removed-with-default", record("OrderPlaced", ID, f("currency", "string", default="EUR")), record("OrderPlaced", ID)),
    ("field-removed-without-default", record("OrderPlaced", ID, f("currency", "string")), record("OrderPlaced", ID)),
    ("nullable-field-added-with-null-default", record("OrderPlaced", ID), record("OrderPlaced", ID, f("note", ["null", "string"], default=None))),
    ("nullable-field-added-without-default", record("OrderPlaced", ID), record("OrderPlaced", ID, f("note", ["null", "string"]))),
    ("int-to-long", record("OrderPlaced", f("total", "int")), record("OrderPlaced", f("total", "long"))),
    ("long-to-int", record("OrderPlaced", f("total", "long")), record("OrderPlaced", f("total", "int"))),
    ("int-to-float", record("OrderPlaced", f("total", "int")), record("OrderPlaced", f("total", "float"))),
    ("long-to-double", record("OrderPlaced", f("total", "long")), record("OrderPlaced", f("total", "double"))),
    ("float-to-double", record("OrderPlaced", f("total", "float")), record("OrderPlaced", f("total", "double"))),
    ("double-to-float", record("OrderPlaced", f("total", "double")), record("OrderPlaced", f("total", "float"))),
    ("string-to-bytes", record("OrderPlaced", f("blob", "string")), record("OrderPlaced", f("blob", "bytes"))),
    ("int-to-string", record("OrderPlaced", f("total", "int")), record("OrderPlaced", f("total", "string"))),
    ("boolean-to-int", record("OrderPlaced", f("paid", "boolean")), record("OrderPlaced", f("paid", "int"))),
    ("field-renamed-with-alias", record("OrderPlaced", f("total", "int")), record("OrderPlaced", f("amount", "int", aliases=["total"]))),
    ("field-renamed-without-alias", record("OrderPlaced", f("total", "int")), record("OrderPlaced", f("amount", "int"))),
    ("record-renamed-with-alias", record("OrderPlaced", ID), record("OrderCreated", ID, aliases=["shop.orders.OrderPlaced"])),
    ("record-renamed-without-alias", record("OrderPlaced", ID), record("OrderCreated", ID)),
    ("enum-symbol-added", record("OrderPlaced", f("status", enum(["NEW", "PAID"]))), record("OrderPlaced", f("status", enum(["NEW", "PAID", "SHIPPED"])))),
    ("enum-symbol-removed", record("OrderPlaced", f("status", enum(["NEW", "PAID", "SHIPPED"]))), record("OrderPlaced", f("status", enum(["NEW", "PAID"])))),
    (
        "enum-symbol-added-with-enum-default",
        record("OrderPlaced", f("status", enum(["NEW", "PAID", "UNKNOWN"], default="UNKNOWN"))),
        record("OrderPlaced", f("status", enum(["NEW", "PAID", "SHIPPED", "UNKNOWN"], default="UNKNOWN"))),
    ),
    (
        "enum-symbol-removed-with-enum-default",
        record("OrderPlaced", f("status", enum(["NEW", "PAID", "SHIPPED", "UNKNOWN"], default="UNKNOWN"))),
        record("OrderPlaced", f("status", enum(["NEW", "PAID", "UNKNOWN"], default="UNKNOWN"))),
    ),
    ("enum-renamed", record("OrderPlaced", f("status", enum(["NEW"]))), record("OrderPlaced", f("status", enum(["NEW"], name="State")))),
    ("union-branch-added", record("OrderPlaced", f("ref", ["null", "string"])), record("OrderPlaced", f("ref", ["null", "string", "long"]))),
    ("union-branch-removed", record("OrderPlaced", f("ref", ["null", "string", "long"])), record("OrderPlaced", f("ref", ["null", "string"]))),
    ("type-to-union-containing-it", record("OrderPlaced", f("ref", "string")), record("OrderPlaced", f("ref", ["null", "string"]))),
    ("union-to-one-of-its-types", record("OrderPlaced", f("ref", ["null", "string"])), record("OrderPlaced", f("ref", "string"))),
    ("union-int-to-union-long", record("OrderPlaced", f("ref", ["null", "int"])), record("OrderPlaced", f("ref", ["null", "long"]))),
    (
        "fixed-size-changed",
        record("OrderPlaced", f("hash", {"type": "fixed", "name": "Hash", "size": 16})),
        record("OrderPlaced", f("hash", {"type": "fixed", "name": "Hash", "size": 32})),
    ),
    (
        "fixed-renamed",
        record("OrderPlaced", f("hash", {"type": "fixed", "name": "Hash", "size": 16})),
        record("OrderPlaced", f("hash", {"type": "fixed", "name": "Digest", "size": 16})),
    ),
    ("nested-field-added-with-default", record("OrderPlaced", f("customer", CUSTOMER)), record("OrderPlaced", f("customer", record("Customer", f("id", "string"), f("email", "string"), f("vip", "boolean", default=False))))),
    ("nested-field-removed-without-default", record("OrderPlaced", f("customer", CUSTOMER)), record("OrderPlaced", f("customer", record("Customer", f("id", "string"))))),
    ("nested-field-type-changed", record("OrderPlaced", f("customer", CUSTOMER)), record("OrderPlaced", f("customer", record("Customer", f("id", "long"), f("email", "string"))))),
    ("array-items-promoted", record("OrderPlaced", f("qty", {"type": "array", "items": "int"})), record("OrderPlaced", f("qty", {"type": "array", "items": "long"}))),
    ("array-of-records-field-added", record("OrderPlaced", f("lines", {"type": "array", "items": record("Line", f("sku", "string"))})), record("OrderPlaced", f("lines", {"type": "array", "items": record("Line", f("sku", "string"), f("qty", "int"))}))),
    ("map-values-changed", record("OrderPlaced", f("tags", {"type": "map", "values": "string"})), record("OrderPlaced", f("tags", {"type": "map", "values": "int"}))),
    ("array-to-map", record("OrderPlaced", f("tags", {"type": "array", "items": "string"})), record("OrderPlaced", f("tags", {"type": "map", "values": "string"}))),
    (
        "recursive-field-added-with-default",
        record("Node", f("value", "int"), f("next", ["null", "Node"], default=None)),
        record("Node", f("value", "int"), f("label", "string", default=""), f("next", ["null", "Node"], default=None)),
    ),
    (
        "recursive-type-changed",
        record("Node", f("value", "int"), f("next", ["null", "Node"], default=None)),
        record("Node", f("value", "string"), f("next", ["null", "Node"], default=None)),
    ),
    ("logical-date-added-as-int", record("OrderPlaced", f("day", "int")), record("OrderPlaced", f("day", {"type": "int", "logicalType": "date"}))),
    (
        "several-breaks-at-once",
        record("OrderPlaced", ID, f("total", "long"), f("status", enum(["NEW", "PAID"]))),
        record("OrderPlaced", f("order_id", "bytes"), f("total", "int"), f("status", enum(["NEW"])), f("channel", "string")),
    ),
    ("top-level-primitive-promoted", "int", "long"),
    ("top-level-record-to-string", record("OrderPlaced", ID), "string"),
]
