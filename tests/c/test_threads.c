/* One client shared by 8 pthreads while the session expires: every request succeeds and
 * exactly one re-login happens. */
#include <pthread.h>

#include "check.h"

#define THREADS 8
#define ROUNDS 50

static dci_client *shared;
static pthread_barrier_t start;
static int failures[THREADS];

static void *worker(void *arg) {
    int id = (int)(size_t)arg;
    char path[64];
    pthread_barrier_wait(&start);
    for (int i = 0; i < ROUNDS; i++) {
        dci_response *r = NULL;
        snprintf(path, sizeof path, "dci/v3/server/%d", id * ROUNDS + i + 1);
        if (dci_client_request(shared, "GET", path, NULL, &r) != DCI_OK || dci_response_status(r) != 200) {
            fprintf(stderr, "thread %d: %s\n", id, dci_last_error_message());
            failures[id]++;
        }
        dci_response_free(r);
    }
    return NULL;
}

int main(void) {
    shared = test_client();
    CHECK_STATUS(dci_client_login(shared, "admin@example.com", "secret", NULL), DCI_OK);
    CHECK(control(shared, "POST", "/emulator/expire_tokens", "{}") == 200);
    pthread_t t[THREADS];
    pthread_barrier_init(&start, NULL, THREADS);
    for (int i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, worker, (void *)(size_t)i);
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    pthread_barrier_destroy(&start);
    for (int i = 0; i < THREADS; i++) CHECK(failures[i] == 0);

    dci_response *r = NULL;
    CHECK_STATUS(dci_client_request(shared, "GET", "/emulator/stats", NULL, &r), DCI_OK);
    CHECK(strstr(dci_response_body(r, NULL), "\"logins\":2") != NULL);
    dci_response_free(r);
    dci_client_free(shared);
    return check_summary("test_threads");
}
