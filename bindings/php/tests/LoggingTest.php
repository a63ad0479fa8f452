<?php

declare(strict_types=1);

namespace DciManager\Tests;

use DciManager\Exception\DciException;

/** A PSR-3-shaped logger (no psr/log dependency): it keeps what it is given. */
final class ListLogger
{
    /** @var list<array{0: string, 1: string, 2: array<string, mixed>}> */
    public array $records = [];

    /** @param array<string, mixed> $context */
    public function log(string $level, string $message, array $context = []): void
    {
        $this->records[] = [$level, $message, $context];
    }

    /** @return list<string> */
    public function events(): array
    {
        return array_map(static fn (array $r): string => (string) ($r[2]['event'] ?? ''), $this->records);
    }
}

/** A logger that fails: the call must not. */
final class ThrowingLogger
{
    /** @param array<string, mixed> $context */
    public function log(string $level, string $message, array $context = []): void
    {
        throw new \RuntimeException('logger broken');
    }
}

/**
 * Issue #13 (PHP): the client's events through a PSR-3-shaped `logger` option — levels, facts
 * as context, no secret in any record, and a logger that throws breaks nothing.
 */
final class LoggingTest extends EmulatorTestCase
{
    public function testASuspensionIsLoggedAsRetriesAtInfo(): void
    {
        $log = new ListLogger();
        $c = $this->admin(['logger' => $log]);
        $this->emu->fault(['kind' => '503', 'count' => 3]);
        self::assertSame(2, $c->get('dci/v3/server/2')['id']);
        self::assertSame(['retry', 'retry', 'retry'], $log->events());
        self::assertSame(['info', 'info', 'info'], array_column($log->records, 0));
        self::assertSame([0, 20, 40], array_map(static fn (array $r) => $r[2]['wait_ms'], $log->records));
        self::assertSame(503, $log->records[0][2]['status']);
        self::assertStringContainsString('GET /api/dci/v3/server/2: HTTP 503; retry 1 of 10', $log->records[0][1]);
    }

    public function testGivingUpIsAWarningAndDebugShowsRequests(): void
    {
        $log = new ListLogger();
        $c = $this->admin(['logger' => $log, 'log_level' => 'debug', 'retries' => 1, 'backoff_factor' => 0]);
        $log->records = []; // the login's own events
        $this->emu->fault(['kind' => '503', 'count' => 5]);
        try {
            $c->get('dci/v3/server/2');
            self::fail('no exception');
        } catch (DciException $e) {
            self::assertSame('retries_exhausted', $e->getKind());
        }
        self::assertSame(['request', 'connection', 'retry', 'request', 'connection', 'give_up'], $log->events());
        self::assertSame('warning', $log->records[5][0]);
        self::assertSame(2, $log->records[5][2]['attempts']);
        self::assertSame('debug', $log->records[0][0]);
    }

    public function testNoSecretInAnyRecord(): void
    {
        $log = new ListLogger();
        $c = $this->client(['logger' => $log, 'log_level' => 'debug']);
        foreach (['unauthorized', 'redirect', 'html502', 'bad_json'] as $form) {
            $this->emu->fault(['kind' => 'echo', 'as' => $form]);
            try {
                $c->login('admin@example.com', 'pa55-W0rd-q7Zx!');
            } catch (DciException $e) {
            }
        }
        $c->login('admin@example.com', 'secret');
        $token = (string) $c->getToken();
        $c->logout();
        $all = json_encode($log->records, JSON_UNESCAPED_SLASHES);
        self::assertIsString($all);
        self::assertNotSame([], $log->records);
        foreach (['pa55-W0rd-q7Zx!', $token, '"secret"'] as $secret) {
            self::assertStringNotContainsString($secret, $all);
        }
        self::assertStringContainsString('/api/auth/v4/token/[redacted]', $all);
    }

    public function testALoggerThatThrowsBreaksNothing(): void
    {
        $c = $this->admin(['logger' => new ThrowingLogger(), 'log_level' => 'debug']);
        $this->emu->fault(['kind' => '503', 'count' => 2]);
        self::assertSame(2, $c->get('dci/v3/server/2')['id']);
    }

    public function testTheOptionsAreChecked(): void
    {
        foreach ([['logger' => new \stdClass()], ['logger' => new ListLogger(), 'log_level' => 'loud']] as $bad) {
            try {
                $this->client($bad);
                self::fail('accepted ' . json_encode(array_keys($bad)));
            } catch (DciException $e) {
                self::assertSame('invalid_argument', $e->getKind());
            }
        }
    }
}
