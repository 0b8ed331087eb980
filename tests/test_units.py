"""Services inferred from deployable units (eventlint/units.py): each common layout, the signal that decided it."""

import json
import shutil

import pytest
import yaml
from click.testing import CliRunner

from eventlint import api
from eventlint.cli import main
from eventlint.config import Config, load_config
from eventlint.discover import discover
from tests.helpers import facts_of, fixture
from tests.test_discover import tree


def services(root):
    found = discover([root], Config(root=root))
    return {s.name: (s.paths, s.signal) for s in found.services}, {f.path: f.service for f in found.files}


def test_three_service_folders_with_dockerfiles_are_three_services():
    facts = facts_of("layout_docker")
    assert {s.name: s.signal for s in facts.services} == {
        "orders-service": "orders-service/Dockerfile",
        "payments-service": "payments-service/Dockerfile",
        "shipping-service": "shipping-service/Dockerfile",
    }
    assert {p.channel: p.service for p in facts.publishers} == {"orders.placed": "orders-service", "payments.captured": "payments-service"}
    assert {s.channel: s.service for s in facts.subscribers} == {"orders.placed": "payments-service", "payments.captured": "shipping-service"}


def test_compose_build_contexts_are_named_by_their_compose_keys():
    facts = facts_of("layout_compose")
    assert {s.name: (s.paths, s.signal) for s in facts.services} == {
        "api": (("web/**",), "docker-compose.yml: service 'api' builds web/"),
        "mailer": (("jobs/**",), "docker-compose.yml: service 'mailer' builds jobs/"),
    }
    assert [(p.channel, p.service) for p in facts.publishers] == [("users.signed_up", "api")]
    assert [(s.channel, s.service) for s in facts.subscribers] == [("users.signed_up", "mailer")]


def test_nameko_service_classes_name_their_modules_services():
    facts = facts_of("layout_nameko")
    assert {s.name: s.paths for s in facts.services} == {"orders": ("orders.py",), "payments": ("payments.py",), "shipping": ("shipping.py",)}
    assert all(s.signal.endswith(f"nameko service class name = '{s.name}'") for s in facts.services)
    assert sorted((p.service, p.event) for p in facts.publishers) == [("orders", "order_placed"), ("payments", "payment_captured")]


def test_sam_stacks_are_services_and_a_stacks_own_functions_split_it():
    found, files = services(fixture("layout_sam"))
    assert found == {
        "ingest": (("ingest/**",), "ingest/template.yaml"),
        "billing": (("billing/**",), "billing/template.yaml"),
        "InvoiceFunction": (("billing/src/invoice.py",), "billing/template.yaml: function 'InvoiceFunction'"),
        "MailFunction": (("billing/src/mail.py",), "billing/template.yaml: function 'MailFunction'"),
    }
    assert files == {
        "ingest/template.yaml": "ingest",
        "ingest/src/app.py": "ingest",
        "billing/template.yaml": "billing",
        "billing/src/invoice.py": "InvoiceFunction",
        "billing/src/mail.py": "MailFunction",
    }


def test_serverless_functions_at_the_root_are_services(tmp_path):
    tree(
        tmp_path,
        {
            "serverless.yml": "service: chain\nfunctions:\n  first:\n    handler: functions/first.handler\n  second:\n    handler: functions/second.handler\n"
            "  shared_a:\n    handler: functions/common.a\n  shared_b:\n    handler: functions/common.b\n",
            "functions/first.py": "def handler(event, context):\n    pass\n",
            "functions/second.py": "def handler(event, context):\n    pass\n",
            "functions/common.py": "def a(event, context):\n    pass\n\ndef b(event, context):\n    pass\n",
        },
    )
    found, files = services(tmp_path)
    assert {name: paths for name, (paths, _) in found.items()} == {"first": ("functions/first.py",), "second": ("functions/second.py",)}
    assert files["functions/common.py"] is None  # two functions share it: no one function's service


