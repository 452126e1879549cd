/*
 * The event a request writes into the outbox, checked as every handler's
 * event is shaped: one row per customer and routing key, the customer's
 * business on the row, and a payload that carries the row's trace id.
 */
#ifndef E2E_OUTBOX_H
#define E2E_OUTBOX_H

#include <jansson.h>

/*
 * The one row of customer cid with routing key key: business_id bid, a
 * payload of four keys whose id is cid, whose version is 2 or more and
 * whose trace_id is the row's (and trace, when not NULL). Returns the
 * payload's text and sets *payload to it parsed; the caller frees both.
 */
char *outbox_event(const char *cid, const char *key, const char *bid,
    const char *trace, json_t **payload);

#endif
