/* Load through the C ABI: 16 pthreads × 2,000 requests on one client while the session
 * expires at random moments. Every request succeeds and each expiry costs exactly one
 * re-login. Run natively by `make test-c` (valgrind would make it minutes long). */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "check.h"

#define THREADS 16
#define REQUESTS 2000

static dci_client *shared;
static atomic_int failures;
static atomic_bool stop;

static void *worker(void *arg) {
    int t = (int)(size_t)arg;
    char path[64];
    for (int i = 0; i < REQUESTS; i++) {
        dci_response *r = NULL;
        snprintf(path, sizeof path, "dci/v3/server/%d", (t * REQUESTS + i) % 1000 + 1);
        if (dci_client_request(shared, "GET", path, NULL, &r) != DCI_OK || dci_response_status(r) != 200)
            atomic_fetch_add(&failures, 1);
        dci_response_free(r);
    }
    return NULL;
}

static void *expirer(void *arg) {
    long *hits = arg;
    dci_client *ctl = test_client();
    unsigned x = 2463534242u;
    while (!atomic_load(&stop)) {
        x ^= x << 13; x ^= x >> 17; x ^= x << 5;
        struct timespec ts = {0, (long)(5 + x % 40) * 1000000L};
        nanosleep(&ts, NULL);
        dci_response *r = NULL;
        if (dci_client_request(ctl, "POST", "/emulator/expire_tokens", "{}", &r) == DCI_OK) {
            const char *p = strstr(dci_response_body(r, NULL), "\"expired\":");
            if (p) *hits += atol(p + 10);
        }
        dci_response_free(r);
    }
    dci_client_free(ctl);
    return NULL;
}

int main(void) {
    shared = test_client();
    CHECK_STATUS(dci_client_login(shared, "admin@example.com", "secret", NULL), DCI_OK);
    long hits = 0;
    pthread_t exp, t[THREADS];
    pthread_create(&exp, NULL, expirer, &hits);
    for (int i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, worker, (void *)(size_t)i);
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    atomic_store(&stop, true);
    pthread_join(exp, NULL);
    /* One more request consumes a last expiry that no worker saw. */
    dci_response *r = NULL;
    CHECK_STATUS(dci_client_request(shared, "GET", "dci/v3/server/1", NULL, &r), DCI_OK);
    dci_response_free(r);
    CHECK(atomic_load(&failures) == 0);
    CHECK(hits > 0);
    CHECK(stat_field(shared, "logins") == 1 + hits);
    CHECK(stat_field(shared, "requests") >= (long)THREADS * REQUESTS + 2 * hits);
    dci_client_free(shared);
    printf("load_threads: %d passed, %d failed (%ld expiries)\n", checks_passed, checks_failed, hits);
    return checks_failed == 0 ? 0 : 1;
}