def test_the_layers_of_one_package_are_never_split():
    found, _ = services(fixture("layout_layered"))
    assert found == {"allocation": (("allocation/**",), "layout: top-level package allocation/")}
    # run from inside the package: one service, not adapters/domain/entrypoints/service_layer
    inside = fixture("layout_layered") / "allocation"
    found, files = services(inside)
    assert found == {"allocation": (("**",), "layout: the root is one package")}
    assert set(files.values()) == {"allocation"}


def test_a_folder_of_independent_example_apps_gives_one_service_per_app():
    found, files = services(fixture("layout_examples"))
    assert found == {
        "clicks": (("examples/clicks.py",), "examples/clicks.py: faust app 'clicks'"),
        "echo": (("examples/echo.py",), "examples/echo.py: FastStream app"),
        "greeter": (("examples/greeter.py",), "examples/greeter.py: faust app 'greeter'"),
    }


def test_one_app_in_a_unit_leaves_the_unit_whole(tmp_path):
    tree(
        tmp_path,
        {
            "worker/Dockerfile": "FROM python:3.12\n",
            "worker/app.py": "from faststream import FastStream\nfrom faststream.nats import NatsBroker\n\nbroker = NatsBroker()\napp = FastStream(broker)\n",
            "worker/routes.py": "",
        },
    )
    found, files = services(tmp_path)
    assert found == {"worker": (("worker/**",), "worker/Dockerfile")}
    assert set(files.values()) == {"worker"}


def test_markers_at_the_root_docs_tests_and_libraries_are_not_services(tmp_path):
    tree(
        tmp_path,
        {
            "Dockerfile": "FROM python:3.12\n",
            "requirements.txt": "",
            "main.py": "",
            "docs/requirements.txt": "",
            "docs/conf.py": "",
            "tests/requirements.txt": "",
            "tests/test_x.py": "",
            "libs/contracts/pyproject.toml": "",
            "libs/contracts/contracts.py": "",
            "worker/requirements.txt": "",
            "worker/run.py": "",
        },
    )
    found, files = services(tmp_path)
    assert found == {"worker": (("worker/**",), "worker/requirements.txt")}
    assert files["main.py"] is None and files["libs/contracts/contracts.py"] is None


def test_a_root_that_is_one_deployable_unit_keeps_its_src_folders_whole(tmp_path):
    tree(tmp_path, {"Dockerfile": "", "requirements.txt": "", "src/auth/__init__.py": "", "src/auth/views.py": "", "src/crud/__init__.py": "", "src/main.py": ""})
    found, files = services(tmp_path)
    assert found == {tmp_path.name: (("**",), "Dockerfile at the root: the repository is one deployable unit")}
    assert set(files.values()) == {tmp_path.name}


def test_a_folder_with_its_own_requirements_is_a_unit_inside_a_package_tree_too(tmp_path):
    tree(tmp_path, {"__init__.py": "", "demo/__init__.py": "", "demo/requirements.txt": "", "demo/producer.py": "", "other/__init__.py": "", "other/x.py": ""})
    found, files = services(tmp_path)
    assert found == {"demo": (("demo/**",), "demo/requirements.txt")}
    assert files["other/x.py"] is None


def test_a_requirements_file_inside_another_unit_is_that_units_detail(tmp_path):
    tree(tmp_path, {"api/Dockerfile": "", "api/src/requirements.txt": "", "api/src/app.py": ""})
    assert services(tmp_path)[0] == {"api": (("api/**",), "api/Dockerfile")}


def test_colliding_names_become_paths_a_configuration_accepts(tmp_path):
    tree(tmp_path, {"a/app/Dockerfile": "", "a/app/x.py": "", "b/app/Dockerfile": "", "b/app/y.py": ""})
    found, _ = services(tmp_path)
    assert sorted(found) == ["a.app", "b.app"]


def test_a_compose_context_outside_the_root_or_unreadable_compose_is_ignored(tmp_path):
    tree(tmp_path, {"docker-compose.yml": "services:\n  up:\n    build: ../elsewhere\n  bad: [1, 2]\n", "svc/main.py": ""})
    assert services(tmp_path)[0] == {}
    tree(tmp_path, {"docker-compose.yml": "services: {api: {build: ./svc}\n"})  # broken YAML: no unit, no crash
    assert services(tmp_path)[0] == {}


