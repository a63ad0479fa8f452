<?php

declare(strict_types=1);

namespace DciManager\Tests;

use DciManager\Client;
use DciManager\Exception\ApiException;
use DciManager\Exception\DciException;
use DciManager\Exception\InterruptedException;
use DciManager\Exception\InvalidArgumentException;
use DciManager\Exception\UnauthorizedException;

/** A PSR-3-shaped logger that keeps its records. */
final class EventLogger
{
    /** @var list<array{0: string, 1: string, 2: array<string, mixed>}> */
    public array $records = [];

    /** @param array<string, mixed> $context */
    public function log(string $level, string $message, array $context = []): void
    {
        $this->records[] = [$level, $message, $context];
    }

    /** @return list<string> the events' names, in order */
    public function events(): array
    {
        return array_map(static fn (array $r): string => (string) ($r[2]['event'] ?? ''), $this->records);
    }
}

/** A PSR-3-shaped logger that hands each record to a function. */
final class FunctionLogger
{
    /** @var \Closure(string, string, array<string, mixed>): void */
    public \Closure $then;

    /** @param \Closure(string, string, array<string, mixed>): void $then */
    public function __construct(\Closure $then)
    {
        $this->then = $then;
    }

    /** @param array<string, mixed> $context */
    public function log(string $level, string $message, array $context = []): void
    {
        ($this->then)($level, $message, $context);
    }
}

/**
 * Issue #19 (PHP): errors that name their request (getMethod(), getUrl(), the message's
 * start), facts that belong to their own failure, calls interrupted by
 * {@see Client::interrupt()} from a pcntl signal handler (run by the client's interrupt check
 * while the call waits), and the "insecure" warning of an unpinned `verify => false` client.
 */
final class FailuresTest extends EmulatorTestCase
{
    /** @var array<int, mixed> signal => the handler before the test */
    private array $savedHandlers = [];

    private bool $savedAsync = false;

    protected function setUp(): void
    {
        parent::setUp();
        if (!\extension_loaded('pcntl') || !\extension_loaded('posix')) {
            return; // the signal tests skip themselves
        }
        $this->savedAsync = pcntl_async_signals();
        foreach ([SIGALRM, SIGUSR1] as $signal) {
            $this->savedHandlers[$signal] = pcntl_signal_get_handler($signal);
        }
    }

    protected function tearDown(): void
    {
        if ($this->savedHandlers !== []) {
            pcntl_alarm(0);
            foreach ($this->savedHandlers as $signal => $handler) {
                pcntl_signal($signal, $handler);
            }
            pcntl_async_signals($this->savedAsync);
        }
        parent::tearDown();
    }

    public function testAnApiErrorNamesItsRequest(): void
    {
        $c = $this->admin();
        try {
            $c->get('dci/v3/server/999999');
            self::fail('no exception');
        } catch (ApiException $e) {
            self::assertSame('GET', $e->getMethod());
            self::assertSame($this->emu->url . '/api/dci/v3/server/999999', $e->getUrl());
            self::assertStringStartsWith('GET /api/dci/v3/server/999999: ', $e->getMessage());
            self::assertSame(3080, $e->getApiCode());
        }
        // The query is in the URL, the session token redacted from it (and from the message).
        $token = (string) $c->getToken();
        try {
            $c->delete('dci/v3/server/999999', ['where' => 'id EQ 1', 't' => $token]);
            self::fail('no exception');
        } catch (ApiException $e) {
            $target = '/api/dci/v3/server/999999?where=id%20EQ%201&t=[redacted]';
            self::assertSame('DELETE', $e->getMethod());
            self::assertSame($this->emu->url . $target, $e->getUrl());
            self::assertStringStartsWith("DELETE $target: ", $e->getMessage());
            self::assertStringNotContainsString($token, $e->getMessage() . $e->getUrl() . print_r($e, true));
        }
        // A login refused: a POST, the password nowhere.
        try {
            $this->client()->login('admin@example.com', 'wr0ng-Pa55');
            self::fail('no exception');
        } catch (UnauthorizedException $e) {
            self::assertSame('POST', $e->getMethod());
            self::assertSame($this->emu->url . '/api/auth/v4/public/token', $e->getUrl());
            self::assertStringStartsWith('POST /api/auth/v4/public/token: ', $e->getMessage());
            self::assertStringNotContainsString('wr0ng-Pa55', $e->getMessage() . print_r($e, true));
        }
        // An error answer kept as a Response carries the same facts.
        $error = $c->request('GET', 'dci/v3/server/999999')->getError();
        self::assertInstanceOf(ApiException::class, $error);
        self::assertSame('GET', $error->getMethod());
        self::assertSame($this->emu->url . '/api/dci/v3/server/999999', $error->getUrl());
    }

