"""The drill's two RabbitMQ clients, each a thread with its own pika
connection that moves to the next node of RABBITMQ_URL when its node
fails (as the service does), so a stopped node costs them a reconnect.

Capture: a quorum queue of the cluster bound to the events exchange with
`#`, declared before any write, consumed with manual acks. Every delivery
is recorded (message id, routing key, arrival time, redelivered flag);
the checks compare it with the outbox.

History: publishes order and appointment events (docs/events.md, consumed
events) with publisher confirms and unique event ids for one customer. A
publish whose confirm is lost is sent again (a duplicate the consumer must
drop). Once an event is in processed_events, its replay goes out: the same
event_id with another status and a later updated_at. Applied, a replay
would change the row and the customer's statistics; applied exactly once,
nothing changes, so the check can tell.
"""
import json
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone

import pika
import pika.exceptions

EXCHANGE_ORDERS = "bee.orders.events"
EXCHANGE_SCHEDULING = "bee.scheduling.events"
AMQP_ERRORS = (pika.exceptions.AMQPError, OSError)


def node_params(urls):
    out = []
    for u in urls.split(","):
        p = pika.URLParameters(u)
        p.connection_attempts = 1
        p.socket_timeout = 3
        p.blocked_connection_timeout = 10
        p.heartbeat = 10
        out.append(p)
    return out


class Nodes:
    """Connects to the first node that answers, starting after the one
    that failed last (docs/operations.md, "A RabbitMQ cluster")."""

    def __init__(self, urls):
        self.params = node_params(urls)
        self.next = 0
        self.current = 0  # failed() before any connect: start at 1

    def connect(self):
        last = None
        for i in range(len(self.params)):
            k = (self.next + i) % len(self.params)
            try:
                c = pika.BlockingConnection(self.params[k])
                self.current = k
                return c
            except AMQP_ERRORS as e:
                last = e
        raise last

    def failed(self):
        self.next = (self.current + 1) % len(self.params)


def iso(t):
    return t.isoformat(timespec="microseconds")


class Capture(threading.Thread):
    def __init__(self, urls, exchange, queue):
        super().__init__(daemon=True)
        self.nodes = Nodes(urls)
        self.exchange, self.queue = exchange, queue
        self.got = []  # (message_id, routing_key, time, redelivered)
        self.reconnects = []  # (time, error)
        self.stopping = threading.Event()

    def declare(self):
        """Before any write: the queue exists, so nothing can miss it."""
        c = self.nodes.connect()
        ch = c.channel()
        ch.exchange_declare(self.exchange, "topic", durable=True)
        ch.queue_declare(self.queue, durable=True,
                         arguments={"x-queue-type": "quorum"})
        ch.queue_bind(self.queue, self.exchange, "#")
        c.close()

    def run(self):
        while not self.stopping.is_set():
            c = None
            try:
                c = self.nodes.connect()
                ch = c.channel()
                ch.basic_qos(prefetch_count=500)
                for m, props, _ in ch.consume(self.queue,
                                              inactivity_timeout=0.3):
                    if self.stopping.is_set():
                        break
                    if m is None:
                        continue
                    self.got.append((props.message_id, m.routing_key,
                                     time.time(), m.redelivered))
                    ch.basic_ack(m.delivery_tag)
                c.close()
            except AMQP_ERRORS as e:
                self.reconnects.append((time.time(), repr(e)))
                self.nodes.failed()
                if c is not None and c.is_open:
                    try:
                        c.close()
                    except AMQP_ERRORS:
                        pass
                self.stopping.wait(0.3)

    def stop(self):
        self.stopping.set()
        self.join(10)


