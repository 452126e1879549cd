#include <sys/socket.h>

#include <netinet/in.h>

#include <string.h>

#include <criterion/criterion.h>

#include "listener.h"

int
loopback_listener(unsigned short *port, int backlog)
{
	struct sockaddr_in sin;
	socklen_t len;
	int fd, one;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert(fd != -1);
	one = 1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	cr_assert(listen(fd, backlog) == 0);
	len = sizeof(sin);
	cr_assert(getsockname(fd, (struct sockaddr *)&sin, &len) == 0);
	*port = ntohs(sin.sin_port);
	return (fd);
}