    /**
     * The library keeps the last error as errno does (a successful call leaves it): errors
     * without a request must not show the facts of an earlier one.
     */
    public function testErrorsWithoutARequestHaveNoMethodOrUrl(): void
    {
        $c = $this->admin();
        try {
            $c->get('dci/v3/server/999999');
            self::fail('no exception');
        } catch (ApiException $e) {
            self::assertSame('GET', $e->getMethod());
        }
        self::assertSame(2, $c->get('dci/v3/server/2')['id']);
        $refusals = [
            'a setter of the library' => fn () => $c->setToken("bad token\r\n"),
            'a NUL byte, found in PHP' => fn () => $c->get("dci/v3/server/2\0"),
            'an option, found in PHP' => fn () => $this->client(['timeout' => -1]),
            'a base URL the library refuses' => fn () => new Client('dci.example.com'),
        ];
        foreach ($refusals as $what => $call) {
            try {
                $call();
                self::fail("$what: no exception");
            } catch (InvalidArgumentException $e) {
                self::assertNull($e->getMethod(), $what);
                self::assertNull($e->getUrl(), $what);
                self::assertSame(0, $e->getHttpStatus(), $what);
                self::assertStringStartsWith('invalid argument: ', $e->getMessage(), $what);
            }
        }
    }

    public function testAPcntlHandlerInterruptsACall(): void
    {
        $this->requirePcntl();
        $c = $this->admin();
        $handled = null;
        pcntl_async_signals(true);
        pcntl_signal(SIGALRM, static function () use ($c, &$handled): void {
            $handled = microtime(true);
            $c->interrupt();
        });
        $this->emu->fault(['kind' => 'delay', 'delay_ms' => 3000, 'count' => 1, 'path' => 'server/2']);
        $start = microtime(true);
        pcntl_alarm(1);
        try {
            $c->get('dci/v3/server/2');
            self::fail('no exception');
        } catch (InterruptedException $e) {
            $end = microtime(true);
            self::assertLessThan(1.5, $end - $start, 'interrupted after about 1 s, not 3 s');
            self::assertNotNull($handled, 'the handler ran during the call');
            self::assertLessThan(0.2, $end - $handled, 'the call stopped right after the handler');
            self::assertSame('interrupted', $e->getKind());
            self::assertSame('DCI_ERROR_INTERRUPTED', $e->getStatusName());
            self::assertSame(11, $e->getCode());
            self::assertSame('wait', $e->getPhase());
            self::assertTrue($e->isRequestSent());
            self::assertSame('GET', $e->getMethod());
            self::assertSame($this->emu->url . '/api/dci/v3/server/2', $e->getUrl());
            self::assertStringStartsWith('GET /api/dci/v3/server/2: ', $e->getMessage());
        }
        // The client stays usable, and the interrupt does not reach later calls.
        self::assertSame(2, $c->get('dci/v3/server/2')['id']);
        self::assertSame('admin@example.com', $c->whoami()['email']);
    }

    /** A signal from another process (SIGUSR1 300 ms in), during a POST's wait. */
    public function testASignalFromOutsideInterruptsAPost(): void
    {
        $this->requirePcntl();
        $c = $this->admin();
        pcntl_async_signals(true);
        pcntl_signal(SIGUSR1, static function () use ($c): void {
            $c->interrupt();
        });
        $this->emu->fault(['kind' => 'delay', 'delay_ms' => 3000, 'count' => 1, 'path' => 'power_reset']);
        $start = microtime(true);
        $killer = self::signalLater(SIGUSR1, 0.3);
        try {
            $c->post('dci/v3/server/2/power_reset');
            self::fail('no exception');
        } catch (InterruptedException $e) {
            self::assertLessThan(1.0, microtime(true) - $start);
            self::assertSame('POST', $e->getMethod());
        } finally {
            proc_close($killer);
        }
        self::assertSame(2, $c->post('dci/v3/server/2/power_reset')['id']);
    }

