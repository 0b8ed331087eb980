"""Subscriptions declared outside Python: AWS SAM templates, Serverless Framework files and plain
CloudFormation (YAML, or JSON as `cdk synth` writes it).

A Lambda function's triggers live in its deployment template, not in its code:
`Events:` of an `AWS::Serverless::Function`, or `events:` of a function in
`serverless.yml`. Each trigger that delivers messages (SQS, SNS, EventBridge,
CloudWatch Events, Kinesis, DynamoDB streams, Kafka, MQ) becomes a Subscription
whose site is the event entry in the template and whose handler is the Python
function the template names, found among the project's modules by file path.
Plain CloudFormation has no `Events`: its AWS::Lambda::EventSourceMapping resources and
SNS subscriptions of Lambda functions are the triggers. In all three, an AWS::Events::Rule
resource whose target is a function of the template is that function's subscription, and one
whose target is a queue or topic binds it to the rule's sources (see `event_rule_bindings`).

Dead letters: a queue trigger reports the queue's RedrivePolicy target; a stream
or Kafka trigger its DestinationConfig.OnFailure; an asynchronous trigger (SNS,
EventBridge) the function's own DeadLetterQueue / onError / on-failure destination,
which catches handler failures, and otherwise the subscription's or rule's
delivery dead-letter queue.

Templates are read with a `yaml.SafeLoader` subclass: CloudFormation short-form
tags become the equivalent long-form mappings (`!Ref X` -> `{"Ref": "X"}`) and
every other tag outside YAML's safe set is an error, so nothing is ever constructed
from a template. A template that does not parse is an EDA000 diagnostic.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from eventlint.discover import Discovery, SourceFile
from eventlint.extract.resolve import ModInfo, Project
from eventlint.facts import Binding, Diagnostic, Publication, Subscription

__all__ = ["CLOUDFORMATION", "SAM", "SERVERLESS", "TemplateFacts", "TemplateLoader", "load_template", "template_facts", "template_subscriptions"]

SAM = "aws-sam"
SERVERLESS = "serverless"
CLOUDFORMATION = "cloudformation"  # plain CloudFormation (YAML or JSON), CDK-synthesised templates included
LAMBDA_FUNCTION = "AWS::Lambda::Function"
SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
SAM_FUNCTION = "AWS::Serverless::Function"

# Short-form tag -> the key of the long form CloudFormation itself expands it to.
INTRINSIC_TAGS = {
    "!Ref": "Ref",
    "!Condition": "Condition",
    "!GetAtt": "Fn::GetAtt",
    "!Base64": "Fn::Base64",
    "!Cidr": "Fn::Cidr",
    "!FindInMap": "Fn::FindInMap",
    "!GetAZs": "Fn::GetAZs",
    "!ImportValue": "Fn::ImportValue",
    "!Join": "Fn::Join",
    "!Length": "Fn::Length",
    "!Select": "Fn::Select",
    "!Split": "Fn::Split",
    "!Sub": "Fn::Sub",
    "!ToJsonString": "Fn::ToJsonString",
    "!Transform": "Fn::Transform",
    "!And": "Fn::And",
    "!Equals": "Fn::Equals",
    "!If": "Fn::If",
    "!Not": "Fn::Not",
    "!Or": "Fn::Or",
}

# The property that names a resource, by type; without a literal one the logical id stands in.
NAME_PROPERTY = {
    "AWS::SQS::Queue": "QueueName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::Kinesis::Stream": "Name",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::Serverless::SimpleTable": "TableName",
    "AWS::Events::EventBus": "Name",
    "AWS::MSK::Cluster": "ClusterName",
    "AWS::Lambda::Function": "FunctionName",
    SAM_FUNCTION: "FunctionName",
}

# The resource an environment variable must name for a publication or subscription of the framework to read it.
ENV_RESOURCE_TYPES = {"aws-sns": "AWS::SNS::Topic", "aws-sqs": "AWS::SQS::Queue"}
# os.environ["X"], os.environ.get("X"[, default]), os.getenv("X"[, default]), environ[...] imported from os
ENV_READ = re.compile(
    r"""(?:os\.)?(?:environ\[\s*(['"])(\w+)\1\s*\]|environ\.get\(\s*(['"])(\w+)\3\s*(?:,[^()]*)?\)|getenv\(\s*(['"])(\w+)\5\s*(?:,[^()]*)?\))"""
)
# Triggers whose records a data store emits itself: no code publishes them.
CHANGE_STREAM = "change"

# A parse failure is only reported for a file that shows signs of being a template:
# `template.yaml` is also a common name for unrelated (often Jinja) files.
TEMPLATE_MARKERS = re.compile(
    r"AWS::|^(?:AWSTemplateFormatVersion|Transform|Resources|service|provider|functions)\s*:", re.MULTILINE
)
SERVERLESS_VARIABLE = re.compile(r"\$\{([^${}]*)\}")
WHOLE_REFERENCE = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}")
MAX_VARIABLE_PASSES = 10
MAX_TEXT = 200
MAX_RENDERED_NODES = 60


# -- loading -------------------------------------------------------------------


class Map(dict):
    """A YAML mapping that remembers where it and each of its keys start (1-based line, column)."""

    at: tuple[int, int] = (1, 1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_at: dict[Any, tuple[int, int]] = {}


class Seq(list):
    """A YAML sequence that remembers where it and each of its items start."""

    at: tuple[int, int] = (1, 1)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.item_at: list[tuple[int, int]] = []


class TemplateLoader(yaml.SafeLoader):
    """A safe loader that reads CloudFormation short-form tags as data and keeps positions."""


def _position(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _construct_map(loader: TemplateLoader, node: yaml.MappingNode) -> Iterator[Map]:
    data = Map()
    data.at = _position(node)
    yield data
    data.update(loader.construct_mapping(node))
    # construct_mapping has flattened merge keys into node.value; a later key wins, as in the dict.
    for key_node, _ in node.value:
        data.key_at[loader.construct_object(key_node)] = _position(key_node)


def _construct_seq(loader: TemplateLoader, node: yaml.SequenceNode) -> Iterator[Seq]:
    data = Seq()
    data.at = _position(node)
    yield data
    data.extend(loader.construct_sequence(node))
    data.item_at = [_position(child) for child in node.value]


def _intrinsic(key: str) -> Callable[[TemplateLoader, yaml.Node], Map]:
    def construct(loader: TemplateLoader, node: yaml.Node) -> Map:
        value: Any
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
            if key == "Fn::GetAtt" and isinstance(value, str):
                # `!GetAtt Res.Attr.Sub` is `[Res, Attr.Sub]`: logical ids never contain a dot.
                value = Seq(value.split(".", 1))
        elif isinstance(node, yaml.SequenceNode):
            plain = yaml.SequenceNode("tag:yaml.org,2002:seq", node.value, node.start_mark, node.end_mark)
            value = loader.construct_object(plain, deep=True)
        else:
            plain = yaml.MappingNode("tag:yaml.org,2002:map", node.value, node.start_mark, node.end_mark)
            value = loader.construct_object(plain, deep=True)
        result = Map({key: value})
        result.at = _position(node)
        result.key_at[key] = result.at
        return result

    return construct


TemplateLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
TemplateLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)
for _tag, _key in INTRINSIC_TAGS.items():
    TemplateLoader.add_constructor(_tag, _intrinsic(_key))


def load_template(text: str) -> Any:
    """Safe-load one YAML document with CloudFormation tags as data; raises yaml.YAMLError."""
    loader = TemplateLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


# -- entry point -----------------------------------------------------------------


@dataclass
class TemplateFacts:
    """What the templates add: their subscriptions and SNS->SQS subscriptions (as bindings), the templates
    that could not be read, and, per function code directory, the topic or queue each environment variable names."""

    subscriptions: list[Subscription] = dataclasses.field(default_factory=list)
    bindings: list[Binding] = dataclasses.field(default_factory=list)
    problems: list[Diagnostic] = dataclasses.field(default_factory=list)
    # (code directory, variable, resource type) -> the names it stands for
    environment: dict[tuple[str, str, str], set[str]] = dataclasses.field(default_factory=dict)
    # (code directory, variable, resource type, name) -> where the template sets it ("config: serverless.yml ...")
    origins: dict[tuple[str, str, str, str], set[str]] = dataclasses.field(default_factory=dict)

    def resolve(self, record: Publication | Subscription) -> Publication | Subscription:
        """The record with its channel read from the deployment template, when the code reads it from an
        environment variable the template sets, for this file, to one topic or queue of its own."""
        resource_type = ENV_RESOURCE_TYPES.get(record.framework)
        if record.channel is not None or resource_type is None or not record.channel_expr:
            return record
        match = ENV_READ.fullmatch(record.channel_expr.strip())
        if match is None:
            return record
        variable = next(g for g in match.groups()[1::2] if g)
        names: set[str] = set()
        origins: set[str] = set()
        for (directory, name, kind), values in self.environment.items():
            if name == variable and kind == resource_type and _inside(record.path, directory):
                names |= values
                for value in values:
                    origins |= self.origins.get((directory, name, kind, value), set())
        if len(names) != 1:
            return record  # not set for this code, or set to different resources by different functions
        provenance = "; ".join(sorted(origins)) or None
        return dataclasses.replace(record, channel=next(iter(names)), channel_expr=None, unresolved=None, provenance=provenance)


def template_subscriptions(
    discovery: Discovery, templates: Iterable[SourceFile], project: Project
) -> tuple[list[Subscription], list[Diagnostic]]:
    """The subscriptions SAM and Serverless templates declare, and the templates that could not be read."""
    found = template_facts(discovery, templates, project)
    return found.subscriptions, found.problems


def template_facts(discovery: Discovery, templates: Iterable[SourceFile], project: Project) -> TemplateFacts:
    """Everything SAM and Serverless templates say (see TemplateFacts)."""
    modules = {info.ir.path: info for info in project.mods.values()}
    services = {f.path: f.service for f in discovery.files}
    out = TemplateFacts()
    found = out.subscriptions
    problems = out.problems
    for source in templates:
        try:
            text = source.abspath.read_bytes().decode("utf-8-sig")
        except OSError as exc:
            problems.append(_diagnostic(source.path, f"cannot read the template: {exc.strerror or exc}", 1, 1))
            continue
        except UnicodeDecodeError as exc:
            problems.append(_diagnostic(source.path, f"the template is not UTF-8 text: {exc.reason}", 1, 1))
            continue
        try:
            document = load_template(text)
        except (yaml.YAMLError, RecursionError) as exc:
            if TEMPLATE_MARKERS.search(text):
                problems.append(_parse_diagnostic(source.path, exc))
            continue
        framework = _framework_of(document)
        if framework is None:
            continue
        template = _Template(source, document, framework, modules, services)
        if framework == SAM:
            found.extend(template.sam())
        elif framework == SERVERLESS:
            found.extend(template.serverless())
        else:
            found.extend(template.cloudformation())
        found.extend(template.event_rules())
        out.bindings.extend(template.topic_subscriptions())
        out.bindings.extend(template.event_rule_bindings())
        for key, names in template.environment(out.origins).items():
            out.environment.setdefault(key, set()).update(names)
    return out


def _framework_of(document: Any) -> str | None:
    if not isinstance(document, dict):
        return None
    resources = document.get("Resources")
    if isinstance(resources, dict):
        transform = document.get("Transform")
        transforms = transform if isinstance(transform, list) else [transform]
        if SAM_TRANSFORM in transforms or any(
            isinstance(r, dict) and r.get("Type") == SAM_FUNCTION for r in resources.values()
        ):
            return SAM
    if isinstance(document.get("functions"), dict) and ("service" in document or "provider" in document):
        return SERVERLESS
    if isinstance(resources, dict) and (
        "AWSTemplateFormatVersion" in document
        or any(isinstance(r, dict) and str(r.get("Type", "")).startswith("AWS::") for r in resources.values())
    ):
        return CLOUDFORMATION
    return None


def _diagnostic(path: str, message: str, line: int, column: int) -> Diagnostic:
    return Diagnostic(
        code="EDA000",
        message=f"{message} (the template was not analysed)",
        path=path,
        line=line,
        column=column,
        hint="fix the template so it is valid YAML; every other file was still checked",
    )


def _parse_diagnostic(path: str, exc: BaseException) -> Diagnostic:
    if isinstance(exc, RecursionError):
        return _diagnostic(path, "the template nests too deeply to read", 1, 1)
    line, column, problem = 1, 1, str(exc)
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        if mark is not None:
            line, column = mark.line + 1, mark.column + 1
        problem = exc.problem or exc.context or problem
    tag = re.search(r"constructor for the tag '([^']*)'", problem)
    if isinstance(exc, yaml.constructor.ConstructorError) and tag:
        message = (
            f"YAML tag {tag.group(1)!r} is not allowed: templates are read with a safe loader"
            " and nothing was constructed"
        )
    else:
        message = f"YAML error: {problem}"
    return _diagnostic(path, message, line, column)


# -- one template ---------------------------------------------------------------


@dataclass(frozen=True)
class _Route:
    """What one trigger delivers: a channel and event (or the text that did not resolve), and its dead letters."""

    channel: str | None
    channel_expr: str | None = None
    event: str | None = None
    event_expr: str | None = None
    dead_letter: str | None = None
    group: str | None = None
    kind: str | None = None
    provenance: str | None = None


@dataclass(frozen=True)
class _Handler:
    """The Python function a template names, or the text when it is not in the project."""

    name: str | None
    expr: str | None
    service: str | None


class _Template:
    """One parsed template with the lookups its records need."""

    def __init__(
        self,
        source: SourceFile,
        document: dict,
        framework: str,
        modules: dict[str, ModInfo],
        services: dict[str, str | None],
    ) -> None:
        self.source = source
        self.document = document
        self.framework = framework
        self.modules = modules
        self.services = services
        self.directory = posixpath.dirname(source.path)
        self.resources = _resources(document, framework)

    # -- AWS SAM ---------------------------------------------------------------

    def sam(self) -> Iterator[Subscription]:
        """One record per message-delivering event of every AWS::Serverless::Function."""
        globals_ = _mapping(_mapping(self.document.get("Globals")).get("Function"))
        for logical_id, resource in self.resources.items():
            if not isinstance(resource, dict) or resource.get("Type") != SAM_FUNCTION:
                continue
            props = _mapping(resource.get("Properties"))

            def prop(name: str, props: dict = props) -> Any:
                return props[name] if name in props else globals_.get(name)

            events = props.get("Events")
            if not isinstance(events, dict):
                continue
            handler = self._sam_handler(logical_id, prop)
            failed = self._first_dead_letter(
                _mapping(prop("DeadLetterQueue")).get("TargetArn"),
                _path(prop("EventInvokeConfig"), "DestinationConfig", "OnFailure", "Destination"),
            )
            for name, event in events.items():
                if not isinstance(event, dict):
                    continue
                routes = self._sam_routes(
                    event.get("Type"), _mapping(event.get("Properties")), failed, f"{logical_id}{name}"
                )
                line, column = _key_at(events, name, getattr(resource, "at", (1, 1)))
                yield from self._records(routes, handler, line, column)

    def _sam_handler(self, logical_id: str, prop: Callable[[str], Any]) -> _Handler:
        code_uri = prop("CodeUri")
        if code_uri is None and prop("InlineCode") is None:
            base: str | None = self.directory
        elif isinstance(code_uri, str) and "://" not in code_uri:
            base = posixpath.join(self.directory, code_uri)
        else:
            base = None  # S3 or inline code: nothing in this repository to find
        return self._handler(base, prop("Handler"), prop("Runtime"), logical_id)

    def _sam_routes(self, kind: Any, props: dict, failed: str | None, event_id: str) -> list[_Route]:
        if kind == "SQS":
            queue = props.get("Queue")
            return [self._route(queue, dead_letter=self._queue_dead_letter(queue))]
        if kind == "SNS":
            subscription = props.get("SqsSubscription")
            if isinstance(subscription, dict):
                handled = self._queue_dead_letter(subscription.get("QueueArn"))
            elif subscription:
                handled = None  # SAM puts a plain queue in between; it has no redrive policy
            else:
                handled = failed  # SNS invokes the function asynchronously
            redrive = _mapping(_json_value(props.get("RedrivePolicy")))
            delivery = self._first_dead_letter(redrive.get("deadLetterTargetArn"))
            return [self._route(props.get("Topic"), dead_letter=handled or delivery)]
        if kind in ("EventBridgeRule", "CloudWatchEvent"):
            config = _mapping(props.get("DeadLetterConfig"))
            if "Arn" in config:
                rule_dead = self._dead_letter_text(config["Arn"])
            elif config.get("Type"):
                rule_dead = _text(config.get("QueueLogicalId")) or f"{event_id}Queue"  # SAM's generated queue
            else:
                rule_dead = None
            # The function's own dead letters catch handler failures; the rule's only failed deliveries.
            return self._pattern_routes(props.get("Pattern"), failed or rule_dead)
        if kind in ("Kinesis", "DynamoDB"):
            dead = self._first_dead_letter(_path(props, "DestinationConfig", "OnFailure", "Destination"))
            route = self._route(props.get("Stream"), dead_letter=dead)
            # a DynamoDB stream carries the table's own change records: no code publishes them
            return [dataclasses.replace(route, kind=CHANGE_STREAM) if kind == "DynamoDB" else route]
        if kind in ("MSK", "SelfManagedKafka"):
            dead = self._first_dead_letter(_path(props, "DestinationConfig", "OnFailure", "Destination"))
            group = _text(props.get("ConsumerGroupId"))
            return self._names_routes(props.get("Topics"), dead, group)
        if kind == "MQ":
            return self._names_routes(props.get("Queues"), None, None)
        return []  # Api, Schedule, S3 and the like trigger the function but carry no events

    # -- Serverless Framework --------------------------------------------------

    def serverless(self) -> Iterator[Subscription]:
        """One record per message-delivering entry of every function's `events:` list."""
        provider = _mapping(self.document.get("provider"))
        for function_name, function in self.document["functions"].items():
            if not isinstance(function, dict):
                continue
            events = function.get("events")
            if not isinstance(events, list):
                continue
            runtime = function["runtime"] if "runtime" in function else provider.get("runtime")
            handler = self._handler(self.directory, function.get("handler"), runtime, str(function_name))
            failure = _mapping(function.get("destinations")).get("onFailure")
            failed = self._first_dead_letter(
                function.get("onError"), failure.get("arn") if isinstance(failure, dict) else failure
            )
            item_at = getattr(events, "item_at", [])
            for index, entry in enumerate(events):
                if not isinstance(entry, dict) or len(entry) != 1:
                    continue
                [(kind, value)] = entry.items()
                line, column = item_at[index] if index < len(item_at) else getattr(function, "at", (1, 1))
                yield from self._records(self._serverless_routes(kind, value, failed), handler, line, column)

    def _serverless_routes(self, kind: Any, value: Any, failed: str | None) -> list[_Route]:
        options = _mapping(value)
        if kind == "sqs":
            arn = options.get("arn") if isinstance(value, dict) else value
            return [self._route(arn, dead_letter=self._queue_dead_letter(arn))]
        if kind == "sns":
            redrive = _mapping(options.get("redrivePolicy"))
            dead = self._first_dead_letter(
                redrive.get("deadLetterTargetArn"),
                self._resource_name(redrive.get("deadLetterTargetRef")),
                _mapping(redrive.get("deadLetterTargetImport")).get("arn"),
            )
            if isinstance(value, dict):
                topic = options["topicName"] if "topicName" in options else options.get("arn")
            else:
                topic = value  # a bare name makes the framework create that topic
            return [self._route(topic, dead_letter=failed or dead)]
        if kind == "eventBridge":
            if "pattern" not in options:
                return []  # a schedule
            dead = failed or self._first_dead_letter(options.get("deadLetterQueueArn"))
            return self._pattern_routes(options.get("pattern"), dead)
        if kind == "cloudwatchEvent":
            if "event" not in options:
                return []
            return self._pattern_routes(options.get("event"), failed)
        if kind == "stream":
            arn = options.get("arn") if isinstance(value, dict) else value
            failure = _mapping(options.get("destinations")).get("onFailure")
            dead = self._first_dead_letter(failure.get("arn") if isinstance(failure, dict) else failure)
            route = self._route(arn, dead_letter=dead)
            return [dataclasses.replace(route, kind=CHANGE_STREAM) if self._dynamodb_stream(options, arn) else route]
        if kind in ("msk", "kafka"):
            group = self._literal(options.get("consumerGroupId"))
            return self._names_routes([options.get("topic")], None, group)
        if kind in ("activemq", "rabbitmq"):
            return self._names_routes([options.get("queue")], None, None)
        return []

    # -- plain CloudFormation ----------------------------------------------------

    def cloudformation(self) -> Iterator[Subscription]:
        """Lambda event source mappings (SQS, Kinesis, DynamoDB streams, Kafka, MQ) and SNS subscriptions of
        Lambda functions, each a subscription of the function the mapping names."""
        for logical_id, resource in self.resources.items():
            if not isinstance(resource, dict):
                continue
            props = _mapping(resource.get("Properties"))
            line, column = _key_at(self.resources, logical_id, getattr(resource, "at", (1, 1)))
            if resource.get("Type") == "AWS::Lambda::EventSourceMapping":
                function = self._lambda_function(props.get("FunctionName"))
                if function is None:
                    continue
                handler = self._cloudformation_handler(*function)
                source = props.get("EventSourceArn")
                dead = self._first_dead_letter(_path(props, "DestinationConfig", "OnFailure", "Destination"))
                source_type = self._source_type(source)
                if source_type == "AWS::SQS::Queue":
                    routes = [self._route(source, dead_letter=self._queue_dead_letter(source))]
                elif props.get("Topics"):
                    routes = self._names_routes(props.get("Topics"), dead, None)
                elif props.get("Queues"):
                    routes = self._names_routes(props.get("Queues"), None, None)
                else:
                    route = self._route(source, dead_letter=dead)
                    dynamodb = source_type in ("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable") or (
                        isinstance(source, str) and ":dynamodb:" in source
                    )
                    routes = [dataclasses.replace(route, kind=CHANGE_STREAM) if dynamodb else route]
                yield from self._records(routes, handler, line, column)
            elif resource.get("Type") == "AWS::SNS::Subscription" and str(props.get("Protocol", "")).lower() == "lambda":
                function = self._lambda_function(props.get("Endpoint"))
                if function is None:
                    continue
                redrive = _mapping(_json_value(props.get("RedrivePolicy")))
                routes = [self._route(props.get("TopicArn"), dead_letter=self._first_dead_letter(redrive.get("deadLetterTargetArn")))]
                yield from self._records(routes, self._cloudformation_handler(*function), line, column)

    def _lambda_function(self, reference: Any) -> tuple[str, dict] | None:
        """The AWS::Lambda::Function of this template a FunctionName / Endpoint points at."""
        logical_id = _referenced_id(reference)
        resource = self.resources.get(logical_id) if isinstance(logical_id, str) else None
        if not isinstance(resource, dict) or resource.get("Type") != LAMBDA_FUNCTION:
            return None
        return str(logical_id), _mapping(resource.get("Properties"))

    def _cloudformation_handler(self, logical_id: str, props: dict) -> _Handler:
        return self._handler(self._code_directory(props), props.get("Handler"), props.get("Runtime"), logical_id)

    def _code_directory(self, props: dict) -> str | None:
        """A function's code directory when `Code` is a local path (a template before `cloudformation package`);
        S3 objects, inline code and CDK assets (copies under cdk.out) are not the project's files."""
        code = props.get("Code")
        if isinstance(code, str) and "://" not in code:
            return posixpath.normpath(posixpath.join(self.directory, code))
        return None

    def _source_type(self, value: Any) -> str | None:
        logical_id = _referenced_id(value)
        resource = self.resources.get(logical_id) if isinstance(logical_id, str) else None
        if isinstance(resource, dict):
            return resource.get("Type")
        if isinstance(value, str) and value.startswith("arn:") and ":sqs:" in value:
            return "AWS::SQS::Queue"
        return None

    # -- standalone EventBridge rules ------------------------------------------------

    def event_rules(self) -> Iterator[Subscription]:
        """Each `AWS::Events::Rule` resource (SAM, plain CloudFormation, Serverless `resources:`) whose target is a
        function of this template: a subscription of that function, its pattern read as a function's own
        `EventBridgeRule` event is (source the channel, detail-type the event; content filters such as `prefix`
        stay unresolved text). The function's dead letters catch handler failures; the target's
        `DeadLetterConfig` only failed deliveries."""
        for pattern, target, line, column in self._rule_targets():
            function = self._target_function(target.get("Arn"))
            if function is None:
                continue
            handler, failed = function
            delivery = self._first_dead_letter(_mapping(target.get("DeadLetterConfig")).get("Arn"))
            yield from self._records(self._pattern_routes(pattern, failed or delivery), handler, line, column)

    def event_rule_bindings(self) -> Iterator[Binding]:
        """Each SQS queue or SNS topic of this template that a standalone rule targets, as a binding to the rule's
        event source: the queue (topic) receives what is published on that source. Only a pattern of literal sources
        without `detail-type` is read (content filters on `detail` are not judged, as for a function's rule): a
        binding matches by channel, never by event, so a `detail-type` would make it wider than the rule, and
        such a target stays unknown."""
        for pattern, target, line, column in self._rule_targets():
            arn = target.get("Arn")
            name = self._resource_of(arn, "AWS::SQS::Queue", ":sqs:") or self._resource_of(arn, "AWS::SNS::Topic", ":sns:")
            if name is None or not isinstance(pattern, dict) or "source" not in pattern or "detail-type" in pattern:
                continue
            sources = self._alternatives(pattern.get("source"))
            if any(source is None for source, _ in sources):
                continue
            delivery = self._first_dead_letter(_mapping(target.get("DeadLetterConfig")).get("Arn"))
            for source, _ in sources:
                yield Binding(
                    framework=self.framework,
                    queue=name,
                    exchange=source,
                    routing_key=None,
                    service=self.source.service,
                    path=self.source.path,
                    line=line,
                    column=column,
                    dead_letter=delivery,
                )

    def _rule_targets(self) -> Iterator[tuple[Any, dict, int, int]]:
        """(a rule's event pattern, one target, the target's line and column) of every enabled
        `AWS::Events::Rule` with an event pattern (a schedule-only rule carries no events)."""
        for logical_id, resource in self.resources.items():
            if not isinstance(resource, dict) or resource.get("Type") != "AWS::Events::Rule":
                continue
            props = _mapping(resource.get("Properties"))
            if "EventPattern" not in props or str(props.get("State", "ENABLED")).upper() == "DISABLED":
                continue
            pattern = _json_value(props.get("EventPattern"))
            targets = props.get("Targets")
            if not isinstance(targets, list):
                continue
            item_at = getattr(targets, "item_at", [])
            default = _key_at(self.resources, logical_id, getattr(resource, "at", (1, 1)))
            for index, target in enumerate(targets):
                if isinstance(target, dict):
                    line, column = item_at[index] if index < len(item_at) else default
                    yield pattern, target, line, column

    def _target_function(self, arn: Any) -> tuple[_Handler, str | None] | None:
        """The handler of the function of this template a rule target's `Arn` names (`!GetAtt F.Arn`, `!Ref F`,
        `!Sub ${F.Arn}`; in a Serverless file, `<Name>LambdaFunction` of a function under `functions:`), and the
        function's own dead letter; None when it names no function here."""
        logical_id = _referenced_id(arn)
        if not isinstance(logical_id, str):
            return None
        if self.framework == SERVERLESS:
            return self._serverless_function(logical_id)
        resource = self.resources.get(logical_id)
        if not isinstance(resource, dict):
            return None
        props = _mapping(resource.get("Properties"))
        if resource.get("Type") == SAM_FUNCTION:
            globals_ = _mapping(_mapping(self.document.get("Globals")).get("Function"))

            def prop(name: str) -> Any:
                return props[name] if name in props else globals_.get(name)

            failed = self._first_dead_letter(
                _mapping(prop("DeadLetterQueue")).get("TargetArn"),
                _path(prop("EventInvokeConfig"), "DestinationConfig", "OnFailure", "Destination"),
            )
            return self._sam_handler(logical_id, prop), failed
        if resource.get("Type") == LAMBDA_FUNCTION:
            failed = self._first_dead_letter(_mapping(props.get("DeadLetterConfig")).get("TargetArn"))
            return self._cloudformation_handler(logical_id, props), failed
        return None

    def _serverless_function(self, logical_id: str) -> tuple[_Handler, str | None] | None:
        """The function of `functions:` whose generated logical id (the Serverless Framework's normalised name:
        `-` -> `Dash`, `_` -> `Underscore`, first letter upper-cased, then `LambdaFunction`) is `logical_id`."""
        provider = _mapping(self.document.get("provider"))
        for function_name, function in _mapping(self.document.get("functions")).items():
            if not isinstance(function, dict) or not isinstance(function_name, str) or not function_name:
                continue
            normalised = function_name.replace("-", "Dash").replace("_", "Underscore")
            if f"{normalised[0].upper()}{normalised[1:]}LambdaFunction" != logical_id:
                continue
            runtime = function["runtime"] if "runtime" in function else provider.get("runtime")
            handler = self._handler(self.directory, function.get("handler"), runtime, function_name)
            failure = _mapping(function.get("destinations")).get("onFailure")
            failed = self._first_dead_letter(function.get("onError"), failure.get("arn") if isinstance(failure, dict) else failure)
            return handler, failed
        return None

    # -- shared ----------------------------------------------------------------

    def _records(self, routes: list[_Route], handler: _Handler, line: int, column: int) -> Iterator[Subscription]:
        for route in routes:
            yield Subscription(
                event=route.event,
                channel=route.channel,
                framework=self.framework,
                service=handler.service or self.source.service,
                path=self.source.path,
                line=line,
                column=column,
                handler=handler.name,
                group=route.group,
                dead_letter=route.dead_letter,
                event_expr=route.event_expr,
                channel_expr=route.channel_expr,
                handler_expr=handler.expr,
                kind=route.kind,
                provenance=route.provenance,
            )

    def _dynamodb_stream(self, options: dict, arn: Any) -> bool:
        """A Serverless `stream` event on a DynamoDB table (its `type`, its ARN, or a GetAtt of a table here)."""
        if options.get("type") == "dynamodb":
            return True
        if isinstance(arn, str):
            return ":dynamodb:" in self._variables(arn)
        logical_id = _referenced_id(arn)
        resource = _mapping(self.resources.get(logical_id)) if isinstance(logical_id, str) else {}
        return resource.get("Type") in ("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable")

    # -- SNS -> SQS subscriptions and environment variables ---------------------

    def topic_subscriptions(self) -> Iterator[Binding]:
        """Each SQS queue subscribed to an SNS topic (AWS::SNS::Subscription, or a topic's `Subscription` list),
        as a binding of the queue to the topic: the queue receives everything published to the topic."""
        for logical_id, resource in self.resources.items():
            if not isinstance(resource, dict):
                continue
            props = _mapping(resource.get("Properties"))
            line, column = _key_at(self.resources, logical_id, getattr(resource, "at", (1, 1)))
            if resource.get("Type") == "AWS::SNS::Subscription":
                pairs = [(props.get("TopicArn"), props)]
            elif resource.get("Type") == "AWS::SNS::Topic" and isinstance(props.get("Subscription"), list):
                pairs = [({"Ref": logical_id}, _mapping(entry)) for entry in props["Subscription"]]
            else:
                continue
            for topic, subscription in pairs:
                if str(subscription.get("Protocol", "")).lower() != "sqs":
                    continue
                topic_name = self._resource_of(topic, "AWS::SNS::Topic", ":sns:")
                queue_name = self._resource_of(subscription.get("Endpoint"), "AWS::SQS::Queue", ":sqs:")
                if topic_name is None or queue_name is None:
                    continue
                redrive = _mapping(_json_value(subscription.get("RedrivePolicy")))
                yield Binding(
                    framework=self.framework,
                    queue=queue_name,
                    exchange=topic_name,
                    routing_key=None,
                    service=self.source.service,
                    path=self.source.path,
                    line=line,
                    column=column,
                    dead_letter=self._first_dead_letter(redrive.get("deadLetterTargetArn")),
                )

    def environment(self, origins: dict[tuple[str, str, str, str], set[str]] | None = None) -> dict[tuple[str, str, str], set[str]]:
        """(function code directory, variable, resource type) -> the topic or queue the variable names there;
        `origins` receives, per (directory, variable, type, name), where the template sets it."""
        out: dict[tuple[str, str, str], set[str]] = {}
        for directory, variables, where in self._function_environments():
            for variable, value in variables.items():
                for resource_type, marker in (("AWS::SNS::Topic", ":sns:"), ("AWS::SQS::Queue", ":sqs:")):
                    name = self._resource_of(value, resource_type, marker)
                    if name is not None and isinstance(variable, str):
                        out.setdefault((directory, variable, resource_type), set()).add(name)
                        if origins is not None:
                            origin = f"config: {self.source.path} {where.get(variable, '')} {variable}".replace("  ", " ")
                            origins.setdefault((directory, variable, resource_type, name), set()).add(origin)
        return out

    def _function_environments(self) -> Iterator[tuple[str, dict, dict[Any, str]]]:
        if self.framework == SAM:
            globals_ = _mapping(_mapping(self.document.get("Globals")).get("Function"))
            shared = _mapping(_mapping(globals_.get("Environment")).get("Variables"))
            for logical_id, resource in self.resources.items():
                if not isinstance(resource, dict) or resource.get("Type") != SAM_FUNCTION:
                    continue
                props = _mapping(resource.get("Properties"))
                code_uri = props.get("CodeUri", globals_.get("CodeUri"))
                if code_uri is None:
                    directory = self.directory
                elif isinstance(code_uri, str) and "://" not in code_uri:
                    directory = posixpath.normpath(posixpath.join(self.directory, code_uri))
                else:
                    continue
                own = _mapping(_mapping(props.get("Environment")).get("Variables"))
                where = {**{k: "Globals.Function.Environment.Variables" for k in shared}, **{k: f"Resources.{logical_id}.Environment.Variables" for k in own}}
                yield directory, {**shared, **own}, where
        elif self.framework == SERVERLESS:
            shared = _mapping(_mapping(self.document.get("provider")).get("environment"))
            for function_name, function in _mapping(self.document.get("functions")).items():
                if isinstance(function, dict):
                    own = _mapping(function.get("environment"))
                    where = {**{k: "provider.environment" for k in shared}, **{k: f"functions.{function_name}.environment" for k in own}}
                    yield self.directory, {**shared, **own}, where
        else:
            for logical_id, resource in self.resources.items():
                if not isinstance(resource, dict) or resource.get("Type") != LAMBDA_FUNCTION:
                    continue
                props = _mapping(resource.get("Properties"))
                directory = self._code_directory(props)
                if directory is not None:
                    own = _mapping(_mapping(props.get("Environment")).get("Variables"))
                    yield directory, own, {k: f"Resources.{logical_id}.Environment.Variables" for k in own}

    def _resource_of(self, value: Any, resource_type: str, marker: str) -> str | None:
        """The name of the topic or queue `value` stands for: a Ref/GetAtt of such a resource of this template,
        or a literal (or Sub) ARN of that service or SQS queue URL; None for anything else."""
        value = self._whole_variable(value)
        logical_id = _referenced_id(value)
        if logical_id is not None:
            resource = self.resources.get(logical_id)
            if not isinstance(resource, dict) or resource.get("Type") != resource_type:
                return None
            return self._resource_name(logical_id)
        if isinstance(value, dict) and _intrinsic_key(value) == "Fn::Sub":
            argument = value["Fn::Sub"]
            text = argument[0] if _pair(argument) else argument
            if marker == ":sqs:" and isinstance(text, str) and text.startswith("https://sqs."):
                last = text.rsplit("/", 1)[-1]
                return last if last and "${" not in last else None
            if not isinstance(text, str) or marker not in text:
                return None
            return self._from_sub(argument)
        if isinstance(value, dict) and _intrinsic_key(value) == "Fn::Join":
            argument = value["Fn::Join"]
            if not _pair(argument) or not isinstance(argument[0], str) or not isinstance(argument[1], list):
                return None
            joined = argument[0].join(self._variables(p) if isinstance(p, str) else "${?}" for p in argument[1])
            return _name_from_text(joined) if joined.startswith("arn:") and marker in joined else None
        text = self._literal(value)
        if text is None:
            return None
        if text.startswith("arn:"):
            return _name_from_text(text) if marker in text else None
        if marker == ":sqs:" and re.fullmatch(r"https://sqs\.[^/]+/[^/]+/[^/]+", text):
            return text.rsplit("/", 1)[1]
        return None

    def _handler(self, base: str | None, handler: Any, runtime: Any, function_name: str) -> _Handler:
        """Find `module.function` (dots or slashes in the module part) below the function's code directory."""
        text = self._literal(handler)
        if text is None:
            # No handler string (a container image, an intrinsic): name the function so the gap is visible.
            return _Handler(None, _render(handler) if handler is not None else function_name, None)
        if base is None or (isinstance(runtime, str) and not runtime.startswith("python")):
            return _Handler(None, text, None)
        module, _, function = text.rpartition(".")
        if not module or not function:
            return _Handler(None, text, None)
        head, _, tail = module.rpartition("/")
        stem = posixpath.normpath(posixpath.join(base, head, tail.replace(".", "/")))
        for candidate in (f"{stem}.py", f"{stem}/__init__.py"):
            info = self.modules.get(candidate)
            if info is None:
                continue
            service = self.services.get(candidate)
            if function in info.functions:
                return _Handler(f"{info.name}.{function}", None, service)
            return _Handler(None, text, service)
        return _Handler(None, text, None)

    def _route(self, value: Any, *, dead_letter: str | None) -> _Route:
        name, expr = self._name(value)
        # a name that Serverless variables gave: which variables, resolved in this file
        provenance = f"config: {self.source.path} {value}" if name is not None and isinstance(value, str) and "${" in value else None
        return _Route(name, expr, dead_letter=dead_letter, provenance=provenance)

    def _names_routes(self, values: Any, dead_letter: str | None, group: str | None) -> list[_Route]:
        """One route per Kafka topic or MQ queue name."""
        if not isinstance(values, list):
            values = [values]
        routes = []
        for value in values:
            if value is None:
                continue
            name = self._literal(value)
            routes.append(_Route(name, None if name else _render(value), dead_letter=dead_letter, group=group))
        return routes

    def _pattern_routes(self, pattern: Any, dead_letter: str | None) -> list[_Route]:
        """One route per (source, detail-type) of an EventBridge pattern: source is the channel, detail-type the event."""
        pattern = _json_value(pattern)
        if pattern is None:
            return [_Route(None, dead_letter=dead_letter)]
        if not isinstance(pattern, dict) or _intrinsic_key(pattern):
            return [_Route(None, _render(pattern), dead_letter=dead_letter)]
        sources = self._alternatives(pattern.get("source"))
        kinds = self._alternatives(pattern.get("detail-type"))
        return [
            _Route(channel, channel_expr, event, event_expr, dead_letter=dead_letter)
            for (channel, channel_expr), (event, event_expr) in itertools.product(sources, kinds)
        ]

    def _alternatives(self, values: Any) -> list[tuple[str | None, str | None]]:
        """Each value a pattern field matches; content filters (prefix, anything-but) stay as text."""
        if values is None:
            return [(None, None)]
        if not isinstance(values, list):
            values = [values]
        found: list[tuple[str | None, str | None]] = []
        for value in values:
            literal = self._literal(value)
            found.append((literal, None) if literal is not None else (None, _render(value)))
        return found or [(None, None)]

    def _name(self, value: Any) -> tuple[str | None, str | None]:
        """The queue/topic/stream name an ARN, a name or a reference stands for, else (None, its text)."""
        if value is None:
            return None, None
        if isinstance(value, str):
            resolved = self._variables(value)
            name = _name_from_text(resolved)
            return (name, None) if name is not None else (None, value)
        key = _intrinsic_key(value)
        name = self._resource_name(_referenced_id(value))
        if name is None and key == "Fn::Sub":
            name = self._from_sub(value[key])
        elif name is None and key == "Fn::Join":
            name = self._from_join(value[key])
        return (name, None) if name is not None else (None, _render(value))

    def _from_sub(self, argument: Any) -> str | None:
        template, variables = (argument[0], _mapping(argument[1])) if _pair(argument) else (argument, {})
        if not isinstance(template, str):
            return None

        def substitute(match: re.Match[str]) -> str:
            value = variables.get(match.group(1))
            return value if isinstance(value, str) else match.group(0)

        return _name_from_text(re.sub(r"\$\{([^}]*)\}", substitute, template))

    def _from_join(self, argument: Any) -> str | None:
        if not _pair(argument) or not isinstance(argument[0], str) or not isinstance(argument[1], list):
            return None
        parts = [self._variables(part) if isinstance(part, str) else "${?}" for part in argument[1]]
        return _name_from_text(argument[0].join(parts))

    def _resource_name(self, logical_id: Any) -> str | None:
        """The literal name of a resource of this template, else its logical id; None when there is no such resource."""
        if not isinstance(logical_id, str) or logical_id not in self.resources:
            return None
        resource = self.resources[logical_id]
        if not isinstance(resource, dict):
            return logical_id
        prop = NAME_PROPERTY.get(resource.get("Type"))
        name = self._literal(_mapping(resource.get("Properties")).get(prop)) if prop else None
        return name or logical_id

    def _queue_dead_letter(self, queue: Any) -> str | None:
        """The dead-letter queue of a queue of this template, from its RedrivePolicy."""
        logical_id = _referenced_id(queue)
        resource = _mapping(self.resources.get(logical_id)) if isinstance(logical_id, str) else {}
        redrive = _mapping(_json_value(_mapping(resource.get("Properties")).get("RedrivePolicy")))
        return self._first_dead_letter(redrive.get("deadLetterTargetArn"))

    def _first_dead_letter(self, *values: Any) -> str | None:
        for value in values:
            text = self._dead_letter_text(value)
            if text:
                return text
        return None

    def _dead_letter_text(self, value: Any) -> str | None:
        if value is None:
            return None
        name, expr = self._name(value)
        return name or expr

    def _literal(self, value: Any) -> str | None:
        """A plain string once Serverless `${self:...}` references are resolved; None for anything else."""
        if isinstance(value, bool) or value is None:
            return None
        if isinstance(value, (int, float)):
            return str(value)
        if not isinstance(value, str):
            return None
        text = self._variables(value)
        return None if "${" in text else text

    def _variables(self, text: str) -> str:
        """Resolve the Serverless `${self:path}` references that lead to literals; leave the rest as written."""
        if self.framework != SERVERLESS or "${" not in text:
            return text
        for _ in range(MAX_VARIABLE_PASSES):
            resolved = SERVERLESS_VARIABLE.sub(self._variable, text)
            if resolved == text or len(resolved) > 10 * MAX_TEXT:
                break
            text = resolved
        return text

    def _variable(self, match: re.Match[str]) -> str:
        value = self._reference(match.group(1))
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            return match.group(0)
        return str(value)

    def _reference(self, text: str) -> Any:
        """What a Serverless variable `${ref, fallback}` stands for at deploy time when that is known statically:
        `self:` paths of this file; `sls:stage` (the stage option, else `provider.stage`, else "dev"); the
        written default of an `opt:`/`env:`/`self:` reference that is not set here (`${opt:stage, 'dev'}`: a
        deploy without `--stage` uses "dev"). Anything else (ssm:, s3:, file(...), an option or variable
        with no default) is known only at deploy time: None."""
        reference, _, fallback = text.partition(",")
        reference, fallback = reference.strip(), fallback.strip()
        value: Any = None
        if reference.startswith("self:"):
            value = self.document
            for part in reference[len("self:") :].split("."):
                if not isinstance(value, dict) or part not in value:
                    value = None
                    break
                value = value[part]
            if reference == "self:service" and isinstance(value, dict):
                value = value.get("name")
        elif reference == "sls:stage":
            stage = _mapping(self.document.get("provider")).get("stage")
            value = self._variables(stage) if isinstance(stage, str) else "dev" if stage is None else None
            if isinstance(value, str) and "${" in value:
                value = None
        elif not reference.startswith(("opt:", "env:")):
            return None
        if value is not None or not fallback:
            return value
        quoted = re.fullmatch(r"""(['"])(.*)\1""", fallback)
        if quoted is not None:
            return quoted.group(2)
        if re.fullmatch(r"-?\d+(\.\d+)?", fallback):
            return fallback
        return self._reference(fallback)  # `${opt:stage, self:provider.stage}`: another reference

    def _whole_variable(self, value: Any) -> Any:
        """A string that is one Serverless variable standing for a mapping or list (`${self:custom.arn.${self:provider.stage}}`
        naming an `Fn::Join`): that object; otherwise the value as it is."""
        if self.framework != SERVERLESS or not isinstance(value, str) or not value.startswith("${"):
            return value
        for _ in range(MAX_VARIABLE_PASSES):
            inner = SERVERLESS_VARIABLE.fullmatch(value)
            if inner is not None:
                found = self._reference(inner.group(1))
                return found if isinstance(found, (dict, list)) else value
            resolved = SERVERLESS_VARIABLE.sub(self._variable, value)
            if resolved == value:
                return value
            value = resolved
        return value