def test_configured_services_always_win(tmp_path):
    root = tmp_path / "p"
    shutil.copytree(fixture("layout_docker"), root)
    (root / "eventlint.yaml").write_text("services:\n  shop: ['*-service/**']\n", encoding="utf-8")
    found = discover([root], load_config([root]))
    assert [(s.name, s.signal) for s in found.services] == [("shop", "configured")]
    assert {f.service for f in found.files} == {"shop"}


def test_facts_show_the_deciding_signal_in_text_and_json():
    runner = CliRunner()
    text = runner.invoke(main, ["facts", str(fixture("layout_compose")), "--format", "text", "--no-cache"])
    assert "  api  (web/**)  [docker-compose.yml: service 'api' builds web/]" in text.output
    data = json.loads(runner.invoke(main, ["facts", str(fixture("layout_compose")), "--format", "json", "--no-cache"]).output)
    assert data["services"][0] == {"name": "api", "paths": ["web/**"], "signal": "docker-compose.yml: service 'api' builds web/"}


def test_init_writes_the_inferred_services_with_their_signals(tmp_path):
    root = tmp_path / "p"
    shutil.copytree(fixture("layout_nameko"), root)
    result = CliRunner().invoke(main, ["init", str(root)])
    assert result.exit_code == 0, result.output
    text = (root / "eventlint.yaml").read_text(encoding="utf-8")
    assert "  # inferred from orders.py: nameko service class name = 'orders'\n  orders: [orders.py]\n" in text
    assert yaml.safe_load(text)["services"] == {"orders": ["orders.py"], "payments": ["payments.py"], "shipping": ["shipping.py"]}
    # once written, the services are configured: the same files, now decided by the configuration
    assert {s.name: s.signal for s in discover([root], load_config([root])).services} == {
        "orders": "configured", "payments": "configured", "shipping": "configured"}


@pytest.mark.parametrize("body", ["", "class A:\n    def f(self):\n        name = 'local'\n", "name = 'module'\n"])
def test_a_name_outside_a_class_body_is_no_service(tmp_path, body):
    tree(tmp_path, {"svc.py": "from nameko.rpc import rpc\n" + body})
    assert services(tmp_path)[0] == {}


def test_files_declaring_one_service_name_are_one_service(tmp_path):
    """Two variants of one tomodachi service (the same example against AWS and LocalStack) share its events: no coupling."""
    body = "import tomodachi\n\n\nclass Service(tomodachi.Service):\n    name = \"example-sns\"\n\n    @tomodachi.aws_sns_sqs(\"example-route1\")\n    async def route1(self, data):\n        pass\n"
    tree(tmp_path, {"examples/aws.py": body, "examples/localstack.py": body.replace("route1(self", "route1_local(self"), "examples/other.py": body.replace("example-sns", "other")})
    found, files = services(tmp_path)
    assert found["example-sns"] == (("examples/aws.py", "examples/localstack.py"), "examples/aws.py: tomodachi service class name = 'example-sns' (and 1 more declaring it)")
    assert files == {"examples/aws.py": "example-sns", "examples/localstack.py": "example-sns", "examples/other.py": "other"}


# -- variants: sibling folders holding alternative versions of the same apps -------------------------------

_RUN = "version: 1\napps:\n  - appID: checkout-{v}\n    appDirPath: ./checkout/\n  - appID: order-processor-{v}\n    appDirPath: ./order-processor/\n"


def variants(root):
    found = discover([root], Config(root=root))
    return {s.name: (s.variant, s.signal) for s in found.services}


