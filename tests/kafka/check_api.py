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
- `from kafka import X` names something the package exports;
- each constructor call, evaluated as written (with `api_version=(3, 0)` added, so that the
  client does not wait for a broker to learn its version), builds a real object: the
  package's own checks of its settings pass, and it warns of nothing deprecated (warnings are
  errors here; e.g. a plain function as `value_serializer` is deprecated since 3.0.0).

  check_api.py --conflicts prints what the real KafkaProducer does with the settings idempotence
  forbids (acks=1, retries=0, 6 in flight, transactional_id without idempotence), left at
  their default or passed explicitly, for tests/kafka_code.rs to compare with validate().

  check_api.py --errors    prints (JSON) the last line of the traceback of each exception that
                           ends a tutorial program, built as kafka-python 3.0.12's own code
                           builds it (sender.py, future.py, connection.py, transport.py,
                           subscription_state.py), for tests/kafka_code.rs to compare with
                           ClientError::text

Set up (once): python3 -m venv target/kafka-venv && target/kafka-venv/bin/pip install -r tests/kafka/requirements.txt
"""

import ast
import inspect
import json
import logging
import math
import sys
import warnings

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

CALLABLE = 'callable'  # a lambda: value_of's mark for it
# The bootstrap address of the clients built here: nothing listens on port 1.
NOWHERE = '127.0.0.1:1'
# What a keyword accepts, where the default's kind does not say it (kafka-python's docstrings).
ACCEPTS = {
    'bootstrap_servers': (str, list),
    'value_serializer': kafka.Serializer,
    'value_deserializer': kafka.Deserializer,
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
    """A keyword's value as Python would see it: a literal, CALLABLE for a lambda, an instance
    for a call of a class kafka exports with no arguments (`JsonSerializer()`), else None."""
    if isinstance(node, ast.Lambda):
        return CALLABLE
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.args and not node.keywords:
        cls = getattr(kafka, node.func.id, None)
        return cls() if isinstance(cls, type) else None
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
    if rule in (kafka.Serializer, kafka.Deserializer):
        if value == CALLABLE:
            return False, 'a plain function is deprecated in kafka-python 3: give a %s (JsonSerializer())' % rule.__name__
        return isinstance(value, rule), 'must be a kafka.%s' % rule.__name__
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
    if not checker.problems:
        checker.problems.extend(construct(path, tree))
    return checker.problems


def construct(path, tree):
    """Evaluate each KafkaProducer(...)/KafkaConsumer(...) call of the program as written, plus
    api_version=(3, 0), after running its imports; close what it builds. Problems as text."""
    namespace = {}
    problems = []
    imports = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    exec(compile(ast.Module(body=imports, type_ignores=[]), path, 'exec'), namespace)
    calls = [node for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ('KafkaProducer', 'KafkaConsumer')]
    for call in calls:
        keywords = [unreachable(k) if k.arg == 'bootstrap_servers' else k for k in call.keywords]
        call = ast.Call(func=call.func, args=call.args,
                        keywords=keywords + [ast.keyword(arg='api_version', value=ast.Constant(value=(3, 0)))])
        expression = ast.fix_missing_locations(ast.Expression(body=ast.copy_location(call, call.func)))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter('error')
                warnings.filterwarnings('ignore', category=ResourceWarning)  # the library's sockets, at GC
                client = eval(compile(expression, path, 'eval'), namespace)
        except Exception as error:  # the package refused the settings, or warned
            problems.append('%s:%d: the real %s(...) raised %s: %s' % (path, call.lineno, call.func.id, type(error).__name__, error))
            continue
        if isinstance(client, KafkaProducer):
            client.close(timeout=0)
        else:
            client.close(autocommit=False)
    return problems


def unreachable(keyword):
    """`bootstrap_servers=` of the same shape (a string or a list) naming a port nothing listens
    on, so that the client built never talks to a broker that happens to run here."""
    value = value_of(keyword.value)
    address = ast.Constant(value=NOWHERE)
    if isinstance(value, list):
        address = ast.List(elts=[ast.Constant(value=NOWHERE) for _ in value], ctx=ast.Load())
    return ast.keyword(arg='bootstrap_servers', value=address)


def conflicts():
    """What the real KafkaProducer does with each setting idempotence forbids: left with
    idempotence at its default ('disabled', with a warning) or with enable_idempotence=True
    passed ('raises: ...')."""
    out = {}
    cases = {
        'acks=1': dict(acks=1),
        'acks=0': dict(acks=0),
        'retries=0': dict(retries=0),
        'max_in_flight_requests_per_connection=6': dict(max_in_flight_requests_per_connection=6),
    }
    for name, settings in cases.items():
        for explicit in (False, True):
            configs = dict(settings, bootstrap_servers=NOWHERE, api_version=(3, 0))
            if explicit:
                configs['enable_idempotence'] = True
            key = '%s%s' % (name, ', enable_idempotence=True' if explicit else '')
            try:
                producer = KafkaProducer(**configs)
                out[key] = 'idempotence %s' % ('on' if producer.config['enable_idempotence'] else 'off')
                producer.close(timeout=0)
            except Exception as error:
                out[key] = 'raises %s: %s' % (type(error).__name__, error)
    try:
        KafkaProducer(bootstrap_servers=NOWHERE, api_version=(3, 0), transactional_id='tx', enable_idempotence=False).close(timeout=0)
        out['transactional_id, enable_idempotence=False'] = 'accepted'
    except Exception as error:
        out['transactional_id, enable_idempotence=False'] = 'raises %s: %s' % (type(error).__name__, error)
    return out


def exception_lines():
    """The traceback's last line (`module.Class: str(error)`) of each exception the playground
    prints, keyed as tests/kafka_code.rs keys them."""
    import kafka.errors as Errors
    from kafka.structs import TopicPartition
    tp = TopicPartition('test_topic', 0)
    made = {}
    # sender.py `_complete_batch`: error_cls(partition_response.error_message); the broker sends
    # a null error_message for these codes (Kafka's LogAppendResult.errorMessage).
    for code in (3, 8, 6, 5, 19, 20, 45, 47, 1, 38, 42, 7):
        made['broker %d' % code] = Errors.for_code(code)(None)
    made['disconnected'] = Errors.KafkaConnectionError('socket disconnected')  # transport.py
    made['request timed out'] = Errors.RequestTimedOutError('Request timed out after %d ms' % 30000)  # connection.py
    made['get timed out'] = Errors.KafkaTimeoutError('Timeout after waiting for %s secs.' % (10,))  # future.py
    made['delivery timed out'] = Errors.KafkaTimeoutError(
        'Expiring %d record(s) for %s: %s ms has passed since batch creation' % (1, tp, 120000))  # sender.py
    made['no offset'] = Errors.NoOffsetForPartitionError({tp})  # subscription_state.py
    made['commit failed'] = Errors.CommitFailedError()
    return {key: '%s.%s: %s' % (type(e).__module__, type(e).__qualname__, e) for key, e in made.items()}


def main(argv):
    # The clients log their (hopeless: there is no broker) bootstrap attempts: not ours to see.
    logging.getLogger('kafka').setLevel(logging.CRITICAL + 1)
    # Nor the sockets its background threads leave to the garbage collector after close().
    warnings.filterwarnings('ignore', category=ResourceWarning)
    if argv == ['--defaults']:
        print(json.dumps(defaults(), sort_keys=True))
        return 0
    if argv == ['--errors']:
        print(json.dumps(exception_lines(), sort_keys=True))
        return 0
    if argv == ['--conflicts']:
        print(json.dumps(conflicts(), sort_keys=True))
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