# -- helpers ---------------------------------------------------------------------


def _resources(document: dict, framework: str) -> dict:
    if framework in (SAM, CLOUDFORMATION):
        return _mapping(document.get("Resources"))
    declared = document.get("resources")
    merged: dict = {}
    for part in declared if isinstance(declared, list) else [declared]:
        merged.update(_mapping(_mapping(part).get("Resources")))
    return merged


def _inside(path: str, directory: str) -> bool:
    return directory in ("", ".") or path == directory or path.startswith(directory.rstrip("/") + "/")


def _mapping(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _path(value: Any, *keys: str) -> Any:
    for key in keys:
        value = _mapping(value).get(key)
    return value


def _pair(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 2


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _json_value(value: Any) -> Any:
    """A JSON-typed CloudFormation property may be written as a JSON string."""
    if isinstance(value, str) and value.lstrip().startswith("{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _key_at(mapping: dict, key: Any, default: tuple[int, int]) -> tuple[int, int]:
    return getattr(mapping, "key_at", {}).get(key, default)


def _intrinsic_key(value: Any) -> str | None:
    if isinstance(value, dict) and len(value) == 1:
        [key] = value
        if key == "Ref" or key == "Condition" or (isinstance(key, str) and key.startswith("Fn::")):
            return key
    return None


def _referenced_id(value: Any) -> str | None:
    """The logical id a Ref, a GetAtt or a Sub of just `${Id}` / `${Id.Attr}` points at."""
    key = _intrinsic_key(value)
    argument = value[key] if key else None
    if key == "Ref":
        return argument if isinstance(argument, str) else None
    if key == "Fn::GetAtt":
        if isinstance(argument, list) and argument and isinstance(argument[0], str):
            return argument[0]
        return argument.split(".", 1)[0] if isinstance(argument, str) else None
    if key == "Fn::Sub" and isinstance(argument, str):
        whole = WHOLE_REFERENCE.fullmatch(argument)
        return whole.group(1) if whole else None
    return None


def _name_from_text(text: str) -> str | None:
    """A resource name from an ARN (its last meaningful segment) or a plain name; None while a variable remains in it."""
    if text.startswith("arn:"):
        parts = text.split(":", 5)
        if len(parts) < 6:
            return None
        resource = parts[5]
        if "/" in resource:
            # stream/NAME, table/NAME/stream/LABEL, event-bus/NAME, cluster/NAME/UUID
            segments = resource.split("/")
            resource = segments[1]
        name = resource
    else:
        name = text
    if not name or "${" in name:
        return None
    return name


def _render(value: Any) -> str:
    """Short, CloudFormation-style text for a value that did not resolve (bounded, so aliases cannot blow it up)."""
    budget = [MAX_RENDERED_NODES]

    def render(item: Any) -> str:
        budget[0] -= 1
        if budget[0] < 0:
            return "…"
        key = _intrinsic_key(item)
        if key == "Ref":
            return f"!Ref {render(item[key])}"
        if key == "Fn::GetAtt" and isinstance(item[key], list) and all(isinstance(p, str) for p in item[key]):
            return "!GetAtt " + ".".join(item[key])
        if key is not None:
            return f"!{key.removeprefix('Fn::')} {render(item[key])}"
        if isinstance(item, dict):
            return "{" + ", ".join(f"{k}: {render(v)}" for k, v in itertools.islice(item.items(), 10)) + "}"
        if isinstance(item, list):
            return "[" + ", ".join(render(v) for v in itertools.islice(item, 10)) + "]"
        if item is None:
            return "null"
        if isinstance(item, bool):
            return "true" if item else "false"
        return str(item)

    text = render(value)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"
