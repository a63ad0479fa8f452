/* Batches through the C ABI, against the emulator named by $DCI_URL: answers in order, each
 * failure apart with its own facts, at once (not one after another), the responses moved out
 * and freed, bad arguments refused. */
#include "check.h"

int main(void) {
    dci_client *c = test_client();
    CHECK_STATUS(dci_client_login(c, "admin@example.com", "secret", NULL), DCI_OK);
    enum { N = 12 };
    dci_request *reqs[N];
    char path[64];
    for (int i = 0; i < N; i++) {
        snprintf(path, sizeof path, "dci/v3/server/%d", i == 5 ? 999999 : i + 1);
        reqs[i] = dci_request_new("GET", path);
        CHECK(reqs[i] != NULL);
    }
    /* Every answer 300 ms late: twelve at once take one round, not twelve. */
    control(c, "POST", "/emulator/faults", "{\"kind\":\"delay\",\"delay_ms\":300,\"count\":12,\"path\":\"dci/v3/server/\"}");
    dci_batch *batch = NULL;
    double t0 = now_ms();
    CHECK_STATUS(dci_client_send_batch(c, (const dci_request *const *)reqs, N, 16, &batch), DCI_OK);
    CHECK(now_ms() - t0 < 1500);
    CHECK(dci_batch_len(batch) == N);
    for (int i = 0; i < N; i++) {
        dci_response *r = NULL;
        CHECK_STATUS(dci_batch_status(batch, i), DCI_OK);
        CHECK_STATUS(dci_batch_take_response(batch, i, &r), DCI_OK);
        if (i == 5) {
            CHECK_STATUS(dci_response_error(r), DCI_ERROR_API);
            CHECK(dci_last_error_api_code() == 3080);
            CHECK(strstr(dci_last_error_url(), "/server/999999") != NULL);
        } else {
            char want[32];
            snprintf(want, sizeof want, "\"id\":%d,", i + 1);
            CHECK(dci_response_status(r) == 200 && strstr(dci_response_body(r, NULL), want) != NULL);
        }
        dci_response_free(r);
    }
    /* Taken once; out of range refused. */
    dci_response *again = (dci_response *)0x1;
    CHECK_STATUS(dci_batch_take_response(batch, 0, &again), DCI_ERROR_INVALID_ARGUMENT);
    CHECK(again == (dci_response *)0x1);
    CHECK_STATUS(dci_batch_status(batch, N), DCI_ERROR_INVALID_ARGUMENT);
    dci_batch_free(batch);

    /* A failure without an answer keeps its facts per request: the budget runs out. */
    CHECK_STATUS(dci_client_set_timeout_ms(c, 600), DCI_OK);
    control(c, "POST", "/emulator/faults", "{\"kind\":\"delay\",\"delay_ms\":500,\"count\":4,\"path\":\"dci/v3/server/\"}");
    /* One at a time: the first answers at 500 ms, the second times out at 600 ms, the last
     * two cannot start. */
    CHECK_STATUS(dci_client_send_batch(c, (const dci_request *const *)reqs, 4, 1, &batch), DCI_OK);
    CHECK_STATUS(dci_batch_status(batch, 0), DCI_OK);
    CHECK_STATUS(dci_batch_status(batch, 1), DCI_ERROR_TIMEOUT);
    CHECK(dci_last_error_request_sent());
    CHECK_STATUS(dci_batch_status(batch, 3), DCI_ERROR_TIMEOUT);
    CHECK(!dci_last_error_request_sent() && dci_last_error_attempts() == 0);
    CHECK(strcmp(dci_last_error_method(), "GET") == 0 && strstr(dci_last_error_url(), "/server/4") != NULL);
    dci_response *none = NULL;
    CHECK_STATUS(dci_batch_take_response(batch, 3, &none), DCI_ERROR_TIMEOUT);
    CHECK(none == NULL);
    dci_batch_free(batch); /* frees the answers not taken */

    /* Arguments. */
    const dci_request *holes[2] = {reqs[0], NULL};
    batch = (dci_batch *)0x1;
    CHECK_STATUS(dci_client_send_batch(c, holes, 2, 1, &batch), DCI_ERROR_INVALID_ARGUMENT);
    CHECK(batch == (dci_batch *)0x1 && strcmp(dci_last_error_argument(), "requests") == 0);
    CHECK_STATUS(dci_client_send_batch(c, NULL, 1, 1, &batch), DCI_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(dci_client_send_batch(c, NULL, 0, 0, &batch), DCI_OK);
    CHECK(dci_batch_len(batch) == 0);
    dci_batch_free(batch);
    CHECK(dci_batch_len(NULL) == 0);
    dci_batch_free(NULL);

    for (int i = 0; i < N; i++) dci_request_free(reqs[i]);
    dci_client_free(c);
    return check_summary("test_batch");
}