def test_sibling_folders_with_run_files_running_the_same_apps_are_alternative_variants(tmp_path):
    files = {}
    for v in ("http", "sdk"):
        files |= {f"{v}/dapr.yaml": _RUN.format(v=v), f"{v}/checkout/requirements.txt": "", f"{v}/checkout/app.py": "",
                  f"{v}/order-processor/requirements.txt": "", f"{v}/order-processor/{v}_app.py": ""}
    files |= {"sdk/order-processor-fastapi/requirements.txt": "", "sdk/order-processor-fastapi/app.py": ""}
    tree(tmp_path, files)
    found = variants(tmp_path)
    assert {name: variant for name, (variant, _) in found.items()} == {
        "http.checkout": ("http", "sdk"),
        "http.order-processor": ("http", "sdk"),
        "sdk.checkout": ("sdk", "http"),
        "sdk.order-processor": ("sdk", "http"),
        "order-processor-fastapi": ("sdk", "http"),  # in sdk/ though its run file does not start it
    }
    # the run files decided (the apps' files differ, so the layout alone would not have)
    assert found["http.checkout"][1] == (
        "http/checkout/requirements.txt; variant http/ of sdk/ (http/dapr.yaml and sdk/dapr.yaml run the same apps (checkout, order-processor))"
    )


def test_without_run_files_copies_of_one_layout_are_variants_and_an_api_and_a_worker_of_one_domain_are_not(tmp_path):
    copies = {f"{v}/{app}/{f}": "" for v in ("v1", "v2") for app in ("orders", "billing") for f in ("requirements.txt", "app.py")}
    tree(tmp_path / "copies", copies)
    found = variants(tmp_path / "copies")
    assert found["v1.orders"][0] == ("v1", "v2")
    assert found["v2.billing"][1].endswith("(v1/ and v2/ hold the same apps with the same files (billing, orders))")
    # one domain's API and worker: same app names, different files -> deployed together, no variants
    apart = {f"{part}/{app}/requirements.txt": "" for part in ("api", "worker") for app in ("orders", "billing")}
    apart |= {f"api/{app}/routes.py": "" for app in ("orders", "billing")} | {f"worker/{app}/tasks.py": "" for app in ("orders", "billing")}
    tree(tmp_path / "apart", apart)
    assert all(variant == () for variant, _ in variants(tmp_path / "apart").values())
    # a single shared app name without run files is no evidence either
    one = {f"{part}/orders/{f}": "" for part in ("a", "b") for f in ("requirements.txt", "app.py")}
    tree(tmp_path / "one", one)
    assert all(variant == () for variant, _ in variants(tmp_path / "one").values())


def test_run_files_running_different_apps_make_no_variants(tmp_path):
    files = {"team-a/dapr.yaml": _RUN.format(v="a"), "team-b/dapr.yaml": "version: 1\napps:\n  - appID: billing\n    appDirPath: ./billing/\n"}
    files |= {f"team-a/{app}/requirements.txt": "" for app in ("checkout", "order-processor")} | {"team-b/billing/requirements.txt": ""}
    files |= {f"team-a/{app}/app.py": "" for app in ("checkout", "order-processor")} | {"team-b/billing/app.py": ""}
    tree(tmp_path, files)
    assert all(variant == () for variant, _ in variants(tmp_path).values())


