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

    // 1. The billing system's own session, as an admin.
    $admin = new Client($base, ['ca_file' => $ca]);
    $admin->login('admin@example.com', 'secret');
    printf("%-30s %s\n", '1. admin login', $admin->whoami()['email']);

    // 2. A key for the customer (valid for an hour) and the link to redirect them to.
    $key = $admin->createKey($customerEmail);
    $link = $admin->keyLoginUrl($key);
    printf("%-30s %s\n", '2. login link for the customer', $link);
    // In a web application: header('Location: ' . $link, true, 302);

    // 3. The customer's side: the key opens a session of their own.
    $customer = new Client($base, ['ca_file' => $ca]);
    $customer->loginWithKey($key);
    $me = $customer->whoami();
    printf("%-30s %s (%s), roles %s\n", '3. customer session', $me['email'], $me['full_name'] ?? '', implode(',', $me['roles'] ?? []));
    $servers = $customer->get('dci/v3/server', ['limit' => '0,3', 'orderby' => 'id asc']);
    printf("%-30s %s\n", '4. customer servers', implode(', ', array_map(
        static fn (array $s): string => "#{$s['id']} {$s['domain']}",
        $servers['list']
    )));

    // 5. Both sessions end.
    $customer->logout();
    $admin->logout();
    printf("%-30s ok\n", '5. logout');
} catch (DciException $e) {
    fprintf(STDERR, "%s: %s\n", get_class($e), $e->getMessage());
    exit(1);
}
