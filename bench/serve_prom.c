/* The metric source every pipeline of bench/serve.sh shares: a small
 * Prometheus stand-in on 127.0.0.1 that answers GET /api/v1/query the way
 * Prometheus answers the lab's query (`sum(bench_fault_rate{{scope}})`, batched
 * by the runtime into `sum by (region, zone, host) (...{region=~"a|b",...})`):
 * one series per combination of the `by` labels' values named by the query's
 * matchers, each at a constant healthy value. Single-threaded (epoll,
 * HTTP/1.1 keep-alive), so that the bench measures the service, not its
 * source; a real Prometheus on the same 2 cores took several times the CPU
 * per query (docs/performance.md).
 *
 *   serve_prom [VALUE]   (default 0.001)
 *
 * Prints "listening on 127.0.0.1:PORT" on stdout once it accepts
 * connections; GET /metrics answers `bench_queries_total N` (the queries
 * answered); a bad request is HTTP 400 with Prometheus's error JSON, another
 * path 404. Stops on SIGTERM or SIGINT. Not for anything but the bench: no
 * PromQL beyond label values is understood. */
#define _GNU_SOURCE /* accept4, strcasestr */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_REQUEST 65536
#define MAX_LABELS 4
#define MAX_VALUES 64

struct conn {
  int fd;
  size_t used;
  char in[MAX_REQUEST];
};

static volatile sig_atomic_t stopping;
static unsigned long long answered;
static const char* value = "0.001";

static void on_signal(int sig) {
  (void)sig;
  stopping = 1;
}

