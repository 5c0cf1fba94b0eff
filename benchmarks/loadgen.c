/* The capture benchmark's load generator: keep-alive HTTP/1.1 over N connections to 127.0.0.1,
 * one request in flight per connection, in one thread on epoll.
 *
 *     loadgen PORT CONNECTIONS RATE SECONDS REQUEST_FILE LATENCIES_FILE
 *
 * RATE 0 is a closed loop: each connection sends its next request as soon as the last is answered,
 * until SECONDS have passed. Otherwise an open loop: request i is due at start + i / RATE whatever the
 * answers do (as wrk2 does), the generator wakes when the next one is due, a request that
 * finds every connection busy waits for one, and every latency counts from when the request was due.
 *
 * It writes each answered request's latency (seconds, float64, native byte order) to LATENCIES_FILE
 * and prints one JSON line: {"seconds": ..., "sent": ..., "errors": ..., "cpu": ...}, where cpu is
 * its own CPU time. Responses must carry a Content-Length (the benchmark's model server does);
 * one that does not, a status other than 200, or a connection closed or failing, counts as an error.
 *
 * Why C: the generator shares the 2 cores with the servers it measures. The Python client it replaced
 * took 17 to 20 µs of CPU per request at peak and could only wake on whole milliseconds, so it sent
 * open-loop requests in bursts; this one takes 12 to 15 µs at peak and sends each request when it is
 * due. (Open loop both take about 30 µs: being woken for each request and each answer.) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RESPONSE_BUFFER 65536

typedef struct {
    int fd;
    int busy;
    double due;  /* when the request in flight was due: its latency counts from there */
    size_t have; /* response bytes read so far */
    char response[RESPONSE_BUFFER];
} Connection;

typedef struct {
    const char *request;
    size_t request_size;
    Connection *connections;
    int live;       /* connections not closed by an error */
    int *idle;      /* stack of idle connection indexes */
    int idle_count;
    double *backlog; /* open loop: due times of requests that found every connection busy */
    size_t backlog_head, backlog_tail;
    double *latencies;
    size_t answered, errors, sent, capacity; /* capacity: room in latencies */
} Load;

static void die(const char *what) {
    fprintf(stderr, "loadgen: %s: %s\n", what, strerror(errno));
    exit(2);
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void send_request(Load *load, int index, double due) {
    Connection *connection = &load->connections[index];
    /* One small request in an empty send buffer: a short write would mean a broken connection. */
    ssize_t written = write(connection->fd, load->request, load->request_size);
    if (written != (ssize_t)load->request_size) {
        die("writing a request");
    }
    connection->busy = 1;
    connection->due = due;
    connection->have = 0;
    load->sent++;
}

static int open_connection(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        die("socket");
    }
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&address, sizeof address) < 0) {
        die("connecting");
    }
    int one = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0 ||
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
        die("setting up a connection");
    }
    return fd;
}

/* The length of the whole response once its head is read, or 0 while the head is incomplete;
 * -1 for a response without a Content-Length. */
static long response_length(const char *data, size_t size) {
    const char *end = memmem(data, size, "\r\n\r\n", 4);
    if (end == NULL) {
        return 0;
    }
    size_t head = (size_t)(end - data) + 4;
    static const char field[] = "\r\ncontent-length:";
    for (const char *line = data; line + sizeof field - 1 <= end; line++) {
        if (strncasecmp(line, field, sizeof field - 1) == 0) {
            return (long)head + strtol(line + sizeof field - 1, NULL, 10);
        }
    }
    return -1;
}

/* Closes a connection that failed or that the server closed; a request in flight on it is an error. */
static void fail(Load *load, int index) {
    Connection *connection = &load->connections[index];
    close(connection->fd);
    connection->fd = -1;
    load->live--;
    if (connection->busy) {
        connection->busy = 0;
        load->errors++;
        return;
    }
    for (int at = 0; at < load->idle_count; at++) {
        if (load->idle[at] == index) {
            load->idle[at] = load->idle[--load->idle_count];
            break;
        }
    }
}

static void record(Load *load, double latency) {
    if (load->answered == load->capacity) {
        load->capacity = load->capacity * 2 + 65536;
        load->latencies = realloc(load->latencies, load->capacity * sizeof(double));
        if (load->latencies == NULL) {
            die("allocating");
        }
    }
    load->latencies[load->answered++] = latency;
}

/* Reads what the connection has; returns 1 when its response is complete (or failed). */
static int read_response(Load *load, int index) {
    Connection *connection = &load->connections[index];
    ssize_t got = read(connection->fd, connection->response + connection->have, RESPONSE_BUFFER - connection->have);
    if (got <= 0) {
        if (got < 0 && errno == EAGAIN) {
            return 0;
        }
        fail(load, index);
        return 1;
    }
    connection->have += (size_t)got;
    long length = response_length(connection->response, connection->have);
    if (length == 0 && connection->have < RESPONSE_BUFFER) {
        return 0; /* the head is still coming */
    }
    if (length <= 0 || length > RESPONSE_BUFFER) { /* no Content-Length, or more than the buffer */
        fail(load, index);
        return 1;
    }
    if (connection->have < (size_t)length) {
        return 0;
    }
    connection->busy = 0;
    if (strncmp(connection->response + 8, " 200 ", 5) == 0) {
        record(load, now() - connection->due);
    } else {
        load->errors++;
    }
    return 1;
}

