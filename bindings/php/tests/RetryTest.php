<?php

declare(strict_types=1);

namespace DciManager\Tests;

/**
 * 503 bursts while the platform wakes up, Retry-After, and the one re-login after a
 * session expires.
 */
final class RetryTest extends EmulatorTestCase
{
    public function testA503BurstWithinTheRetriesSucceeds(): void
    {
        $c = $this->admin();
        $this->emu->clearLog();
        $this->emu->suspend(5);
        $t = microtime(true);
        self::assertSame(2, $c->get('dci/v3/server/2')['id']);
        $took = microtime(true) - $t;
        // backoff 0.01 s: 0 + 0.01 + 0.02 + 0.04 + 0.08 = 0.15 s of waiting
        self::assertGreaterThanOrEqual(0.14, $took);
        self::assertLessThan(1.5, $took);
        $stats = $this->emu->stats();
        self::assertSame(6, $stats['requests']);
        self::assertSame(5, $stats['faults_served']);

        $this->emu->suspend(3);
        self::assertSame(['id' => 2, 'task' => 1], $c->post('dci/v3/server/2/power_reset'));
        self::assertSame(3, $this->emu->count('POST', '/power_reset') - 1);
    }

    public function testRetryAfterIsHonoured(): void
    {
        $c = $this->admin();
        $this->emu->fault(['kind' => '503', 'retry_after' => '1']);
        $t = microtime(true);
        self::assertSame(2, $c->get('dci/v3/server/2')['id']);
        $took = microtime(true) - $t;
        self::assertGreaterThanOrEqual(1.0, $took);
        self::assertLessThan(1.9, $took);
    }

    public function testOneReloginAfterTheSessionExpired(): void
    {
        $c = $this->admin();
        $old = $c->getToken();
        self::assertSame(1, $this->emu->expireTokens());
        self::assertSame(2, $c->get('dci/v3/server/2')['id']);
        self::assertNotSame($old, $c->getToken());
        self::assertSame(2, $this->emu->stats()['logins']);
        self::assertSame('admin@example.com', $c->whoami()['email']);
        self::assertSame(2, $this->emu->stats()['logins']);
    }

    public function testAKeySessionIsNotRenewed(): void
    {
        $admin = $this->admin();
        $customer = $this->client();
        $customer->loginWithKey($admin->createKey('client@example.com'));
        $this->emu->call('POST', '/emulator/expire_tokens', ['all' => true]);
        $this->expectException(\DciManager\Exception\UnauthorizedException::class);
        $customer->whoami();
    }
}
