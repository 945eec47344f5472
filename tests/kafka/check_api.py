"""Checks generated kafka-python programs against the REAL kafka-python package installed here.

Usage:
  check_api.py FILE...     check each program; print one line per problem, exit 1 if any
  check_api.py --defaults  print the installed package's defaults (JSON) for the settings the
                           playground models, for tests/kafka_code.rs to compare with its own

What a program is checked for (by reading it with `ast`, without running it: running it
would connect to a broker):
- every `KafkaProducer(...)` / `KafkaConsumer(...)` keyword is a key of the class's
  DEFAULT_CONFIG, and its value is of a kind the package accepts (a table below, else the
  kind of the default);
- every method called on a producer, a consumer, a future (`producer.send(...)`) exists on the
  real class and accepts the arguments given (`inspect.signature(...).bind`);
- every attribute read on a record's metadata (`future.get()`) or on a consumed message is a
  field of the real namedtuple (RecordMetadata, ConsumerRecord);
- `from kafka import X` names something the package exports.

Set up (once): python3 -m venv target/kafka-venv && target/kafka-venv/bin/pip install -r tests/kafka/requirements.txt
"""

import ast
import inspect
import json
import math
import sys

import kafka
from kafka import KafkaConsumer, KafkaProducer
from kafka.consumer.fetcher import ConsumerRecord
from kafka.producer.future import FutureRecordMetadata, RecordMetadata

# The settings the playground models, by class: the keys tests/kafka_code.rs compares.
MODELLED = {
    'producer': ['acks', 'enable_idempotence', 'retries', 'retry_backoff_ms', 'request_timeout_ms', 'delivery_timeout_ms',
                 'max_in_flight_requests_per_connection', 'linger_ms', 'transactional_id'],
    'consumer': ['auto_offset_reset', 'enable_auto_commit', 'auto_commit_interval_ms', 'session_timeout_ms', 'heartbeat_interval_ms',
                 'max_poll_interval_ms', 'max_poll_records', 'isolation_level', 'group_id'],
}

CALLABLE = 'callable'
# What a keyword accepts, where the default's kind does not say it (kafka-python's docstrings).
ACCEPTS = {
    'bootstrap_servers': (str, list),
    'value_serializer': CALLABLE,
    'value_deserializer': CALLABLE,
    'acks': {0, 1, -1, 'all'},
    'retries': (int,),
    'transactional_id': (str,),
    'group_id': (str,),
    'auto_offset_reset': {'earliest', 'latest', 'none'},
    'isolation_level': {'read_committed', 'read_uncommitted'},
}


def defaults():
    """The installed package's defaults for the modelled settings; inf as the string "inf"."""
    def plain(value):
        if isinstance(value, float) and math.isinf(value):
            return 'inf'
        return value
    out = {'version': kafka.__version__}
    for role, cls in (('producer', KafkaProducer), ('consumer', KafkaConsumer)):
        out[role] = {key: plain(cls.DEFAULT_CONFIG[key]) for key in MODELLED[role]}
    return out


def value_of(node):
    """A keyword's value as Python would see it: a literal, CALLABLE for a lambda, else None."""
    if isinstance(node, ast.Lambda):
        return CALLABLE
    try:
        return ast.literal_eval(node)
    except ValueError:
        return None


def accepted(key, value, default):
    rule = ACCEPTS.get(key)
    if rule is None:
        if isinstance(default, bool):
            rule = (bool,)
        elif isinstance(default, (int, float)):
            rule = (int, float)
        elif isinstance(default, str):
            rule = (str,)
        else:
            return False, 'no rule for a setting whose default is %r' % (default,)
    if rule == CALLABLE:
        return value == CALLABLE, 'must be a function'
    if isinstance(rule, set):
        return value in rule and not isinstance(value, bool), 'must be one of %s' % sorted(map(repr, rule))
    if bool not in rule and isinstance(value, bool):
        return False, 'must be %s, not a bool' % '/'.join(t.__name__ for t in rule)
    return isinstance(value, rule), 'must be %s' % '/'.join(t.__name__ for t in rule)