static int hex(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = tolower(c);
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes a query-string value in place (%XX and '+'). */
static void url_decode(char* s) {
  char* out = s;
  for (; *s; ++s) {
    if (*s == '%' && hex(s[1]) >= 0 && hex(s[2]) >= 0) {
      *out++ = (char)(hex(s[1]) * 16 + hex(s[2]));
      s += 2;
    } else {
      *out++ = *s == '+' ? ' ' : *s;
    }
  }
  *out = 0;
}

/* Appends to a bounded buffer; returns 0 when it would not fit. */
struct buf {
  char* data;
  size_t used, size;
};

static int put(struct buf* b, const char* text, size_t n) {
  if (b->used + n >= b->size) return 0;
  memcpy(b->data + b->used, text, n);
  b->used += n;
  b->data[b->used] = 0;
  return 1;
}

static int put_str(struct buf* b, const char* text) {
  return put(b, text, strlen(text));
}

static int puts_json(struct buf* b, const char* text) {
  for (; *text; ++text) {
    if ((*text == '"' || *text == '\\') && !put(b, "\\", 1)) return 0;
    if ((unsigned char)*text < 0x20) continue;
    if (!put(b, text, 1)) return 0;
  }
  return 1;
}

/* The `by (a, b)` label names of QUERY (none: one series without labels). */
static int by_labels(const char* query, char names[MAX_LABELS][32]) {
  for (const char* p = query; (p = strstr(p, "by")) != NULL; p += 2) {
    if (p > query && (isalnum((unsigned char)p[-1]) || p[-1] == '_')) continue;
    const char* q = p + 2;
    while (*q == ' ') ++q;
    if (*q != '(') continue;
    int count = 0;
    for (++q; *q && *q != ')';) {
      while (*q == ' ' || *q == ',') ++q;
      size_t n = 0;
      while (isalnum((unsigned char)q[n]) || q[n] == '_') ++n;
      if (n == 0) break;
      if (count < MAX_LABELS && n < 32) {
        memcpy(names[count], q, n);
        names[count][n] = 0;
        ++count;
      }
      q += n;
    }
    return count;
  }
  return 0;
}

/* The values LABEL's matcher in QUERY names: `label="v"` or `label=~"a|b"`,
 * the string's escapes then the regex's `\` quoting undone, split on `|`.
 * Returns how many (0: no matcher). Values go to STORE, VALUES point into it. */
static int matcher_values(const char* query, const char* label, char* store, size_t size, char* values[MAX_VALUES]) {
  size_t len = strlen(label);
  for (const char* p = query; (p = strstr(p, label)) != NULL; p += len) {
    if (p > query && (isalnum((unsigned char)p[-1]) || p[-1] == '_')) continue;
    const char* q = p + len;
    if (q[0] == '=' && q[1] == '~')
      q += 2;
    else if (q[0] == '=' && q[1] == '"')
      q += 1;
    else
      continue;
    if (*q != '"') continue;
    /* String escapes first: `\\` is one backslash, `\"` a quote. */
    size_t n = 0;
    for (++q; *q && *q != '"' && n + 1 < size; ++q) {
      if (*q == '\\' && q[1]) ++q;
      store[n++] = *q;
    }
    store[n] = 0;
    /* Then the regex: split on unquoted `|`, drop the quoting backslashes. */
    int count = 0;
    char* out = store;
    char* start = store;
    for (char* r = store;; ++r) {
      if (*r == '\\' && r[1]) {
        *out++ = *++r;
        continue;
      }
      if (*r == '|' || *r == 0) {
        int end = *r == 0;
        *out++ = 0;
        if (count < MAX_VALUES) values[count++] = start;
        start = out;
        if (end) break;
        continue;
      }
      *out++ = *r;
    }
    return count;
  }
  return 0;
}

/* The JSON answer to QUERY into B. */
static int answer_query(const char* query, struct buf* b) {
  char names[MAX_LABELS][32];
  int labels = by_labels(query, names);
  static char stores[MAX_LABELS][4096];
  char* values[MAX_LABELS][MAX_VALUES];
  int counts[MAX_LABELS];
  long total = 1;
  for (int i = 0; i < labels; ++i) {
    counts[i] = matcher_values(query, names[i], stores[i], sizeof stores[i], values[i]);
    if (counts[i] == 0) {
      static char empty[] = "";
      values[i][0] = empty;
      counts[i] = 1;
    }
    total *= counts[i];
  }
  char now[32];
  snprintf(now, sizeof now, "%lld", (long long)time(NULL));
  if (!put_str(b, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[")) return 0;
  for (long k = 0; k < total; ++k) {
    if (k > 0 && !put_str(b, ",")) return 0;
    if (!put_str(b, "{\"metric\":{")) return 0;
    long rest = k;
    for (int i = 0; i < labels; ++i) {
      const char* v = values[i][rest % counts[i]];
      rest /= counts[i];
      if (i > 0 && !put_str(b, ",")) return 0;
      if (!put_str(b, "\"") || !puts_json(b, names[i]) || !put_str(b, "\":\"") || !puts_json(b, v) || !put_str(b, "\""))
        return 0;
    }
    if (!put_str(b, "},\"value\":[") || !put_str(b, now) || !put_str(b, ",\"") || !put_str(b, value) ||
        !put_str(b, "\"]}"))
      return 0;
  }
  return put_str(b, "]}}");
}

static void respond(int fd, int status, const char* reason, const char* body, int keep) {
  char head[256];
  int n =
      snprintf(head, sizeof head, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n%s\r\n",
               status, reason, strlen(body), keep ? "" : "Connection: close\r\n");
  struct iovec parts[2] = {{head, (size_t)n}, {(void*)body, strlen(body)}};
  struct msghdr msg = {.msg_iov = parts, .msg_iovlen = 2};
  /* Small answers on loopback: one sendmsg takes them whole. */
  if (sendmsg(fd, &msg, MSG_NOSIGNAL) < 0) return;
}

/* Handles the one request at the start of C->in (HEAD_LEN bytes with its
 * blank line); returns 0 when the connection is to close. */
static int handle(struct conn* c, size_t head_len) {
  static char out[1 << 20];
  struct buf b = {out, 0, sizeof out};
  out[0] = 0;
  char* head = c->in;
  head[head_len - 1] = 0;
  int keep = strcasestr(head, "\r\nConnection: close") == NULL;
  char* sp = strchr(head, ' ');
  char* target = sp ? sp + 1 : NULL;
  char* end = target ? strchr(target, ' ') : NULL;
  if (!end || strncmp(head, "GET ", 4) != 0) {
    respond(c->fd, 400, "Bad Request", "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"GET only\"}", 0);
    return 0;
  }
  *end = 0;
  if (strcmp(target, "/metrics") == 0) {
    snprintf(out, sizeof out, "bench_queries_total %llu\n", answered);
    respond(c->fd, 200, "OK", out, keep);
    return keep;
  }
  if (strncmp(target, "/api/v1/query?", 14) != 0) {
    respond(c->fd, 404, "Not Found", "{\"status\":\"error\",\"errorType\":\"not_found\",\"error\":\"no such path\"}",
            keep);
    return keep;
  }
  char* query = NULL;
  for (char* field = strtok(target + 14, "&"); field; field = strtok(NULL, "&"))
    if (strncmp(field, "query=", 6) == 0) query = field + 6;
  if (!query || !*query) {
    respond(c->fd, 400, "Bad Request", "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"no query\"}",
            keep);
    return keep;
  }
  url_decode(query);
  if (!answer_query(query, &b)) {
    respond(c->fd, 400, "Bad Request",
            "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"too many series for the bench\"}", keep);
    return keep;
  }
  ++answered;
  respond(c->fd, 200, "OK", out, keep);
  return keep;
}

/* Reads what C's socket has and answers every whole request; 0: close it. */
static int serve(struct conn* c) {
  for (;;) {
    ssize_t n = read(c->fd, c->in + c->used, sizeof c->in - 1 - c->used);
    if (n == 0) return 0;
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
    c->used += (size_t)n;
    c->in[c->used] = 0;
    char* blank;
    while ((blank = strstr(c->in, "\r\n\r\n")) != NULL) {
      size_t head_len = (size_t)(blank - c->in) + 4;
      if (!handle(c, head_len)) return 0;
      memmove(c->in, c->in + head_len, c->used - head_len);
      c->used -= head_len;
      c->in[c->used] = 0;
    }
    if (c->used >= sizeof c->in - 1) return 0; /* a request head too large */
  }
}

int main(int argc, char** argv) {
  if (argc > 2 || (argc == 2 && (argv[1][0] == '-' || !*argv[1]))) {
    fprintf(stderr, "usage: serve_prom [VALUE]\n");
    return 2;
  }
  if (argc == 2) value = argv[1];
  struct sigaction sa = {.sa_handler = on_signal};
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in at = {.sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof at;
  if (listener < 0 || bind(listener, (struct sockaddr*)&at, sizeof at) < 0 || listen(listener, 4096) < 0 ||
      getsockname(listener, (struct sockaddr*)&at, &len) < 0) {
    perror("serve_prom: listen on 127.0.0.1");
    return 1;
  }
  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
  epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
  printf("listening on 127.0.0.1:%d\n", ntohs(at.sin_port));
  fflush(stdout);
  struct epoll_event events[256];
  while (!stopping) {
    int n = epoll_wait(ep, events, 256, 500);
    for (int i = 0; i < n; ++i) {
      struct conn* c = events[i].data.ptr;
      if (!c) {
        int fd;
        while ((fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
          setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          c = malloc(sizeof *c);
          if (!c) {
            close(fd);
            continue;
          }
          c->fd = fd;
          c->used = 0;
          struct epoll_event add = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = c};
          epoll_ctl(ep, EPOLL_CTL_ADD, fd, &add);
        }
        continue;
      }
      if (!serve(c) || (events[i].events & (EPOLLHUP | EPOLLERR))) {
        close(c->fd); /* closing removes it from the epoll set */
        free(c);
      }
    }
  }
  fprintf(stderr, "serve_prom: %llu queries answered\n", answered);
  return 0;
}
