/*
 * The history events the consumer accepts (design.md section 6, "In"),
 * parsed and checked without a database: everything PostgreSQL would
 * refuse is refused here, so that a database error is always an
 * infrastructure error (requeued) and never a bad message (dead-lettered).
 * No Kore header: unit-tested in tests/unit/test_history_event.c.
 *
 * Routing keys: v1.order.{created,updated,cancelled} and
 * v1.appointment.{created,updated,cancelled}. Payload: a JSON object with
 *   event_id           UUID, required
 *   order_id           non-empty string or integer (orders), required
 *   appointment_id     the same (appointments), required
 *   business_id        UUID, required
 *   user_id            UUID  } at least one of the two (null = absent)
 *   customer_id        UUID  }
 *   status             non-empty string, required
 *   updated_at         ISO 8601 timestamp, required
 *   total              number or decimal string, |total| < 10^10, or
 *                      null/absent (orders)
 *   currency           string or null/absent (orders)
 *   created_at         timestamp or null/absent (orders)
 *   starts_at          timestamp or null/absent (appointments)
 * Timestamps: YYYY-MM-DD[T ]HH:MM[:SS[.fraction]] then Z, +HH:MM, +HHMM
 * or nothing (UTC). Unknown members are ignored.
 */
#ifndef BEE_HISTORY_EVENT_H
#define BEE_HISTORY_EVENT_H

#include <stddef.h>

#include "model/uuid.h"

#define HEV_ERRLEN 160
#define HEV_IDLEN 256 /* order_id / appointment_id, with the NUL */
#define HEV_TSLEN 64
#define HEV_TEXTLEN 256 /* status, currency */

enum hev_kind { HEV_ORDER, HEV_APPOINTMENT };

/* Absent optional values are empty strings ("" = SQL NULL). */
struct hev {
	enum hev_kind kind;
	char event_id[UUID_STRLEN];
	char id[HEV_IDLEN]; /* order_id or appointment_id */
	char business_id[UUID_STRLEN];
	char user_id[UUID_STRLEN];
	char customer_id[UUID_STRLEN];
	char status[HEV_TEXTLEN];
	char updated_at[HEV_TSLEN];
	char total[48];
	char currency[HEV_TEXTLEN];
	char created_at[HEV_TSLEN];
	char starts_at[HEV_TSLEN];
};

/*
 * Parses the body of a message with routing key `key`. 0 and *e filled,
 * or -1 with the reason in err (the message is malformed).
 */
int hev_parse(const char *key, const char *body, size_t len, struct hev *e,
    char *err, size_t errlen);
/* 1 when s is a timestamp as above (exposed for the tests). */
int hev_timestamp_ok(const char *s);

#endif
