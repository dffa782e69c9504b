/* SPDX-License-Identifier: MIT */
/* net.c - deadline-bound sockets for checks that speak a protocol themselves (redis, TLS);
 * names are resolved by resolve.c. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "mw_core.h"

int mw_wait_fd(int fd, short events, mw_deadline deadline)
{
  struct pollfd pfd = {.fd = fd, .events = events};

  for (;;) {
    int left = mw_deadline_left_ms(deadline);
    int ready;

    if (left == 0)
      return ETIMEDOUT;
    ready = poll(&pfd, 1, left);
    if (ready > 0)
      return 0; /* POLLERR and POLLHUP too: the next call on the socket tells what happened */
    if (ready < 0 && errno != EINTR)
      return errno;
  }
}

static int finish_connect(int fd, mw_deadline deadline)
{
  int soerr = 0;
  socklen_t len = sizeof(soerr);
  int result = mw_wait_fd(fd, POLLOUT, deadline);

  if (result != 0)
    return result;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
    return errno;
  return soerr;
}

static int connect_addr(const struct sockaddr *addr, socklen_t addrlen, int family,
                        mw_deadline deadline, int *error)
{
  int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

  if (fd < 0) {
    *error = errno;
    return -1;
  }
  if (connect(fd, addr, addrlen) == 0)
    return fd;
  *error = errno == EINPROGRESS ? finish_connect(fd, deadline) : errno;
  if (*error == 0)
    return fd;
  close(fd);
  return -1;
}

static int connect_unix(const char *path, mw_deadline deadline, char *err, size_t errlen)
{
  struct sockaddr_un sun = {.sun_family = AF_UNIX};
  int error = 0;
  int fd;

  if (strlen(path) >= sizeof(sun.sun_path)) {
    snprintf(err, errlen, "socket path too long: %s", path);
    return -1;
  }
  memcpy(sun.sun_path, path, strlen(path) + 1);
  fd = connect_addr((const struct sockaddr *)&sun, sizeof(sun), AF_UNIX, deadline, &error);
  if (fd < 0)
    snprintf(err, errlen, "cannot connect to %s: %s", path,
             error == ETIMEDOUT ? "timed out" : strerror(error));
  return fd;
}

int mw_connect(const char *host, int port, mw_deadline deadline, char *err, size_t errlen)
{
  struct addrinfo *list = NULL;
  struct addrinfo *ai;
  int error = 0;
  int fd = -1;

  if (host[0] == '/')
    return connect_unix(host, deadline, err, errlen);
  if (port < 1 || port > 65535) {
    snprintf(err, errlen, "port %d out of range 1-65535", port);
    return -1;
  }
  if (mw_resolve(host, port, SOCK_STREAM, deadline, &list, err, errlen) != 0)
    return -1;
  /* Every address in turn: "localhost" may give ::1 first while the server listens on IPv4. */
  for (ai = list; ai && fd < 0; ai = ai->ai_next) {
    if (mw_deadline_passed(deadline)) {
      error = ETIMEDOUT;
      break;
    }
    fd = connect_addr(ai->ai_addr, ai->ai_addrlen, ai->ai_family, deadline, &error);
  }
  freeaddrinfo(list);
  if (fd < 0)
    snprintf(err, errlen, "cannot connect to %s port %d: %s", host, port,
             error == ETIMEDOUT ? "timed out" : strerror(error));
  return fd;
}

int mw_send_all(int fd, const void *data, size_t len, mw_deadline deadline)
{
  const char *p = data;

  while (len > 0) {
    ssize_t sent = send(fd, p, len, MSG_NOSIGNAL);
    int result;

    if (sent > 0) {
      p += sent;
      len -= (size_t)sent;
      continue;
    }
    if (sent < 0 && errno == EINTR)
      continue;
    if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
      return errno;
    result = mw_wait_fd(fd, POLLOUT, deadline);
    if (result != 0)
      return result;
  }
  return 0;
}

ssize_t mw_recv_some(int fd, void *buf, size_t len, mw_deadline deadline)
{
  for (;;) {
    ssize_t got = recv(fd, buf, len, 0);
    int result;

    if (got >= 0)
      return got;
    if (errno == EINTR)
      continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK)
      return -1;
    result = mw_wait_fd(fd, POLLIN, deadline);
    if (result != 0) {
      errno = result;
      return -1;
    }
  }
}