class Checker(ast.NodeVisitor):
    """Walks one program, knowing the class of each variable from how it was assigned."""

    def __init__(self, path):
        self.path = path
        self.problems = []
        self.kinds = {}  # variable name -> class (or namedtuple) it holds

    def problem(self, node, text):
        self.problems.append('%s:%d: %s' % (self.path, getattr(node, 'lineno', 0), text))

    def kind_of_call(self, call):
        """The class a call's result is an instance of, when the program cares."""
        func = call.func
        if isinstance(func, ast.Name) and func.id in ('KafkaProducer', 'KafkaConsumer'):
            return {'KafkaProducer': KafkaProducer, 'KafkaConsumer': KafkaConsumer}[func.id]
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            owner = self.kinds.get(func.value.id)
            if owner is KafkaProducer and func.attr == 'send':
                return FutureRecordMetadata
            if owner is FutureRecordMetadata and func.attr == 'get':
                return RecordMetadata
        return None

    def visit_ImportFrom(self, node):
        if node.module == 'kafka':
            for alias in node.names:
                if not hasattr(kafka, alias.name):
                    self.problem(node, 'kafka exports no %s' % alias.name)
        self.generic_visit(node)

    def visit_Assign(self, node):
        self.generic_visit(node)
        if isinstance(node.value, ast.Call) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            kind = self.kind_of_call(node.value)
            if kind is not None:
                self.kinds[node.targets[0].id] = kind

    def visit_For(self, node):
        if isinstance(node.iter, ast.Name) and self.kinds.get(node.iter.id) is KafkaConsumer:
            if not hasattr(KafkaConsumer, '__iter__'):
                self.problem(node, 'KafkaConsumer is not iterable')
            if isinstance(node.target, ast.Name):
                self.kinds[node.target.id] = ConsumerRecord
        self.generic_visit(node)

    def visit_Call(self, node):
        func = node.func
        if isinstance(func, ast.Name) and func.id in ('KafkaProducer', 'KafkaConsumer'):
            self.check_constructor(node, KafkaProducer if func.id == 'KafkaProducer' else KafkaConsumer)
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            owner = self.kinds.get(func.value.id)
            if owner in (KafkaProducer, KafkaConsumer, FutureRecordMetadata):
                self.check_method(node, owner, func.attr)
        self.generic_visit(node)

    def visit_Attribute(self, node):
        if isinstance(node.value, ast.Name) and not isinstance(getattr(node, 'ctx', None), ast.Store):
            owner = self.kinds.get(node.value.id)
            if owner in (RecordMetadata, ConsumerRecord) and node.attr not in owner._fields:
                self.problem(node, '%s has no field %s (fields: %s)' % (owner.__name__, node.attr, ', '.join(owner._fields)))
        self.generic_visit(node)

    def check_constructor(self, node, cls):
        if cls is KafkaConsumer:
            for arg in node.args:
                if not isinstance(value_of(arg), str):
                    self.problem(node, 'KafkaConsumer topics must be strings')
        elif node.args:
            self.problem(node, 'KafkaProducer takes keywords only')
        for keyword in node.keywords:
            key = keyword.arg
            if key not in cls.DEFAULT_CONFIG:
                self.problem(keyword, '%s has no setting %s' % (cls.__name__, key))
                continue
            value = value_of(keyword.value)
            ok, why = accepted(key, value, cls.DEFAULT_CONFIG[key])
            if not ok:
                self.problem(keyword, '%s(%s=%s): %s' % (cls.__name__, key, ast.unparse(keyword.value), why))

    def check_method(self, node, cls, name):
        method = getattr(cls, name, None)
        if method is None or not callable(method):
            self.problem(node, '%s has no method %s' % (cls.__name__, name))
            return
        # Placeholders: only the shape of the call (how many arguments, which keywords) matters.
        args = [None] * len(node.args)
        kwargs = {k.arg: None for k in node.keywords if k.arg is not None}
        try:
            inspect.signature(method).bind(None, *args, **kwargs)
        except TypeError as error:
            self.problem(node, '%s.%s does not take the arguments of %s: %s' % (cls.__name__, name, ast.unparse(node), error))


def check(path):
    with open(path, encoding='utf-8') as f:
        source = f.read()
    try:
        tree = ast.parse(source, path)
    except SyntaxError as error:
        return ['%s:%s: not Python: %s' % (path, error.lineno, error.msg)]
    checker = Checker(path)
    checker.visit(tree)
    if not any(kind in (KafkaProducer, KafkaConsumer) for kind in checker.kinds.values()):
        checker.problem(tree, 'neither a KafkaProducer nor a KafkaConsumer is made')
    return checker.problems


def main(argv):
    if argv == ['--defaults']:
        print(json.dumps(defaults(), sort_keys=True))
        return 0
    problems = []
    for path in argv:
        problems.extend(check(path))
    for line in problems:
        print(line)
    print('checked %d program(s) against kafka-python %s: %d problem(s)' % (len(argv), kafka.__version__, len(problems)), file=sys.stderr)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