class History(threading.Thread):
    def __init__(self, urls, db, business, user, customer, rate):
        super().__init__(daemon=True)
        self.nodes = Nodes(urls)
        self.db = db  # a function: SQL, params -> rows (None on failure)
        self.business, self.user, self.customer = business, user, customer
        self.period = 1.0 / rate
        self.run_id = uuid.uuid4().hex[:8]
        self.events = []  # dicts: kind, id, body, published, replayed
        self.resends = 0  # publishes repeated after a lost confirm
        self.reconnects = []
        self.stopping = threading.Event()
        self.conn = self.ch = None

    def body(self, n):
        now = datetime.now(timezone.utc)
        kind = "order" if n % 2 == 0 else "appointment"
        b = {"event_id": str(uuid.uuid4()), "business_id": self.business,
             "user_id": self.user, "updated_at": iso(now)}
        if kind == "order":
            b.update(order_id="drill-%s-%d" % (self.run_id, n),
                     status="confirmed", total="10.50", currency="RON",
                     created_at=iso(now - timedelta(days=1)))
        else:
            b.update(appointment_id="drill-%s-%d" % (self.run_id, n),
                     status="scheduled",
                     starts_at=iso(now - timedelta(hours=2)))
        return kind, b

    def publish(self, kind, body):
        """Until confirmed (or stopping): a lost confirm means send again."""
        exchange, key = ((EXCHANGE_ORDERS, "v1.order.created")
                         if kind == "order" else
                         (EXCHANGE_SCHEDULING, "v1.appointment.created"))
        tries = 0
        while not self.stopping.is_set():
            try:
                if self.ch is None:
                    self.conn = self.nodes.connect()
                    self.ch = self.conn.channel()
                    self.ch.confirm_delivery()
                    self.ch.exchange_declare(exchange=EXCHANGE_ORDERS,
                                             exchange_type="topic",
                                             durable=True)
                    self.ch.exchange_declare(exchange=EXCHANGE_SCHEDULING,
                                             exchange_type="topic",
                                             durable=True)
                tries += 1
                self.ch.basic_publish(
                    exchange, key, json.dumps(body).encode(),
                    pika.BasicProperties(content_type="application/json",
                                         delivery_mode=2,
                                         message_id=body["event_id"]),
                    mandatory=True)
                if tries > 1:
                    self.resends += 1
                return True
            except AMQP_ERRORS as e:
                self.reconnects.append((time.time(), repr(e)))
                self.nodes.failed()
                self.drop()
                self.stopping.wait(0.3)
        return False

    def drop(self):
        try:
            if self.conn is not None and self.conn.is_open:
                self.conn.close()
        except AMQP_ERRORS:
            pass
        self.conn = self.ch = None

    def replay_processed(self):
        waiting = [e for e in self.events if not e["replayed"]]
        if not waiting:
            return
        rows = self.db("SELECT event_id::text FROM processed_events"
                       " WHERE event_id = ANY(%s::uuid[])",
                       ([e["body"]["event_id"] for e in waiting],))
        if rows is None:
            return
        done = {r[0] for r in rows}
        for e in waiting:
            if e["body"]["event_id"] not in done:
                continue
            replay = dict(e["body"], status="cancelled",
                          updated_at=iso(datetime.now(timezone.utc) +
                                         timedelta(hours=1)))
            if self.publish(e["kind"], replay):
                e["replayed"] = time.time()

    def run(self):
        n = 0
        next_at = time.monotonic()
        while not self.stopping.is_set():
            kind, body = self.body(n)
            n += 1
            if self.publish(kind, body):
                self.events.append({"kind": kind, "body": body,
                                    "published": time.time(),
                                    "replayed": None})
            self.replay_processed()
            next_at = max(next_at + self.period, time.monotonic())
            self.stopping.wait(max(0.0, next_at - time.monotonic()))
        self.drop()

    def finish(self, deadline):
        """Stop publishing new events; replay the rest as they are
        processed, until every event is replayed or the deadline."""
        self.stopping.set()
        self.join(30)
        self.stopping.clear()
        while time.time() < deadline:
            self.replay_processed()
            if all(e["replayed"] for e in self.events):
                break
            time.sleep(0.3)
        self.stopping.set()
        self.drop()
        return [e for e in self.events if not e["replayed"]]