/* How long to wait for the request due at `due`, as epoll_pwait2 takes it: timerfd or epoll_wait's
 * milliseconds would cost a system call more or wake up to a millisecond late. */
static struct timespec until(double due) {
    double wait = fmax(due - now(), 0.0);
    struct timespec timeout = {.tv_sec = (time_t)wait, .tv_nsec = (long)((wait - floor(wait)) * 1e9)};
    return timeout;
}

static char *read_file(const char *path, size_t *size) {
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        die(path);
    }
    char *data = malloc(RESPONSE_BUFFER);
    if (data == NULL) {
        die("allocating");
    }
    *size = fread(data, 1, RESPONSE_BUFFER, file);
    if (!feof(file) || *size == 0) {
        fprintf(stderr, "loadgen: %s: the request must be 1 to %d bytes\n", path, RESPONSE_BUFFER - 1);
        exit(2);
    }
    fclose(file);
    return data;
}

int main(int argc, char **argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: loadgen PORT CONNECTIONS RATE SECONDS REQUEST_FILE LATENCIES_FILE\n");
        return 2;
    }
    int port = atoi(argv[1]);
    int count = atoi(argv[2]);
    double rate = atof(argv[3]);
    double seconds = atof(argv[4]);
    if (port <= 0 || count <= 0 || rate < 0 || seconds <= 0) {
        fprintf(stderr, "loadgen: PORT and CONNECTIONS must be positive, RATE at least 0, SECONDS positive\n");
        return 2;
    }
    Load load = {0};
    load.request = read_file(argv[5], &load.request_size);
    size_t total = rate > 0 ? (size_t)(rate * seconds) : 0; /* open loop: requests to send */
    load.backlog = malloc((total + 1) * sizeof(double));
    load.connections = calloc((size_t)count, sizeof(Connection));
    load.idle = malloc((size_t)count * sizeof(int));
    if (load.backlog == NULL || load.connections == NULL || load.idle == NULL) {
        die("allocating");
    }

    int poll = epoll_create1(0);
    if (poll < 0) {
        die("epoll_create1");
    }
    struct epoll_event event = {.events = EPOLLIN};
    for (int index = 0; index < count; index++) {
        load.connections[index].fd = open_connection(port);
        event.data.u32 = (uint32_t)index;
        epoll_ctl(poll, EPOLL_CTL_ADD, load.connections[index].fd, &event);
    }
    load.live = count;

    double started = now();
    double deadline = started + seconds;
    size_t scheduled = 0;
    int busy = 0;
    if (rate > 0) {
        for (int index = count - 1; index >= 0; index--) {
            load.idle[load.idle_count++] = index;
        }
    } else {
        for (int index = 0; index < count; index++) {
            send_request(&load, index, now());
        }
        busy = count;
    }
    struct epoll_event events[64];
    while (1) {
        struct timespec timeout;
        int timed = 0;
        if (load.live == 0) {
            fprintf(stderr, "loadgen: every connection failed\n");
            return 1;
        }
        if (rate > 0) {
            double moment = now();
            while (scheduled < total && started + (double)scheduled / rate <= moment) {
                double due = started + (double)scheduled / rate;
                scheduled++;
                if (load.idle_count > 0) {
                    send_request(&load, load.idle[--load.idle_count], due);
                    busy++;
                } else {
                    load.backlog[load.backlog_tail++] = due;
                }
            }
            if (scheduled < total) {
                timeout = until(started + (double)scheduled / rate);
                timed = 1;
            } else if (busy == 0) {
                break;
            }
        } else if (busy == 0) {
            break;
        }
        int ready = epoll_pwait2(poll, events, 64, timed ? &timeout : NULL, NULL);
        if (ready < 0 && errno != EINTR) {
            die("epoll_pwait2");
        }
        for (int at = 0; at < ready; at++) {
            int index = (int)events[at].data.u32;
            Connection *connection = &load.connections[index];
            if (connection->fd < 0) {
                continue;
            }
            if (!connection->busy) {
                fail(&load, index); /* readable while idle: the server closed it */
                continue;
            }
            if (!read_response(&load, index)) {
                continue;
            }
            if (connection->fd < 0) {
                busy--;
            } else if (load.backlog_head < load.backlog_tail) {
                send_request(&load, index, load.backlog[load.backlog_head++]);
            } else if (rate == 0 && now() < deadline) {
                send_request(&load, index, now());
            } else {
                busy--;
                load.idle[load.idle_count++] = index;
            }
        }
    }
    double elapsed = now() - started;

    FILE *out = fopen(argv[6], "wb");
    if (out == NULL || fwrite(load.latencies, sizeof(double), load.answered, out) != load.answered || fclose(out) != 0) {
        die(argv[6]);
    }
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    double cpu = (double)usage.ru_utime.tv_sec + (double)usage.ru_utime.tv_usec * 1e-6 +
                 (double)usage.ru_stime.tv_sec + (double)usage.ru_stime.tv_usec * 1e-6;
    printf("{\"seconds\": %.6f, \"sent\": %zu, \"errors\": %zu, \"cpu\": %.6f}\n", elapsed, load.sent, load.errors, cpu);
    return 0;
}