    /** What a handler throws comes out of the call, which it stops. */
    public function testAHandlerThatThrowsStopsTheCallWithItsException(): void
    {
        $this->requirePcntl();
        $c = $this->admin();
        pcntl_async_signals(true);
        pcntl_signal(SIGUSR1, static function (): void {
            throw new \DomainException('shutting down');
        });
        $this->emu->fault(['kind' => 'delay', 'delay_ms' => 3000, 'count' => 1, 'path' => 'whoami']);
        $start = microtime(true);
        $killer = self::signalLater(SIGUSR1, 0.3);
        try {
            $c->whoami();
            self::fail('no exception');
        } catch (\DomainException $e) {
            self::assertSame('shutting down', $e->getMessage());
            self::assertLessThan(1.0, microtime(true) - $start);
        } finally {
            proc_close($killer);
        }
        self::assertSame('admin@example.com', $c->whoami()['email'], 'nothing left pending');
        self::assertSame(2, $c->get('dci/v3/server/2')['id']);
    }

    /** A handler must not call into the client whose call it runs during; others are fine. */
    public function testAHandlerCannotUseTheClientItRunsDuring(): void
    {
        $this->requirePcntl();
        $c = $this->admin();
        $other = $this->admin();
        $seen = null;
        pcntl_async_signals(true);
        pcntl_signal(SIGUSR1, static function () use ($c, $other, &$seen): void {
            $seen = $other->get('dci/v3/server/3')['id'];
            $c->logout();
        });
        $this->emu->fault(['kind' => 'delay', 'delay_ms' => 3000, 'count' => 1, 'path' => 'server/2']);
        $killer = self::signalLater(SIGUSR1, 0.3);
        try {
            $c->get('dci/v3/server/2');
            self::fail('no exception');
        } catch (\LogicException $e) {
            self::assertStringContainsString('interrupt()', $e->getMessage());
        } finally {
            proc_close($killer);
        }
        self::assertSame(3, $seen);
        self::assertNotNull($c->getToken(), 'the logout did not happen');
        self::assertSame(2, $c->get('dci/v3/server/2')['id']);
    }

    /**
     * Without async signals, handlers run where the application dispatches them, never in
     * the middle of a call.
     */
    public function testWithoutAsyncSignalsHandlersWaitForTheApplication(): void
    {
        $this->requirePcntl();
        $c = $this->admin();
        $ran = false;
        pcntl_async_signals(false);
        pcntl_signal(SIGUSR1, static function () use ($c, &$ran): void {
            $ran = true;
            $c->interrupt();
        });
        $this->emu->fault(['kind' => 'delay', 'delay_ms' => 1000, 'count' => 1, 'path' => 'server/2']);
        $killer = self::signalLater(SIGUSR1, 0.3);
        try {
            self::assertSame(2, $c->get('dci/v3/server/2')['id'], 'not interrupted');
        } finally {
            proc_close($killer);
        }
        self::assertFalse($ran);
        pcntl_signal_dispatch();
        self::assertTrue($ran);
        self::assertSame(2, $c->get('dci/v3/server/2')['id'], 'an interrupt between calls stops none');
    }

    /**
     * One interrupt check and one log callback for every client: PHP FFI keeps each callback
     * it makes (and what its closure holds) until the end of the request.
     */
    public function testClientsDoNotAccumulateCallbacksOrKeepTheirLoggers(): void
    {
        $this->requirePcntl();
        for ($i = 0; $i < 50; $i++) { // warm-up
            new Client($this->emu->url, ['logger' => new EventLogger()]);
        }
        $before = memory_get_usage();
        $logger = null;
        for ($i = 0; $i < 1000; $i++) {
            $logger = new EventLogger();
            $c = new Client($this->emu->url, ['logger' => $logger]);
            $c->interrupt();
        }
        $last = \WeakReference::create($logger);
        unset($c, $logger);
        // A callback made per client would keep ~1 KB each (its trampoline and closure).
        self::assertLessThan(64 * 1024, memory_get_usage() - $before);
        self::assertNull($last->get(), 'a destroyed client keeps no logger alive');
    }

