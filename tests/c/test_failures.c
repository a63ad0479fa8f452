/* Failures through the C ABI, against the emulator named by $DCI_URL: errors that name their
 * request (dci_last_error_method/url), the errno-like last error, calls interrupted from
 * another thread, from a signal handler and by an interrupt check, and facts that agree
 * with the words. */
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static dci_client *shared; /* the client the thread and the signal handler interrupt */
static volatile double interrupted_at;

static void *interrupt_later(void *unused) {
    (void)unused;
    struct timespec pause = {0, 300 * 1000 * 1000};
    nanosleep(&pause, NULL);
    interrupted_at = now_ms();
    dci_client_interrupt(shared);
    return NULL;
}

static void on_alarm(int sig) {
    (void)sig;
    interrupted_at = now_ms();
    dci_client_interrupt(shared); /* async-signal-safe */
}

static int insecure_events = 0;
static void count_insecure(void *user, dci_log_level level, const char *event, const char *message,
                           const char *fields) {
    (void)user;
    (void)message;
    (void)fields;
    if (level == DCI_LOG_WARNING && strcmp(event, "insecure") == 0) insecure_events++;
}

static int checks_asked = 0;
static int stop_after_three(void *user) {
    int *n = user;
    return ++*n >= 3;
}

int main(void) {
    dci_client *c = test_client();
    CHECK_STATUS(dci_client_login(c, "admin@example.com", "secret", NULL), DCI_OK);
    dci_response *r = NULL;

    /* The request is named, in the message and as facts. */
    CHECK_STATUS(dci_client_request(c, "GET", "dci/v3/server/999999?x=1", NULL, &r), DCI_ERROR_API);
    CHECK(strcmp(dci_last_error_method(), "GET") == 0);
    char want[512];
    snprintf(want, sizeof want, "%s/api/dci/v3/server/999999?x=1", env_or_die("DCI_URL"));
    CHECK(strcmp(dci_last_error_url(), want) == 0);
    const char *prefix = "GET /api/dci/v3/server/999999?x=1: API error 3080 (HTTP 404): ";
    CHECK(strncmp(dci_last_error_message(), prefix, strlen(prefix)) == 0);

    /* errno-like: successful calls and getters keep the facts of the last failure. */
    uint64_t relogins = 99;
    CHECK_STATUS(dci_client_relogin_count(c, &relogins), DCI_OK);
    CHECK(relogins == 0);
    char *me = NULL;
    CHECK_STATUS(dci_client_whoami(c, &me), DCI_OK);
    dci_string_free(me);
    CHECK(dci_last_error_api_code() == 3080 && dci_last_error_http_status() == 404);
    CHECK(strcmp(dci_last_error_method(), "GET") == 0);
    dci_last_error_clear();
    CHECK(dci_last_error_api_code() == 0 && strcmp(dci_last_error_url(), "") == 0);

    /* Interrupted from another thread while waiting for a delayed answer; a POST. */
    shared = c;
    control(c, "POST", "/emulator/faults", "{\"kind\":\"delay\",\"delay_ms\":3000,\"count\":1,\"path\":\"power_reset\"}");
    pthread_t t;
    pthread_create(&t, NULL, interrupt_later, NULL);
    CHECK_STATUS(dci_client_request(c, "POST", "dci/v3/server/2/power_reset", NULL, &r), DCI_ERROR_INTERRUPTED);
    double took = now_ms() - interrupted_at;
    pthread_join(t, NULL);
    CHECK(took < 200);
    CHECK(dci_last_error_phase() == DCI_PHASE_WAIT && dci_last_error_request_sent());
    CHECK(strcmp(dci_last_error_method(), "POST") == 0);
    /* The client stays usable. */
    CHECK_STATUS(dci_client_whoami(c, &me), DCI_OK);
    dci_string_free(me);

    /* From a signal handler, during a retry's Retry-After wait. */
    control(c, "POST", "/emulator/faults", "{\"kind\":\"503\",\"retry_after\":5,\"count\":1,\"path\":\"whoami\"}");
    struct sigaction sa = {0};
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    alarm(1);
    me = NULL;
    CHECK_STATUS(dci_client_whoami(c, &me), DCI_ERROR_INTERRUPTED);
    CHECK(now_ms() - interrupted_at < 200);
    CHECK(me == NULL);

    /* An interrupt check: asked only while the call waits, then it stops the call. */
    CHECK_STATUS(dci_client_set_interrupt_check(c, stop_after_three, &checks_asked), DCI_OK);
    CHECK_STATUS(dci_client_whoami(c, &me), DCI_OK);
    dci_string_free(me);
    CHECK(checks_asked == 0);
    control(c, "POST", "/emulator/faults", "{\"kind\":\"delay\",\"delay_ms\":2000,\"count\":1,\"path\":\"whoami\"}");
    double t0 = now_ms();
    CHECK_STATUS(dci_client_whoami(c, &me), DCI_ERROR_INTERRUPTED);
    CHECK(now_ms() - t0 < 800 && checks_asked == 3);
    CHECK_STATUS(dci_client_set_interrupt_check(c, NULL, NULL), DCI_OK);
    dci_client_free(c);

    /* Exact redaction: a two-letter password leaves the platform's words whole. */
    c = test_client();
    CHECK_STATUS(dci_client_login(c, "admin@example.com", "secret", NULL), DCI_OK);
    CHECK_STATUS(dci_client_set_credentials(c, "admin@example.com", "in"), DCI_OK);
    control(c, "POST", "/emulator/faults",
            "{\"kind\":\"api_error\",\"status\":404,\"code\":3080,\"msg\":\"instance not found\",\"count\":1,\"path\":\"server/1\"}");
    CHECK_STATUS(dci_client_request(c, "GET", "dci/v3/server/1", NULL, &r), DCI_ERROR_API);
    CHECK(strcmp(dci_last_error_api_msg(), "instance not found") == 0);
    control(c, "POST", "/emulator/faults",
            "{\"kind\":\"api_error\",\"status\":400,\"msg\":\"password in is too short\",\"count\":1,\"path\":\"server/1\"}");
    CHECK_STATUS(dci_client_request(c, "GET", "dci/v3/server/1", NULL, &r), DCI_ERROR_API);
    CHECK(strcmp(dci_last_error_api_msg(), "password [redacted] is too short") == 0);
    dci_client_free(c);

    /* Verification off: one warning event per client. */
    c = dci_client_new(env_or_die("DCI_URL"));
    CHECK_STATUS(dci_client_set_log_callback(c, DCI_LOG_WARNING, count_insecure, NULL), DCI_OK);
    CHECK_STATUS(dci_client_set_verify_tls(c, false), DCI_OK);
    CHECK_STATUS(dci_client_login(c, "admin@example.com", "secret", NULL), DCI_OK);
    CHECK_STATUS(dci_client_whoami(c, &me), DCI_OK);
    dci_string_free(me);
    CHECK(insecure_events == 1);
    dci_client_free(c);

    /* A refused connection: attempts count the connection attempts, none sent; a
     * one-letter password leaves the library's words whole. */
    dci_client *refused = dci_client_new("http://127.0.0.1:9");
    CHECK_STATUS(dci_client_set_credentials(refused, "admin@example.com", "c"), DCI_OK);
    CHECK_STATUS(dci_client_whoami(refused, &me), DCI_ERROR_CONNECT);
    CHECK(strstr(dci_last_error_message(), "Connection refused") != NULL);
    dci_client_free(refused);

    /* A refused connection: attempts count the connection attempts, none sent. */
    dci_client *dead = dci_client_new("http://127.0.0.1:9");
    CHECK_STATUS(dci_client_set_retry(dead, 2, 0.0), DCI_OK);
    CHECK_STATUS(dci_client_whoami(dead, &me), DCI_ERROR_CONNECT);
    CHECK(dci_last_error_attempts() == 3 && !dci_last_error_request_sent());
    CHECK(strstr(dci_last_error_message(), "(after 3 attempts)") != NULL);
    dci_client_free(dead);
    return check_summary("test_failures");
}
