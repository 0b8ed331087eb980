"""`eventlint check --add-noqa`: suppress today's findings in place, changing nothing but line ends, idempotently."""

import pytest
from click.testing import CliRunner

from eventlint import api
from eventlint.cli import main
from tests.helpers import line_of, write_project

SOURCE = '''\
"""Billing consumer."""
import requests
from kafka import KafkaConsumer
from billing.gateway import charge_credit_card


def on_order(event):
    charge_credit_card(event["customer_id"], event["total"])  # noqa: E501
    requests.post("https://crm.internal/notes", json=event)


for message in KafkaConsumer("orders.placed", group_id="billing"):  # the billing group
    on_order(message.value)
'''


@pytest.fixture()
def project(tmp_path):
    return write_project(
        tmp_path / "repo",
        {
            "billing/__init__.py": "",
            "billing/gateway.py": "def charge_credit_card(customer, amount):\n    return customer, amount\n",
            "billing/consumer.py": SOURCE,
        },
        {"exclude": [], "rules": {"select": ["EDA401", "EDA402"]}},
    )


def test_add_noqa_suppresses_every_finding_and_keeps_the_rest_of_the_file(project):
    target = project / "billing" / "consumer.py"
    before = api.lint([project]).diagnostics
    assert {d.code for d in before} == {"EDA401", "EDA402"}
    result = CliRunner().invoke(main, ["check", str(project), "--add-noqa"])
    assert result.exit_code == 0, result.output
    lines = {d.line for d in before}
    assert f"Added {len(lines)} noqa directives to 1 files." in result.output
    after = target.read_text()
    old, new = SOURCE.splitlines(), after.splitlines()
    assert len(old) == len(new)
    for number, (was, now) in enumerate(zip(old, new), start=1):
        if number not in lines:
            assert was == now
        else:
            codes = ", ".join(sorted({d.code for d in before if d.line == number}))
            assert now.startswith(was.split("  # noqa")[0])
            assert now.endswith(f"# noqa: {codes}") or f"# noqa: E501, {codes}" in now, now
    merged = line_of(target, "charge_credit_card(event")
    assert new[merged - 1] == '    charge_credit_card(event["customer_id"], event["total"])  # noqa: E501, EDA401'
    commented = line_of(target, "for message in")
    assert new[commented - 1] == 'for message in KafkaConsumer("orders.placed", group_id="billing"):  # the billing group  # noqa: EDA402'
    assert api.lint([project]).diagnostics == ()
    # idempotent: a second run changes nothing
    again = CliRunner().invoke(main, ["check", str(project), "--add-noqa"])
    assert "Added 0 noqa directives to 0 files." in again.output
    assert target.read_text() == after


def test_a_bare_noqa_already_covers_and_crlf_and_encoding_survive(project):
    target = project / "billing" / "consumer.py"
    text = "# -*- coding: latin-1 -*-\n" + SOURCE.replace('"""Billing consumer."""', '"""Facturation: r\xe9sum\xe9."""')
    text = text.replace("on_order(message.value)\n", "on_order(message.value)  # noqa\n")
    target.write_bytes(text.replace("\n", "\r\n").encode("latin-1"))
    CliRunner().invoke(main, ["check", str(project), "--add-noqa"])
    data = target.read_bytes()
    assert b"r\xe9sum\xe9" in data and b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    # the charge line's noqa gained a code, the loop line got one; the bare noqa line is untouched
    assert data.count(b"# noqa") == text.count("# noqa") + 1
    assert b"# noqa: E501, EDA401\r\n" in data and b"on_order(message.value)  # noqa\r\n" in data


def test_a_finding_inside_a_multiline_string_is_left_and_reported(tmp_path):
    root = write_project(
        tmp_path / "repo",
        {
            "app.py": '''\
                from kafka import KafkaConsumer
                import requests

                def on_order(event):
                    requests.post("https://crm.internal/notes", data="""note
                    about {}""".format(event["id"]))

                for message in KafkaConsumer("orders.placed", group_id="crm"):
                    on_order(message.value)
            ''',
        },
        {"exclude": [], "rules": {"select": ["EDA401"]}},
    )
    found = api.lint([root]).diagnostics
    assert [d.line for d in found] == [5]
    result = CliRunner().invoke(main, ["check", str(root), "--add-noqa"])
    assert "app.py:5: cannot carry a comment" in result.output
    assert "# noqa" not in (root / "app.py").read_text()
