/*
 * What a request must pass before any work is done for it: checks of how
 * Kore 4.1 parsed it, where Kore would otherwise act on a request it did
 * not read whole (request smuggling behind a keep-alive proxy).
 */
#ifndef BEE_GUARD_H
#define BEE_GUARD_H

#include <kore/kore.h>
#include <kore/http.h>

/*
 * 1 when the request was refused and answered, the connection to be
 * closed: 431 when its header lines reached Kore's limit, 400 when it
 * carries a body Kore will not read. 0: go on.
 */
int request_refused(struct http_request *req);

#endif
