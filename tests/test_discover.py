"""Discovery: which files, which service, module names; never out of the root, never into ignored trees."""

import os
import shutil
import subprocess

import pytest

from eventlint.config import Config, load_config
from eventlint.discover import discover


def tree(root, files):
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def paths(discovery):
    return [f.path for f in discovery.files]


def test_pruned_directories_and_virtualenvs_are_not_walked(tmp_path):
    tree(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/main.py": "",
            "node_modules/pkg/x.py": "",
            "build/lib/app/main.py": "",
            "app/__pycache__/main.py": "",
            "env/pyvenv.cfg": "home = /usr",
            "env/lib/site.py": "",
            ".git/hooks/x.py": "",
            "pkg.egg-info/x.py": "",
        },
    )
    found = discover([tmp_path], Config(root=tmp_path))
    assert paths(found) == ["app/__init__.py", "app/main.py"]


def test_tests_are_excluded_by_default_and_exclude_replaces_the_default(tmp_path):
    tree(tmp_path, {"app/__init__.py": "", "app/tests/test_x.py": "", "tests/conftest.py": "", "app/helper_test.py": ""})
    assert paths(discover([tmp_path], Config(root=tmp_path))) == ["app/__init__.py"]
    everything = discover([tmp_path], Config(root=tmp_path, exclude=()))
    assert len(everything.files) == 4


def test_include_limits_the_files(tmp_path):
    tree(tmp_path, {"a/__init__.py": "", "b/__init__.py": ""})
    assert paths(discover([tmp_path], Config(root=tmp_path, include=("a/**",)))) == ["a/__init__.py"]


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_ignored_files_are_left_out(tmp_path):
    tree(tmp_path, {".gitignore": "generated/\n*.local.py\n", "app/__init__.py": "", "generated/x.py": "", "app/conf.local.py": ""})
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    assert paths(discover([tmp_path], Config(root=tmp_path))) == ["app/__init__.py"]


def test_symlinks_are_never_followed_and_escapes_are_reported(tmp_path):
    outside = tmp_path / "outside"
    tree(outside, {"secret.py": "import kafka\n"})
    root = tree(tmp_path / "project", {"app/__init__.py": "", "app/real.py": ""})
    os.symlink(outside / "secret.py", root / "app" / "leak.py")
    os.symlink(outside, root / "app" / "leakdir")
    os.symlink(root / "app" / "real.py", root / "app" / "alias.py")
    os.symlink(root / "app" / "loop", root / "app" / "loop")
    os.symlink(root / "app" / "missing.py", root / "app" / "dangling.py")
    found = discover([root], Config(root=root))
    assert paths(found) == ["app/__init__.py", "app/real.py"]
    reasons = {s.path: s.reason for s in found.skipped}
    assert reasons == {
        "app/leak.py": "symlink to outside the project root, not followed",
        "app/leakdir": "symlink to outside the project root, not followed",
        "app/loop": "symlink loop, not followed",
        "app/dangling.py": "broken symlink, not followed",
    }


def test_a_symlink_cycle_between_directories_terminates(tmp_path):
    root = tree(tmp_path, {"a/__init__.py": "", "b/__init__.py": ""})
    os.symlink(root / "b", root / "a" / "to_b")
    os.symlink(root / "a", root / "b" / "to_a")
    assert paths(discover([root], Config(root=root))) == ["a/__init__.py", "b/__init__.py"]


def test_paths_outside_the_root_are_skipped(tmp_path):
    root = tree(tmp_path / "project", {"app/__init__.py": ""})
    other = tree(tmp_path / "other", {"x.py": ""})
    found = discover([root, other], Config(root=root))
    assert paths(found) == ["app/__init__.py"]
    assert [s.reason for s in found.skipped] == ["outside the project root"]


def test_services_under_services_dir(tmp_path):
    root = tree(tmp_path, {"services/orders/app.py": "", "services/payments/pay/__init__.py": "", "libs/common/bus.py": ""})
    found = discover([root], Config(root=root))
    assert {f.path: f.service for f in found.files} == {
        "services/orders/app.py": "orders",
        "services/payments/pay/__init__.py": "payments",
        "libs/common/bus.py": None,
    }
    assert [(s.name, s.paths) for s in found.services] == [("orders", ("services/orders/**",)), ("payments", ("services/payments/**",))]


def test_services_are_top_level_packages_otherwise(tmp_path):
    root = tree(tmp_path, {"orders/__init__.py": "", "orders/api.py": "", "scripts/run.py": "", "setup.py": ""})
    found = discover([root], Config(root=root))
    assert {f.path: f.service for f in found.files} == {
        "orders/__init__.py": "orders",
        "orders/api.py": "orders",
        "scripts/run.py": None,
        "setup.py": None,
    }


def test_src_layout_packages_are_services(tmp_path):
    root = tree(tmp_path, {"src/billing/__init__.py": "", "src/billing/jobs.py": ""})
    found = discover([root], Config(root=root))
    assert {f.service for f in found.files} == {"billing"}


def test_configured_services_win_and_are_listed_even_when_empty(tmp_path):
    tree(tmp_path, {"eventlint.yaml": "services:\n  web: [web/**]\n  worker: [jobs/**]\n", "web/app.py": ""})
    config = load_config([tmp_path])
    found = discover([tmp_path], config)
    assert {f.path: f.service for f in found.files} == {"web/app.py": "web"}
    assert [s.name for s in found.services] == ["web", "worker"]


def test_module_names_follow_packages_and_disambiguate_collisions(tmp_path):
    root = tree(
        tmp_path,
        {
            "services/orders/app/__init__.py": "",
            "services/orders/app/handlers.py": "",
            "services/payments/app/__init__.py": "",
            "services/payments/app/handlers.py": "",
            "services/payments/main.py": "",
            "shop/__init__.py": "",
            "shop/bus.py": "",
        },
    )
    found = {f.path: (f.module, f.import_name, f.sys_root) for f in discover([root], Config(root=root)).files}
    assert found["shop/bus.py"] == ("shop.bus", "shop.bus", "")
    assert found["services/payments/main.py"] == ("main", "main", "services/payments")
    assert found["services/orders/app/handlers.py"] == ("services.orders.app.handlers", "app.handlers", "services/orders")
    assert found["services/payments/app/__init__.py"] == ("services.payments.app", "app", "services/payments")


def test_templates_are_discovered_as_templates(tmp_path):
    root = tree(tmp_path, {"template.yaml": "", "infra/serverless.yml": "", "config.yaml": ""})
    found = discover([root], Config(root=root))
    assert {f.path: f.kind for f in found.files} == {"template.yaml": "template", "infra/serverless.yml": "template"}
