"""Values read from `django.conf.settings` (fixtures/django_settings): the project's settings module, found through
DJANGO_SETTINGS_MODULE or the usual `<project>/settings.py`, one per service root."""

from eventlint.config import load_config
from eventlint.discover import discover
from eventlint.extract import Options, extract
from tests.helpers import facts_of, fixture, write_project

ROOT = fixture("django_settings")


def channels(facts):
    return {(p.path.rsplit("/", 1)[-1], p.function.rsplit(".", 1)[-1], p.channel, p.unresolved is not None) for p in facts.publishers}


def test_settings_dicts_and_strings_name_the_topics_each_service_its_own():
    assert channels(facts_of(ROOT)) == {
        # billing has no manage.py: its billing_site/settings.py is the usual settings module
        ("events.py", "invoiced", "shop.invoice.issued", False),
        # orders' manage.py names orders_site.settings (test_settings.py, which nothing names, is not read)
        ("events.py", "order_placed", "shop.order.placed", False),
        ("events.py", "order_cancelled", "shop.order.cancelled", False),
        ("events.py", "audited", "shop.audit", False),
        # a name the settings module does not assign stays unknown
        ("events.py", "unknown_setting", None, True),
    }


def test_the_prefilter_keeps_the_settings_module_nothing_imports():
    config = load_config([ROOT])
    discovery = discover([ROOT], config)
    with_prefilter = extract(discovery, config, Options(prefilter=True))
    without = extract(discovery, config, Options(prefilter=False))
    assert with_prefilter.publishers == without.publishers


def test_several_settings_modules_and_none_named_give_no_value(tmp_path):
    files = {
        "shop/__init__.py": "",
        "shop/settings.py": 'TOPICS = {"placed": "shop.placed"}\n',
        "web/__init__.py": "",
        "web/settings.py": 'TOPICS = {"placed": "web.placed"}\n',
        "shop/events.py": """
from django.conf import settings
from kafka import KafkaProducer

producer = KafkaProducer()


def placed(order_id):
    producer.send(settings.TOPICS["placed"], b"{}")
""",
    }
    root = write_project(tmp_path / "two", files)
    assert [p.channel for p in facts_of(root).publishers] == [None]
    # naming one in DJANGO_SETTINGS_MODULE decides
    files["manage.py"] = 'import os\n\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "web.settings")\n'
    root = write_project(tmp_path / "named", files)
    assert [p.channel for p in facts_of(root).publishers] == ["web.placed"]
