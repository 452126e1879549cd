/*
 * scripts/resend-failed-events run as an operator runs it, from the
 * repository root, for the tests of the tool and of the faults it repairs.
 */
#ifndef E2E_RESEND_TOOL_H
#define E2E_RESEND_TOOL_H

#include <stddef.h>

/*
 * Runs the tool with this process's settings, FAILED_EVENTS_KEY=key when
 * key is not NULL, then the overrides env (name, value pairs; NULL-ended,
 * or NULL) and the argument arg (or none). Its stdout and stderr go to out
 * (NUL-terminated, cut at outlen); returns its exit status (128: killed).
 */
int resend_tool(const char *key, const char *const *env, const char *arg,
    char *out, size_t outlen);

#endif