    /**
     * A logger runs during the call: it may interrupt it (here at the first retry, whose
     * Retry-After would wait 5 s), but not use the client otherwise.
     */
    public function testALoggerMayInterruptTheCallButNotUseTheClient(): void
    {
        $c = null;
        $refused = null;
        $logger = new FunctionLogger(static function (string $level, string $message, array $context) use (&$c, &$refused): void {
            if (($context['event'] ?? '') === 'retry') {
                try {
                    $c->whoami();
                } catch (\LogicException $e) {
                    $refused = $e;
                }
                $c->interrupt();
            }
        });
        $c = $this->admin(['logger' => $logger]);
        $this->emu->fault(['kind' => '503', 'retry_after' => 5, 'count' => 1, 'path' => 'server/2']);
        $start = microtime(true);
        try {
            $c->get('dci/v3/server/2');
            self::fail('no exception');
        } catch (InterruptedException $e) {
            self::assertLessThan(1.0, microtime(true) - $start, 'not after the 5 s Retry-After');
            self::assertSame(1, $e->getAttempts());
        }
        self::assertInstanceOf(\LogicException::class, $refused);
        self::assertSame(2, $c->get('dci/v3/server/2')['id']);

        // The logger holds the client, the client its logger: PHP's collector frees both.
        $client = \WeakReference::create($c);
        unset($c, $logger);
        gc_collect_cycles();
        self::assertNull($client->get());
    }

    public function testAnInsecureClientWarnsOnceAndAPinnedOneDoesNot(): void
    {
        $log = new EventLogger();
        $insecure = new Client($this->emu->url, ['verify' => false, 'logger' => $log]);
        $insecure->login('admin@example.com', 'secret');
        self::assertSame(2, $insecure->get('dci/v3/server/2')['id']);
        $insecure->get('dci/v3/server/3');
        $warnings = array_values(array_filter($log->records, static fn (array $r): bool => ($r[2]['event'] ?? '') === 'insecure'));
        self::assertCount(1, $warnings, 'once per client');
        self::assertSame('warning', $warnings[0][0]);
        self::assertStringNotContainsString((string) $insecure->getToken(), json_encode($log->records, JSON_THROW_ON_ERROR));

        // Each client says it once.
        $second = new Client($this->emu->url, ['verify' => false, 'logger' => $log]);
        $second->login('admin@example.com', 'secret');
        self::assertSame(['insecure', 'insecure'], array_values(array_filter($log->events(), static fn (string $e): bool => $e === 'insecure')));

        // A pinned key, or verification on: not a word.
        $quiet = new EventLogger();
        $pinned = new Client($this->emu->url, [
            'verify' => false,
            'pinned_pubkey' => Client::serverPin($this->emu->url),
            'logger' => $quiet,
            'log_level' => 'debug',
        ]);
        $pinned->login('admin@example.com', 'secret');
        self::assertSame(2, $pinned->get('dci/v3/server/2')['id']);
        $verified = $this->client(['logger' => $quiet, 'log_level' => 'debug']);
        $verified->login('admin@example.com', 'secret');
        self::assertNotContains('insecure', $quiet->events());
        self::assertContains('request', $quiet->events(), 'the logger was in use');
    }

    private function requirePcntl(): void
    {
        if ($this->savedHandlers === []) {
            self::markTestSkipped('the pcntl and posix extensions are needed');
        }
    }

    /**
     * Sends this process a signal after some seconds, from a child process.
     *
     * @return resource the child (proc_close() it)
     */
    private static function signalLater(int $signal, float $seconds)
    {
        $cmd = ['sh', '-c', sprintf('sleep %.3f && kill -%d %d', $seconds, $signal, posix_getpid())];
        $proc = proc_open($cmd, [0 => ['file', '/dev/null', 'r'], 1 => ['file', '/dev/null', 'w'], 2 => ['file', '/dev/null', 'w']], $pipes);
        if (!is_resource($proc)) {
            throw new \RuntimeException('cannot start the signalling process');
        }

        return $proc;
    }
}
