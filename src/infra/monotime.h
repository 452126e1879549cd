/*
 * The one clock for durations and intervals: CLOCK_MONOTONIC, which a
 * step of the wall clock (NTP, an operator's date) does not move, so a
 * timeout neither fires at once nor waits for hours after one.
 */
#ifndef BEE_MONOTIME_H
#define BEE_MONOTIME_H

/* Milliseconds since an arbitrary fixed point (the boot). */
long long monotime_ms(void);

#endif
