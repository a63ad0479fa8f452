/* The client's events through the C ABI: dci_set_log_callback (every client of the process)
 * and dci_client_set_log_callback (one client), their levels, names, messages and JSON facts;
 * no secret in any of them. Needs the emulator named by $DCI_URL/$DCI_CA. */
#include <pthread.h>

#include "check.h"

#define MAX_EVENTS 256

struct seen {
    pthread_mutex_t lock;
    int n;
    dci_log_level level[MAX_EVENTS];
    char text[MAX_EVENTS][512]; /* "event|message|fields" */
};

static void record(void *user_data, dci_log_level level, const char *event, const char *message,
                   const char *fields_json) {
    struct seen *s = user_data;
    pthread_mutex_lock(&s->lock);
    if (s->n < MAX_EVENTS) {
        s->level[s->n] = level;
        snprintf(s->text[s->n], sizeof s->text[0], "%s|%s|%s", event, message, fields_json);
        s->n++;
    }
    pthread_mutex_unlock(&s->lock);
}

static int count(struct seen *s, const char *needle) {
    int n = 0;
    for (int i = 0; i < s->n; i++) n += strstr(s->text[i], needle) != NULL;
    return n;
}

int main(void) {
    static struct seen global = {PTHREAD_MUTEX_INITIALIZER, 0, {0}, {{0}}};
    static struct seen mine = {PTHREAD_MUTEX_INITIALIZER, 0, {0}, {{0}}};
    dci_client *ctl = test_client();
    dci_client *c = test_client();
    CHECK_STATUS(dci_client_set_retry(c, 2, 0.01), DCI_OK);
    CHECK_STATUS(dci_client_login(c, "admin@example.com", "secret", NULL), DCI_OK);

    /* The process-wide callback from INFO up: a 503 burst shows as retries. */
    CHECK_STATUS(dci_set_log_callback(DCI_LOG_INFO, record, &global), DCI_OK);
    CHECK(control(ctl, "POST", "/emulator/faults", "{\"kind\":\"503\",\"count\":2}") == 200);
    dci_response *r = NULL;
    CHECK_STATUS(dci_client_request(c, "GET", "dci/v3/server/2", NULL, &r), DCI_OK);
    dci_response_free(r);
    CHECK(global.n == 2);
    CHECK(global.level[0] == DCI_LOG_INFO && strncmp(global.text[0], "retry|", 6) == 0);
    CHECK(strstr(global.text[0], "GET /api/dci/v3/server/2: HTTP 503; retry 1 of 2 in 0 ms") != NULL);
    CHECK(strstr(global.text[1], "\"wait_ms\":20") != NULL && strstr(global.text[1], "\"attempt\":2") != NULL);
    /* Beyond the retries: a warning. */
    CHECK(control(ctl, "POST", "/emulator/faults", "{\"kind\":\"503\",\"count\":5}") == 200);
    CHECK_STATUS(dci_client_request(c, "GET", "dci/v3/server/3", NULL, &r), DCI_ERROR_RETRIES_EXHAUSTED);
    CHECK(global.level[global.n - 1] == DCI_LOG_WARNING && count(&global, "give_up|") == 1);
    CHECK(strstr(global.text[global.n - 1], "gave up after 3 attempts (HTTP 503)") != NULL);
    /* A re-login after an expiry. */
    CHECK(control(ctl, "POST", "/emulator/expire_tokens", "{}") == 200);
    CHECK_STATUS(dci_client_request(c, "GET", "dci/v3/server/4", NULL, &r), DCI_OK);
    dci_response_free(r);
    CHECK(count(&global, "relogin|the session expired: logging in again|") == 1);
    /* Removed: nothing more. */
    int before = global.n;
    CHECK_STATUS(dci_set_log_callback(DCI_LOG_DEBUG, NULL, NULL), DCI_OK);
    CHECK(control(ctl, "POST", "/emulator/faults", "{\"kind\":\"503\",\"count\":1}") == 200);
    CHECK_STATUS(dci_client_request(c, "GET", "dci/v3/server/5", NULL, &r), DCI_OK);
    dci_response_free(r);
    CHECK(global.n == before);

    /* One client's callback from DEBUG up: requests and connections too; no secret. */
    dci_client *d = test_client();
    CHECK_STATUS(dci_client_set_log_callback(d, DCI_LOG_DEBUG, record, &mine), DCI_OK);
    CHECK_STATUS(dci_client_login(d, "admin@example.com", "secret", NULL), DCI_OK);
    char *token = NULL;
    CHECK_STATUS(dci_client_token(d, &token), DCI_OK);
    CHECK_STATUS(dci_client_request(d, "GET", "dci/v3/server/2", NULL, &r), DCI_OK);
    dci_response_free(r);
    CHECK(count(&mine, "request|GET /api/dci/v3/server/2 (attempt 1)|") == 1);
    CHECK(count(&mine, "\"reused\":true") >= 1 && count(&mine, "\"reused\":false") == 1);
    CHECK(mine.level[0] == DCI_LOG_DEBUG);
    const char *forms[] = {"unauthorized", "redirect", "html502", "bad_json"};
    for (int i = 0; i < 4; i++) {
        char fault[128];
        snprintf(fault, sizeof fault, "{\"kind\":\"echo\",\"as\":\"%s\"}", forms[i]);
        CHECK(control(ctl, "POST", "/emulator/faults", fault) == 200);
        CHECK(dci_client_login(d, "admin@example.com", "pa55-W0rd-q7Zx!", NULL) != DCI_OK);
    }
    CHECK_STATUS(dci_client_logout(d), DCI_OK);
    CHECK(count(&mine, "/api/auth/v4/token/[redacted]") >= 1);
    CHECK(count(&mine, token) == 0 && count(&mine, "pa55-W0rd") == 0 && count(&mine, "\"secret\"") == 0);
    CHECK(global.n == before); /* the other client's callback only */
    CHECK_STATUS(dci_client_set_log_callback(d, DCI_LOG_DEBUG, NULL, NULL), DCI_OK);
    CHECK_STATUS(dci_client_set_log_callback(NULL, DCI_LOG_DEBUG, record, &mine), DCI_ERROR_INVALID_ARGUMENT);
    dci_string_free(token);
    dci_client_free(d);
    dci_client_free(c);
    dci_client_free(ctl);
    return check_summary("test_logging");
}
