"""Protobuf schema pairs for the compatibility table (tests/test_compat_protobuf.py).

Each pair is (id, old, new): the text of `event.proto` before and after. The expected
verdicts are NOT written here: tests/compat_data/generate_buf_expectations.py ran the
real `buf breaking` on every pair and wrote buf_expectations.json.
"""

from __future__ import annotations

HEAD = 'syntax = "proto3";\n\npackage shop.orders.v1;\n\n'


def proto(body: str, head: str = HEAD) -> str:
    return head + body.strip() + "\n"


ORDER = """
message OrderPlaced {
  string order_id = 1;
  int64 total_cents = 2;
  string currency = 3;
  Status status = 4;
  repeated Line lines = 5;
}

message Line {
  string sku = 1;
  int32 quantity = 2;
}

enum Status {
  STATUS_UNSPECIFIED = 0;
  STATUS_NEW = 1;
  STATUS_PAID = 2;
}
"""


def order(old: str, new: str) -> str:
    assert old in ORDER, old
    return proto(ORDER.replace(old, new, 1))


PAIRS: list[tuple[str, str, str]] = [
    ("identical", proto(ORDER), proto(ORDER)),
    ("field-added", proto(ORDER), order("  repeated Line lines = 5;\n", "  repeated Line lines = 5;\n  string coupon = 6;\n")),
    ("field-deleted", proto(ORDER), order("  string currency = 3;\n", "")),
    ("field-deleted-number-reserved", proto(ORDER), order("  string currency = 3;\n", "  reserved 3;\n")),
    ("field-deleted-number-and-name-reserved", proto(ORDER), order("  string currency = 3;\n", "  reserved 3;\n  reserved \"currency\";\n")),
    ("field-deleted-name-reserved", proto(ORDER), order("  string currency = 3;\n", "  reserved \"currency\";\n")),
    ("field-renamed", proto(ORDER), order("string currency = 3;", "string currency_code = 3;")),
    ("field-renamed-keeping-json-name", proto(ORDER), order("string currency = 3;", 'string currency_code = 3 [json_name = "currency"];')),
    ("json-name-changed", proto(ORDER), order("string currency = 3;", 'string currency = 3 [json_name = "ccy"];')),
    ("int64-to-uint64", proto(ORDER), order("int64 total_cents = 2;", "uint64 total_cents = 2;")),
    ("int64-to-int32", proto(ORDER), order("int64 total_cents = 2;", "int32 total_cents = 2;")),
    ("int64-to-sint64", proto(ORDER), order("int64 total_cents = 2;", "sint64 total_cents = 2;")),
    ("int64-to-string", proto(ORDER), order("int64 total_cents = 2;", "string total_cents = 2;")),
    ("string-to-bytes", proto(ORDER), order("string currency = 3;", "bytes currency = 3;")),
    ("int32-to-bool", proto(ORDER), order("int32 quantity = 2;", "bool quantity = 2;")),
    ("int32-to-fixed32", proto(ORDER), order("int32 quantity = 2;", "fixed32 quantity = 2;")),
    ("fixed32-to-sfixed32", order("int32 quantity = 2;", "fixed32 quantity = 2;"), order("int32 quantity = 2;", "sfixed32 quantity = 2;")),
    ("proto2-required-field-added", proto(ORDER.replace("string currency = 3;", "optional string currency = 3;").replace("int64 total_cents", "optional int64 total_cents").replace("string order_id", "optional string order_id").replace("Status status", "optional Status status").replace("string sku", "optional string sku").replace("int32 quantity", "optional int32 quantity"), head='syntax = "proto2";\n\npackage shop.orders.v1;\n\n'), proto(ORDER.replace("string currency = 3;", "optional string currency = 3;\n  required string channel = 7;").replace("int64 total_cents", "optional int64 total_cents").replace("string order_id", "optional string order_id").replace("Status status", "optional Status status").replace("string sku", "optional string sku").replace("int32 quantity", "optional int32 quantity"), head='syntax = "proto2";\n\npackage shop.orders.v1;\n\n')),
    ("oneof-field-moved-between-oneofs", order("  string currency = 3;\n", "  oneof money {\n    string currency = 3;\n  }\n"), order("  string currency = 3;\n", "  oneof price {\n    string currency = 3;\n  }\n")),
    ("number-reused-by-another-field", proto(ORDER), order("  string currency = 3;\n", "  int32 priority = 3;\n")),
    ("singular-to-repeated", proto(ORDER), order("string currency = 3;", "repeated string currency = 3;")),
    ("repeated-to-singular", proto(ORDER), order("repeated Line lines = 5;", "Line lines = 5;")),
    ("implicit-to-optional", proto(ORDER), order("string currency = 3;", "optional string currency = 3;")),
    ("moved-into-oneof", proto(ORDER), order("  string currency = 3;\n", "  oneof money {\n    string currency = 3;\n  }\n")),
    ("enum-value-added", proto(ORDER), order("  STATUS_PAID = 2;\n", "  STATUS_PAID = 2;\n  STATUS_SHIPPED = 3;\n")),
    ("enum-value-deleted", proto(ORDER), order("  STATUS_PAID = 2;\n", "")),
    ("enum-value-deleted-number-reserved", proto(ORDER), order("  STATUS_PAID = 2;\n", "  reserved 2;\n")),
    ("enum-value-deleted-both-reserved", proto(ORDER), order("  STATUS_PAID = 2;\n", '  reserved 2;\n  reserved "STATUS_PAID";\n')),
    ("enum-value-renamed", proto(ORDER), order("STATUS_PAID = 2;", "STATUS_SETTLED = 2;")),
    ("enum-field-to-int32", proto(ORDER), order("Status status = 4;", "int32 status = 4;")),
    ("message-renamed", proto(ORDER), proto(ORDER.replace("Line", "OrderLine"))),
    ("message-added", proto(ORDER), proto(ORDER + "\nmessage Refund {\n  string order_id = 1;\n}\n")),
    ("unused-message-deleted", proto(ORDER + "\nmessage Refund {\n  string order_id = 1;\n}\n"), proto(ORDER)),
    ("package-renamed", proto(ORDER), proto(ORDER, head='syntax = "proto3";\n\npackage shop.orders.v2;\n\n')),
    ("reserved-range-deleted", proto(ORDER.replace("  repeated Line lines = 5;\n", "  repeated Line lines = 5;\n  reserved 8 to 10;\n")), proto(ORDER)),
    ("nested-message-field-type-changed", proto(ORDER), order("int32 quantity = 2;", "string quantity = 2;")),
    ("map-value-type-changed", proto(ORDER.replace("  repeated Line lines = 5;\n", "  repeated Line lines = 5;\n  map<string, string> tags = 6;\n")), proto(ORDER.replace("  repeated Line lines = 5;\n", "  repeated Line lines = 5;\n  map<string, int32> tags = 6;\n"))),
    ("field-type-message-to-bytes", proto(ORDER), order("repeated Line lines = 5;", "repeated bytes lines = 5;")),
]