def test_coupling_rules_do_not_pair_services_of_two_variants(tmp_path):
    from eventlint.rules.base import Example
    from eventlint.rules.coupling import _dapr_variants

    source, files = _dapr_variants()
    tree(tmp_path, Example(source, files=files, path="http/checkout/app.py").all_files())
    result = CliRunner().invoke(main, ["graph", str(tmp_path), "--format", "json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)["summary"]
    assert summary["coupled_pairs"] == 2  # http checkout -> http processor, sdk checkout -> sdk processor
    result = CliRunner().invoke(main, ["check", str(tmp_path), "--no-cache", "--format", "json", "--exit-zero"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    # the run saw both variants' flows (its handlers only print, so EDA501 has nothing to report on them)
    assert report["summary"]["publishers"] == 2 and report["summary"]["subscribers"] == 2
    codes = {d["code"] for d in report["diagnostics"]}
    assert not codes & {"EDA602", "EDA605", "EDA607"}


# -- a site runs where its function is called: helpers defined in one unit, called from others -----------------


def test_a_helper_called_only_from_another_unit_publishes_for_that_unit():
    facts = facts_of("layout_caller_service")
    assert {s.name for s in facts.services} == {"notify", "shop"}
    # send_order_event is defined in notify/ and called only from shop/ (and a test, which is no service)
    assert {(p.channel, p.service) for p in facts.publishers} == {("order_events", "shop"), ("order_status", "notify")}
    # the faust agent is registered with the framework: its own unit's; the SSE generator runs in the shop
    assert {(s.channel, s.service) for s in facts.subscribers} == {("order_events", "notify"), ("order_status", "shop")}


_PRODUCER = (
    "from kafka import KafkaProducer\n\n"
    "producer = KafkaProducer()\n\n\n"
    "def emit(n):\n"
    "    producer.send('ticks', value=n)\n"
)


def _two_callers(tmp_path, own_call: bool):
    files = {
        "requirements.txt": "kafka-python\n",
        "core/__init__.py": "",
        "core/bus.py": _PRODUCER,
        "api/__init__.py": "",
        "api/main.py": "from core.bus import emit\n\n\ndef handle():\n    emit(1)\n",
        "jobs/__init__.py": "",
        "jobs/run.py": "from core.bus import emit\n\n\ndef tick():\n    emit(2)\n",
    }
    if own_call:
        files["core/loop.py"] = "from core.bus import emit\n\n\ndef again():\n    emit(3)\n"
    return facts_of(tree(tmp_path, files))


def test_a_helper_several_units_call_gives_one_site_per_calling_unit(tmp_path):
    facts = _two_callers(tmp_path, own_call=False)
    assert {s.name for s in facts.services} == {"api", "core", "jobs"}
    assert sorted((p.path, p.line, p.service) for p in facts.publishers) == [("core/bus.py", 7, "api"), ("core/bus.py", 7, "jobs")]


def test_a_helper_its_own_unit_calls_stays_its_own_units(tmp_path):
    facts = _two_callers(tmp_path, own_call=True)
    assert [(p.path, p.service) for p in facts.publishers] == [("core/bus.py", "core")]


def test_a_helper_nobody_calls_or_a_decorated_one_stays_where_it_is_defined(tmp_path):
    tree(
        tmp_path,
        {
            "requirements.txt": "kafka-python\n",
            "core/__init__.py": "",
            "core/bus.py": _PRODUCER + "\n\n@register\ndef hooked(n):\n    producer.send('hooks', value=n)\n",
            "api/__init__.py": "",
            "api/main.py": "from core.bus import hooked\n\n\ndef handle():\n    hooked(1)\n",
        },
    )
    facts = facts_of(tmp_path)
    assert {(p.channel, p.service) for p in facts.publishers} == {("ticks", "core"), ("hooks", "core")}


# -- a package the units install is a library, not a service ------------------------------------------------


def test_a_package_the_workers_install_is_no_service_and_its_wrapper_publishes_for_its_callers():
    facts = facts_of("layout_shared_library")
    assert {s.name for s in facts.services} == {"billing-worker", "orders-worker"}
    by_channel = {p.channel: p.service for p in facts.publishers if p.channel}
    assert by_channel == {"orders.placed": "orders-worker", "payments.captured": "billing-worker"}
    # the wrapper's own site (its topic a parameter) belongs to no service: its callers' sites carry theirs
    assert [p.service for p in facts.publishers if p.path.startswith("packages/")] == [None]


@pytest.mark.parametrize(
    "dockerfile, requirements",
    [
        ("FROM python:3.12\nCOPY ./pkgs/acme_events-0.1.0.tar.gz /app/\nRUN pip install /app/acme_events-0.1.0.tar.gz\n", ""),
        ("FROM python:3.12\n", "requests\nacme-events==0.1.0\n"),
        ("FROM python:3.12\n", "-e ../packages/events\n"),
    ],
)
def test_a_package_named_in_another_units_install_files_is_a_library(tmp_path, dockerfile, requirements):
    tree(
        tmp_path,
        {
            "packages/events/setup.py": "from setuptools import setup\n\nsetup(name='acme_events', version='0.1.0')\n",
            "packages/events/acme_events/__init__.py": "",
            "worker/Dockerfile": dockerfile,
            "worker/requirements.txt": requirements,
            "worker/main.py": "",
        },
    )
    found, files = services(tmp_path)
    assert set(found) == {"worker"}
    assert files["packages/events/acme_events/__init__.py"] is None


@pytest.mark.parametrize(
    "worker",
    [
        # the same words outside an install: a WORKDIR, a CMD, a module path in a script entry
        {"worker/Dockerfile": "FROM python:3.12\nWORKDIR /app\nCOPY . /srv\nCMD [\"python\", \"-m\", \"app\"]\n"},
        {"worker/pyproject.toml": "[project]\nname = 'worker'\n[project.scripts]\nserve = 'app.main:run'\n"},
    ],
)
def test_a_package_nobody_installs_stays_a_service(tmp_path, worker):
    tree(tmp_path, {"app/pyproject.toml": "[project]\nname = 'app'\n", "app/main.py": "", "worker/main.py": "", **worker})
    found, _ = services(tmp_path)
    assert set(found) == {"app", "worker"}


# -- a script run by hand beside a unit's entry point is not the service's code ------------------------------


def _hand_run(tmp_path, **changes):
    root = tmp_path / "repo"
    shutil.copytree(fixture("layout_hand_run_script"), root)
    for rel, text in changes.items():
        (root / rel.replace("__", "/")).write_text(text, encoding="utf-8")
    return root


def test_a_load_test_script_beside_the_entry_point_owns_nothing(tmp_path):
    root = _hand_run(tmp_path)
    facts = facts_of(root)
    assert {(p.path, p.service) for p in facts.publishers} == {("scraper/scrape.py", "scraper"), ("worker/producer.py", None)}
    result = api.lint([root], load_config([root]), select=["EDA605"])
    assert [d.code for d in result.diagnostics] == []


@pytest.mark.parametrize(
    "change",
    [
        # the entry point imports it: the worker's code
        {"worker__main.py": "from consumer import run_worker\nfrom producer import push\n\nif __name__ == '__main__':\n    push(1)\n    run_worker()\n"},
        # compose runs it as a service of its own image
        {"docker-compose.yml": "services:\n  worker:\n    build: ./worker\n  seeder:\n    build: ./worker\n    command: python producer.py --count 10\n"},
        # the Dockerfile names no entry point: nothing is known about what the image runs
        {"worker__Dockerfile": "FROM python:3.12-slim\nCOPY . /app/\n"},
        # run by name from the code
        {"worker__consumer.py": "import subprocess\n\n\ndef warm():\n    subprocess.run(['python', 'producer.py'])\n"},
    ],
)
def test_a_script_the_unit_runs_or_imports_stays_its_code(tmp_path, change):
    facts = facts_of(_hand_run(tmp_path, **change))
    assert {p.service for p in facts.publishers if p.path == "worker/producer.py"} == {"worker"}


def test_an_example_app_with_its_own_dockerfile_inside_a_library_stays_a_service(tmp_path):
    tree(
        tmp_path,
        {
            "library-bootstrap/pyproject.toml": "[project]\nname = 'library-bootstrap'\n",
            "library-bootstrap/src/bootstrap/__init__.py": "",
            "library-bootstrap/examples/Dockerfile": "FROM python:3.12\n",
            "library-bootstrap/examples/app.py": "",
            "service-orders/Dockerfile": "FROM python:3.12\n",
            "service-orders/pyproject.toml": "[project]\nname = 'orders'\ndependencies = ['library-bootstrap @ file:///libs/library-bootstrap']\n",
            "service-orders/main.py": "",
        },
    )
    found, files = services(tmp_path)
    assert set(found) == {"examples", "service-orders"}
    assert files["library-bootstrap/src/bootstrap/__init__.py"] is None
    assert files["library-bootstrap/examples/app.py"] == "examples"
