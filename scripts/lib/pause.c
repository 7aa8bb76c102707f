/*
 * The pause program of the test node's pause image (scripts/image.sh --pause): PID 1 of a pod
 * sandbox. It holds the pod's namespaces and does nothing else: sleeps until SIGTERM or SIGINT,
 * then exits 0, and reaps any process that ends up as its child.
 */
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_stop(int number) {
  (void)number;
  _exit(0);
}

static void on_child(int number) {
  int saved = errno;
  (void)number;
  while (waitpid(-1, 0, WNOHANG) > 0) {
  }
  errno = saved;
}

int main(void) {
  struct sigaction action = {0};
  sigemptyset(&action.sa_mask);
  action.sa_handler = on_stop;
  if (sigaction(SIGTERM, &action, 0) != 0 || sigaction(SIGINT, &action, 0) != 0) {
    return 1;
  }
  action.sa_handler = on_child;
  action.sa_flags = SA_NOCLDSTOP | SA_RESTART;
  if (sigaction(SIGCHLD, &action, 0) != 0) {
    return 1;
  }
  for (;;) {
    pause();
  }
}
