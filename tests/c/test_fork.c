/* A client used before fork() works in the child on a new connection (PHP-FPM workers are
 * forked from a master), and the parent's own connection is not disturbed. */
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static int get_ok(dci_client *c) {
    dci_response *r = NULL;
    int ok = dci_client_request(c, "GET", "dci/v3/server/2", NULL, &r) == DCI_OK && dci_response_status(r) == 200;
    dci_response_free(r);
    return ok;
}

int main(void) {
    dci_client *ctl = test_client();
    dci_client *c = test_client();
    CHECK_STATUS(dci_client_login(c, "admin@example.com", "secret", NULL), DCI_OK);
    CHECK(get_ok(c));
    long before = stat_field(ctl, "connections");

    pid_t pid = fork();
    if (pid == 0) {
        /* The child: the inherited client works, on its own new connection. */
        int ok = get_ok(c) && get_ok(c);
        dci_client_free(c);
        dci_client_free(ctl);
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* The child opened exactly one new connection; the parent's still works. */
    CHECK(stat_field(ctl, "connections") == before + 1);
    CHECK(get_ok(c));
    CHECK(get_ok(c));
    CHECK(stat_field(ctl, "connections") == before + 1);
    dci_client_free(c);
    dci_client_free(ctl);
    return check_summary("test_fork");
}
