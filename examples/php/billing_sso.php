<?php

/**
 * Single sign-on from a billing system, the way DCImanager 6 documents it: the billing
 * system logs in as an admin, creates a key for its customer and redirects the customer to
 * /auth/key-v4/<key>; the customer's browser (here: a second client) then has a session.
 *
 *     php examples/php/billing_sso.php https://dci.example.com [ca.pem]
 *
 * Against the emulator: scripts/with-emulator.sh php examples/php/billing_sso.php
 * (DCI_URL and DCI_CA come from the environment).
 */

declare(strict_types=1);

require __DIR__ . '/../../bindings/php/autoload.php'; // or Composer's vendor/autoload.php

use DciManager\Client;
use DciManager\Exception\DciException;

$base = $argv[1] ?? getenv('DCI_URL') ?: null;
$ca = $argv[2] ?? getenv('DCI_CA') ?: null;
if ($base === null) {
    fwrite(STDERR, "usage: php billing_sso.php BASE_URL [CA_FILE]\n");
    exit(2);
}
$customerEmail = 'client@example.com';

try {
    printf("dcimanager %s -> %s\n", Client::version(), $base);

    // 1. The billing system's own session, as an admin. The LoginInfo holds the token too,
    //    hidden from var_dump()/print_r(): it is safe to log the object.
    $admin = new Client($base, ['ca_file' => $ca]);
    $login = $admin->login('admin@example.com', 'secret');
    printf("%-30s %s (user #%s)\n", '1. admin login', $admin->whoami()['email'], $login->getId());

    // 2. The customer's servers, every page, filtered with a quoted `where` literal.
    $where = 'owner_email EQ ' . Client::quote($customerEmail);
    $count = 0;
    foreach ($admin->paginate('dci/v3/server', $where, 'id asc', 100) as $server) {
        $count++;
    }
    printf("%-30s %d servers of %s\n", '2. customer inventory', $count, $customerEmail);

    // 3. A key for the customer (valid for an hour) and the link to redirect them to.
    $key = $admin->createKey($customerEmail);
    $link = $admin->keyLoginUrl($key);
    printf("%-30s key #%s, %s/auth/key-v4/…\n", '3. login link for the customer', $key->getId(), $base);
    // In a web application: header('Location: ' . $link, true, 302);

    // 4. The customer's side: the key opens a session of their own.
    $customer = new Client($base, ['ca_file' => $ca]);
    $customer->loginWithKey($key);
    $me = $customer->whoami();
    printf("%-30s %s (%s), roles %s\n", '4. customer session', $me['email'], $me['full_name'] ?? '', implode(',', $me['roles'] ?? []));
    $servers = $customer->get('dci/v3/server', ['limit' => '0,3', 'orderby' => 'id asc']) ?? ['list' => []];
    printf("%-30s %s\n", '5. customer servers', implode(', ', array_map(
        static fn (array $s): string => "#{$s['id']} {$s['domain']}",
        $servers['list']
    )));

    // 6. Both sessions end.
    $customer->logout();
    $admin->logout();
    printf("%-30s ok\n", '6. logout');
} catch (DciException $e) {
    // Decide on the facts (kind, phase, request sent, status), never on the message.
    fprintf(
        STDERR,
        "%s (%s, phase %s, HTTP %d, %d attempts): %s\n",
        get_class($e),
        $e->getKind(),
        $e->getPhase() ?? 'none',
        $e->getHttpStatus(),
        $e->getAttempts(),
        $e->getMessage()
    );
    exit(1);
}
