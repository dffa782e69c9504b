/* SPDX-License-Identifier: MIT */
/* badserver.c - a TCP server on 127.0.0.1 that misbehaves on purpose, for the hostile-input tests.
 *
 *   badserver MODE PORTFILE [PAYLOAD]
 *
 * Listens on an ephemeral port, writes the port to PORTFILE, and serves every connection on a
 * thread of its own. After the client's first bytes it:
 *   silent   never answers
 *   close    closes the connection
 *   garbage  sends PAYLOAD (or a line of text) and keeps the connection open
 *   slow     sends PAYLOAD one byte a second
 *   huge     sends PAYLOAD, then 'x' without end
 *   big      sends PAYLOAD, then 100 MiB of 'x', then closes
 *   die      sends the first half of PAYLOAD, then the whole server exits (killed mid-answer)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *mode;
static const char *payload = "this is not what you expected\r\n";

static void send_all(int fd, const char *p, size_t len)
{
  while (len > 0) {
    ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
    if (n <= 0)
      return;
    p += n;
    len -= (size_t)n;
  }
}

static void *serve(void *arg)
{
  int fd = (int)(long)arg;
  char buf[4096];
  char junk[65536];
  size_t i;

  if (recv(fd, buf, sizeof(buf), 0) <= 0)
    goto done;
  if (strcmp(mode, "close") == 0)
    goto done;
  if (strcmp(mode, "garbage") == 0) {
    send_all(fd, payload, strlen(payload));
  } else if (strcmp(mode, "slow") == 0) {
    for (i = 0; payload[i]; i++) {
      if (send(fd, payload + i, 1, MSG_NOSIGNAL) != 1)
        goto done;
      sleep(1);
    }
  } else if (strcmp(mode, "die") == 0) {
    send_all(fd, payload, strlen(payload) / 2);
    _exit(0);
  } else if (strcmp(mode, "big") == 0) {
    send_all(fd, payload, strlen(payload));
    memset(junk, 'x', sizeof(junk));
    for (i = 0; i < (100u << 20) / sizeof(junk); i++)
      if (send(fd, junk, sizeof(junk), MSG_NOSIGNAL) <= 0)
        break;
    goto done;
  } else if (strcmp(mode, "huge") == 0) {
    send_all(fd, payload, strlen(payload));
    memset(junk, 'x', sizeof(junk));
    while (send(fd, junk, sizeof(junk), MSG_NOSIGNAL) > 0)
      ;
    goto done;
  }
  /* silent, and what is left of the others: hold the connection until the client goes. */
  while (recv(fd, buf, sizeof(buf), 0) > 0)
    ;
done:
  close(fd);
  return NULL;
}

int main(int argc, char **argv)
{
  struct sockaddr_in addr = {.sin_family = AF_INET};
  socklen_t len = sizeof(addr);
  FILE *f;
  int one = 1;
  int lfd;

  if (argc < 3) {
    fprintf(stderr, "usage: badserver silent|close|garbage|slow|huge|big|die PORTFILE [PAYLOAD]\n");
    return 2;
  }
  mode = argv[1];
  if (argc > 3)
    payload = argv[3];
  signal(SIGPIPE, SIG_IGN);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  lfd = socket(AF_INET, SOCK_STREAM, 0);
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(lfd, 16) != 0 ||
      getsockname(lfd, (struct sockaddr *)&addr, &len) != 0) {
    perror("badserver");
    return 1;
  }
  f = fopen(argv[2], "w");
  if (!f || fprintf(f, "%d\n", ntohs(addr.sin_port)) < 0 || fclose(f) != 0) {
    perror(argv[2]);
    return 1;
  }
  for (;;) {
    pthread_t thread;
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0)
      continue;
    if (pthread_create(&thread, NULL, serve, (void *)(long)fd) != 0) {
      close(fd);
      continue;
    }
    pthread_detach(thread);
  }
}
