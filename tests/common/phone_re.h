/*
 * The phone pattern of conf/bee_customers.conf as Kore's regex validator
 * applies it (POSIX extended), for the unit tests and the fuzz harness of
 * the customer input, which take the rule from the caller.
 */
#ifndef TESTS_PHONE_RE_H
#define TESTS_PHONE_RE_H

#define PHONE_RE "^(\\+[1-9][0-9]{7,14}|0?7[0-9]{8})$"

/* 1 when s matches PHONE_RE (compiled on first use; abort if it cannot). */
int phone_re_matches(const char *s);
/* Frees the compiled pattern (a suite's .fini). */
void phone_re_free(void);

#endif
