/* The one tiny program of bench/serve.sh, installed twice in the service's
 * folder: as metric.sh (every lab plan's metric command: prints a healthy
 * fault rate, 0.001) and as deploy.sh (every deploy call: exits 0 at once,
 * after appending "SECONDS.NANOS ACTION STEP VERSION" to deploy-times, the
 * wall time the call started, which the bench needs for sub-second lag). A
 * compiled program rather than a script so that the service's CPU, not a
 * shell's, is what the bench measures. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char* env(const char* name) {
  const char* value = getenv(name);
  return value && *value ? value : "-";
}

int main(int argc, char** argv) {
  (void)argc;
  const char* name = strrchr(argv[0], '/');
  name = name ? name + 1 : argv[0];
  if (strcmp(name, "metric.sh") == 0) {
    fputs("0.001\n", stdout);
    return 0;
  }
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  char line[1024];
  int n = snprintf(line, sizeof line, "%lld.%09ld %s %s %s\n", (long long)now.tv_sec, now.tv_nsec, env("PIPE_ACTION"),
                   env("PIPE_STEP"), env("PIPE_VERSION"));
  if (n <= 0 || n >= (int)sizeof line) return 0;
  int fd = open("deploy-times", O_WRONLY | O_APPEND | O_CREAT, 0644);
  if (fd >= 0) {
    /* One write with O_APPEND: lines of concurrent calls never interleave. */
    if (write(fd, line, (size_t)n) < 0) return 0;
    close(fd);
  }
  return 0;
}
