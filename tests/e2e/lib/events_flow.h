/*
 * Both directions of the service's events at once, for tests that change
 * the broker under it (a list of nodes, a cluster): a new customer's event
 * confirmed by the broker (its outbox row marked sent), and an order event
 * published through the test's RABBITMQ_URL applied to the database.
 */
#ifndef E2E_EVENTS_FLOW_H
#define E2E_EVENTS_FLOW_H

/*
 * Creates a customer, waits for its event to be sent, publishes a
 * v1.order.created of that customer (order id `tag`-...) and waits for
 * the order row; 20 s at most each, else fails the test.
 */
void events_flow_expect(const char *tag);
/*
 * Publishes a v1.order.created of 7.00 RON, event ev, order order, of the
 * customer (bid, uid), as the orders team does.
 */
void events_flow_order(const char *ev, const char *order, const char *bid,
    const char *uid);

#endif
