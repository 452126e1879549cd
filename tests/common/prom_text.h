/*
 * Reading Prometheus' text format the way a scraper does, for the tests
 * of /metrics (the unit test of the renderer and the end-to-end one).
 */
#ifndef TESTS_PROM_TEXT_H
#define TESTS_PROM_TEXT_H

/* The value of the sample line that starts with `series` + " ", or -1. */
double prom_sample(const char *text, const char *series);

#endif
