"""In-process signals and emitters: blinker (signal, Namespace, connect, send) and pyee (on, add_listener, emit)."""

from tests.helpers import facts_of, fixture, line_of, pubs, subs, write_project

ROOT = fixture("signals")
SERVICE = "accounts/accounts/service.py"
RECEIVERS = "mailer/mailer/receivers.py"
ROBOT = "robot/robot/events.py"


def test_sends_and_emits_name_the_signal():
    facts = facts_of(ROOT)
    assert pubs(facts) == {
        (SERVICE, line_of(ROOT / SERVICE, "user_registered.send("), "user-registered", None, "accounts", "accounts.service.register"),
        (SERVICE, line_of(ROOT / SERVICE, "account_closed.send("), "account-closed", None, "accounts", "accounts.service.close"),
        (ROBOT, line_of(ROOT / ROBOT, 'emitter.emit("battery-low"'), "battery-low", None, "robot", "robot.events.report"),
    }
    assert {p.framework for p in facts.publishers} == {"blinker", "pyee"}


def test_receivers_and_listeners():
    facts = facts_of(ROOT)
    assert subs(facts) == {
        (RECEIVERS, line_of(ROOT / RECEIVERS, "@user_registered.connect"), "user-registered", None, "mailer", "mailer.receivers.send_welcome"),
        (RECEIVERS, line_of(ROOT / RECEIVERS, "account_closed.connect(send_goodbye)"), "account-closed", None, "mailer", "mailer.receivers.send_goodbye"),
        (ROBOT, line_of(ROOT / ROBOT, '@emitter.on("battery-low")'), "battery-low", None, "robot", "robot.events.dock"),
        (ROBOT, line_of(ROOT / ROBOT, 'emitter.add_listener("motor-error"'), "motor-error", None, "robot", "robot.events.log_error"),
    }


def test_a_decorator_factory_call_is_not_a_registration(tmp_path):
    # ee.on("x") without a function returns a decorator: nothing is registered by the call itself
    root = write_project(
        tmp_path,
        {
            "app.py": """
                from pyee import EventEmitter

                ee = EventEmitter()
                register = ee.on("ready")
                ee.emit("ready")
            """
        },
    )
    facts = facts_of(root)
    assert not facts.subscribers
    assert [(p.event, p.framework) for p in facts.publishers] == [("ready", "pyee")]


def test_an_anonymous_signal_has_no_name(tmp_path):
    root = write_project(
        tmp_path,
        {
            "proc.py": """
                from blinker import Signal

                class Processor:
                    on_ready = Signal()

                    def go(self):
                        self.on_ready.send(self)
            """
        },
    )
    facts = facts_of(root)
    assert [(p.event, p.framework) for p in facts.publishers] == [(None, "blinker")]
