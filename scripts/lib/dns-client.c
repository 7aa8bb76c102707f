/*
 * A client that resolves the way most applications do: each attempt asks the C library
 * (getaddrinfo, the pod's /etc/resolv.conf, no cache of its own), then opens a TCP connection to
 * the first address of the answer. It runs in the bed's tools image, in pods that fqdn resources
 * select, and prints one line per attempt to stdout:
 *
 *   <unix time in ms> <address or -> <allowed|refused|timeout|unresolved> <answer, comma-separated>
 *
 * Usage: dns-client NAME PORT [INTERVAL_MS] [CONNECT_TIMEOUT_MS]
 * (defaults 1000 and 2000). It never exits by itself. Built statically by
 * scripts/lib/testbed-node.sh; glibc 2.34 and later resolve DNS in static programs without
 * loading NSS modules.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* "allowed", "refused" or "timeout" for one connection attempt. */
static const char *attempt(const struct sockaddr *address, socklen_t length, int timeout_ms) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    perror("socket");
    exit(2);
  }
  const char *outcome = "refused";
  if (connect(fd, address, length) == 0) {
    outcome = "allowed";
  } else if (errno == EINPROGRESS) {
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    int ready = poll(&p, 1, timeout_ms);
    if (ready == 0) {
      outcome = "timeout";
    } else if (ready > 0) {
      int error = 0;
      socklen_t size = sizeof error;
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size);
      outcome = error == 0 ? "allowed" : "refused";
    }
  }
  close(fd);
  return outcome;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s NAME PORT [INTERVAL_MS] [CONNECT_TIMEOUT_MS]\n", argv[0]);
    return 2;
  }
  const char *name = argv[1];
  const char *port = argv[2];
  int interval_ms = argc > 3 ? atoi(argv[3]) : 1000;
  int timeout_ms = argc > 4 ? atoi(argv[4]) : 2000;
  setvbuf(stdout, NULL, _IOLBF, 0);
  for (;;) {
    long long started = now_ms();
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM};
    struct addrinfo *answer = NULL;
    int error = getaddrinfo(name, port, &hints, &answer);
    if (error != 0) {
      printf("%lld - unresolved %s\n", started, gai_strerror(error));
    } else {
      char first[INET_ADDRSTRLEN], all[1024] = "";
      size_t used = 0;
      inet_ntop(AF_INET, &((struct sockaddr_in *)answer->ai_addr)->sin_addr, first, sizeof first);
      for (struct addrinfo *a = answer; a != NULL && used + INET_ADDRSTRLEN + 1 < sizeof all;
           a = a->ai_next) {
        char text[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &((struct sockaddr_in *)a->ai_addr)->sin_addr, text, sizeof text);
        used += (size_t)snprintf(all + used, sizeof all - used, "%s%s", used ? "," : "", text);
      }
      const char *outcome = attempt(answer->ai_addr, answer->ai_addrlen, timeout_ms);
      printf("%lld %s %s %s\n", started, first, outcome, all);
      freeaddrinfo(answer);
    }
    long long rest = interval_ms - (now_ms() - started);
    if (rest > 0) {
      struct timespec pause = {.tv_sec = rest / 1000, .tv_nsec = (rest % 1000) * 1000000L};
      nanosleep(&pause, NULL);
    }
  }
}
