/*
 * A loopback TCP listener of the test's own: a peer the service under test
 * connects to (a log sink), or one that never answers (the kernel
 * completes connections into the backlog and nobody accepts them: a
 * database or Redis that hangs).
 */
#ifndef E2E_LISTENER_H
#define E2E_LISTENER_H

/* Listens on 127.0.0.1, on a port the kernel picks (*port). The socket. */
int loopback_listener(unsigned short *port, int backlog);

#endif
