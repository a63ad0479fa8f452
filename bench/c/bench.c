/* The C ABI row of `make bench`: target/release/libdcimanager.so through include/dcimanager.h.
 *
 *   dci-bench-c seq N PATH         N GETs of PATH (dci_client_request; body left as bytes)
 *   dci-bench-c list N PATH        the same for a large list (C has no JSON objects: body only)
 *   dci-bench-c threads T N PATH   T threads sharing one dci_client, N GETs each
 *   dci-bench-c cold PATH          one authenticated GET (the process is timed outside)
 *   dci-bench-c batch N C PATH     N GETs of PATH in one dci_client_send_batch, C at once
 *                                  (C = 1: the same N one after another with dci_client_request)
 *
 * Environment: DCI_URL, DCI_TOKEN, optionally DCI_CA. Prints one JSON object: wall time and
 * CPU time (getrusage) of the timed loop, peak RSS (VmHWM).
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "dcimanager.h"

static dci_client *client;
static const char *path;
static long count;

static void die(const char *what) {
    fprintf(stderr, "%s: %s\n", what, dci_last_error_message());
    exit(1);
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void get_once(void) {
    dci_response *r = NULL;
    if (dci_client_request(client, "GET", path, NULL, &r) != DCI_OK) die("GET");
    size_t len = 0;
    const char *body = dci_response_body(r, &len);
    if (dci_response_status(r) != 200 || body == NULL || len == 0) die("GET status");
    dci_response_free(r);
}

static void *worker(void *arg) {
    (void)arg;
    for (long i = 0; i < count; i++) get_once();
    return NULL;
}

/* Peak RSS: VmHWM (ru_maxrss would carry over the high-water mark of the forking parent). */
static long vm_hwm_kb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    if (f == NULL) return -1;
    while (fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, "VmHWM:", 6) == 0) kb = atol(line + 6);
    fclose(f);
    return kb;
}

static void usage_pair(double *user, double *sys, long *rss) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    *user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
    *sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    *rss = vm_hwm_kb();
}

int main(int argc, char **argv) {
    const char *url = getenv("DCI_URL"), *token = getenv("DCI_TOKEN"), *ca = getenv("DCI_CA");
    if (argc < 3 || url == NULL || token == NULL) {
        fprintf(stderr, "usage: DCI_URL=... DCI_TOKEN=... %s seq|list|threads|cold ...\n", argv[0]);
        return 2;
    }
    client = dci_client_new(url);
    if (client == NULL) die("dci_client_new");
    if (ca != NULL && *ca && dci_client_set_ca_file(client, ca) != DCI_OK) die("ca");
    if (dci_client_set_token(client, token) != DCI_OK) die("token");
    /* The same work as the Rust core's raw row: the body is kept as bytes. By default the C ABI
     * also checks that a JSON answer parses (one more pass over the body); C has no JSON
     * objects to build, so that check is left out here. */
    if (dci_client_set_validate_json(client, false) != DCI_OK) die("validate_json");

    const char *mode = argv[1];
    if (strcmp(mode, "cold") == 0) {
        path = argv[2];
        get_once();
        dci_client_free(client);
        return 0;
    }
    if (strcmp(mode, "batch") == 0) {
        if (argc < 5) return 2;
        count = atol(argv[2]);
        long conc = atol(argv[3]);
        path = argv[4];
        get_once(); /* the connection */
        dci_request *req = dci_request_new("GET", path);
        const dci_request **list = malloc(sizeof *list * (size_t)count);
        if (req == NULL || list == NULL) die("request");
        for (long i = 0; i < count; i++) list[i] = req;
        double u0, s0, u1, s1;
        long rss;
        usage_pair(&u0, &s0, &rss);
        double t0 = now();
        if (conc == 1) {
            for (long i = 0; i < count; i++) get_once();
        } else {
            dci_batch *batch = NULL;
            if (dci_client_send_batch(client, list, (size_t)count, (size_t)conc, &batch) != DCI_OK) die("batch");
            for (long i = 0; i < count; i++)
                if (dci_batch_status(batch, (size_t)i) != DCI_OK) die("batch item");
            dci_batch_free(batch);
        }
        double wall = now() - t0;
        usage_pair(&u1, &s1, &rss);
        printf("{\"n\":%ld,\"concurrency\":%ld,\"wall_s\":%.9f,\"user_s\":%.6f,\"sys_s\":%.6f,\"maxrss_kb\":%ld}\n",
               count, conc, wall, u1 - u0, s1 - s0, rss);
        free(list);
        dci_request_free(req);
        dci_client_free(client);
        return 0;
    }
    int threads = 1;
    if (strcmp(mode, "threads") == 0) {
        if (argc < 5) return 2;
        threads = atoi(argv[2]);
        count = atol(argv[3]);
        path = argv[4];
    } else if (strcmp(mode, "seq") == 0 || strcmp(mode, "list") == 0) {
        if (argc < 4) return 2;
        count = atol(argv[2]);
        path = argv[3];
    } else {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    for (int i = 0; i < (strcmp(mode, "list") == 0 ? 2 : 20); i++) get_once();

    double u0, s0, u1, s1;
    long rss;
    usage_pair(&u0, &s0, &rss);
    double t0 = now();
    if (threads == 1) {
        worker(NULL);
    } else {
        pthread_t tid[64];
        if (threads > 64) threads = 64;
        for (int i = 0; i < threads; i++) pthread_create(&tid[i], NULL, worker, NULL);
        for (int i = 0; i < threads; i++) pthread_join(tid[i], NULL);
    }
    double wall = now() - t0;
    usage_pair(&u1, &s1, &rss);
    printf("{\"n\":%ld,\"threads\":%d,\"wall_s\":%.9f,\"user_s\":%.6f,\"sys_s\":%.6f,\"maxrss_kb\":%ld}\n",
           count * threads, threads, wall, u1 - u0, s1 - s0, rss);
    dci_client_free(client);
    return 0;
}
