"""What the drill checks once the load has stopped: the outbox against the
capture queue, the order of each customer's events, the publisher's
longest gap, and the history events applied exactly once. Each function
returns its figures and a list of problems (empty: passed)."""
import psycopg2


class Db:
    """A connection that comes back after PostgreSQL was restarted;
    query() answers None while it cannot."""

    def __init__(self, url):
        self.url, self.conn = url, None

    def query(self, sql, params=None):
        try:
            if self.conn is None or self.conn.closed:
                self.conn = psycopg2.connect(self.url, connect_timeout=2)
                self.conn.autocommit = True
            with self.conn.cursor() as cur:
                cur.execute(sql, params)
                return cur.fetchall() if cur.description else []
        except psycopg2.Error:
            if self.conn is not None:
                self.conn.close()
            self.conn = None
            return None

    def must(self, sql, params=None):
        rows = self.query(sql, params)
        if rows is None:
            raise RuntimeError("the database did not answer: " + sql)
        return rows


def outbox(db):
    """(id, event_id, customer_id, created_at, sent_at) of every row."""
    return db.must("SELECT id, event_id::text, customer_id::text,"
                   " extract(epoch FROM created_at)::float8,"
                   " extract(epoch FROM sent_at)::float8"
                   " FROM outbox ORDER BY id")


def events_vs_outbox(rows, got):
    """Every row's event captured; duplicates counted; per customer, the
    first arrival of each event in outbox id order."""
    problems = []
    by_event = {r[1]: r for r in rows}
    seen, dups, foreign, redelivered = {}, 0, 0, 0
    order = []
    for mid, _key, _t, redel in got:
        if mid not in by_event:
            foreign += 1
            continue
        if mid in seen:
            if redel:
                redelivered += 1
            else:
                dups += 1
            continue
        seen[mid] = True
        order.append(by_event[mid])
    missing = [r for r in rows if r[1] not in seen]
    unsent = [r for r in rows if r[4] is None]
    if missing:
        problems.append("%d outbox event(s) never reached the exchange, e.g."
                        " outbox id %s event %s" % (len(missing),
                                                    missing[0][0],
                                                    missing[0][1]))
    if unsent:
        problems.append("%d outbox row(s) still unsent, e.g. id %s" %
                        (len(unsent), unsent[0][0]))
    if foreign:
        problems.append("%d captured message(s) whose id is in no outbox row"
                        % foreign)
    last, disorder = {}, []
    for r in order:
        cust = r[2]
        if cust in last and last[cust] > r[0]:
            disorder.append((cust, last[cust], r[0]))
        last[cust] = max(last.get(cust, 0), r[0])
    if disorder:
        c, a, b = disorder[0]
        problems.append("%d event(s) out of order per customer, e.g. customer"
                        " %s: outbox id %d arrived after %d" %
                        (len(disorder), c, b, a))
    figures = {"outbox rows": len(rows), "captured": len(got),
               "distinct captured": len(seen), "duplicates": dups,
               "redelivered to the capture queue": redelivered,
               "customers": len(last)}
    return figures, problems


def publisher_gap(rows):
    """The longest time the publisher confirmed nothing while a row was
    waiting: between two consecutive confirm times s_i < s_j, the part
    after the earliest creation among the rows confirmed at s_j or later.
    Also the longest wait of one row from commit to confirm. Times are
    PostgreSQL's (sent_at is set with the batch's confirm). Returns
    (gap seconds, where it ended, longest wait, its row id)."""
    sent = sorted((r[4], r[3], r[0]) for r in rows if r[4] is not None)
    if not sent:
        return 0.0, None, 0.0, None
    suffix_min = [0.0] * len(sent)
    m = float("inf")
    for i in range(len(sent) - 1, -1, -1):
        m = min(m, sent[i][1])
        suffix_min[i] = m
    gap, at = 0.0, None
    for i in range(1, len(sent)):
        start = max(sent[i - 1][0], suffix_min[i])
        if sent[i][0] - start > gap:
            gap, at = sent[i][0] - start, sent[i][0]
    first = sent[0][0] - sent[0][1]
    if first > gap:
        gap, at = first, sent[0][0]
    wait, row = max((s - c, rid) for s, c, rid in sent)
    return gap, at, wait, row


def history_applied(db, hist):
    """Every event processed once: its row holds the original's event id
    and status (a replay applied would say cancelled) and the customer's
    counts match what was published."""
    problems = []
    events = hist.events
    ids = [e["body"]["event_id"] for e in events]
    done = {r[0] for r in db.must(
        "SELECT event_id::text FROM processed_events"
        " WHERE event_id = ANY(%s::uuid[])", (ids,))}
    missing = [i for i in ids if i not in done]
    if missing:
        problems.append("%d history event(s) never processed, e.g. %s" %
                        (len(missing), missing[0]))
    rows = {}
    for table, key in (("customer_orders", "order_id"),
                       ("customer_appointments", "appointment_id")):
        for k, ev, status in db.must(
                "SELECT %s, event_id::text, status FROM %s"
                " WHERE business_id = %%s" % (key, table), (hist.business,)):
            rows[k] = (ev, status)
    wrong = []
    for e in events:
        b = e["body"]
        k = b.get("order_id") or b.get("appointment_id")
        if rows.get(k) != (b["event_id"], b["status"]):
            wrong.append((k, rows.get(k)))
    if wrong:
        problems.append("%d history row(s) not as their one event left them"
                        " (a replay applied, or none), e.g. %s: %s" %
                        (len(wrong), wrong[0][0], wrong[0][1]))
    orders = sum(1 for e in events if e["kind"] == "order")
    appts = len(events) - orders
    got = db.must("SELECT total_orders, total_appointments FROM customers"
                  " WHERE id = %s", (hist.customer,))
    if not got or tuple(got[0]) != (orders, appts):
        problems.append("the history customer's statistics are %s, expected"
                        " (%d, %d)" % (got[0] if got else None, orders,
                                       appts))
    figures = {"history events": len(events), "orders": orders,
               "appointments": appts,
               "replays": sum(1 for e in events if e["replayed"]),
               "resent after a lost confirm": hist.resends,
               "processed": len(done)}
    return figures, problems
