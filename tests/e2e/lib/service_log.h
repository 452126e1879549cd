/*
 * The log of the service under test, $BEE_E2E_DIR/kore.err (one JSON object
 * a line), for tests that check what a request logged.
 */
#ifndef E2E_SERVICE_LOG_H
#define E2E_SERVICE_LOG_H

/*
 * 1 once a line holds both strings (polled for 2 s: the worker writes
 * after it answers), 0 if none does, -1 if there is no log to read.
 */
int service_log_has(const char *, const char *);

#endif
