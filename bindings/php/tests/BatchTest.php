<?php

declare(strict_types=1);

namespace DciManager\Tests;

use DciManager\Exception\ApiException;
use DciManager\Exception\DciException;
use DciManager\Exception\InterruptedException;
use DciManager\Exception\InvalidArgumentException;
use DciManager\Exception\TimeoutException;
use DciManager\Response;

/** A PSR-3-shaped logger that keeps the events' names. */
final class BatchLogger
{
    /** @var list<string> */
    public array $events = [];

    /** @param array<string, mixed> $context */
    public function log(string $level, string $message, array $context = []): void
    {
        $this->events[] = (string) ($context['event'] ?? '');
    }

    public function count(string $event): int
    {
        return count(array_keys($this->events, $event, true));
    }
}

/**
 * Issue #20 (PHP): batches — sendAll() and getAll() send at once and return each answer or
 * exception keyed as given, in order; one failure stays in its place; the batch's one time
 * budget; the client's logger off while the library's threads
 * run, and back after.
 */
final class BatchTest extends EmulatorTestCase
{
    /** @var array<int, mixed> signal => the handler before the test */
    private array $savedHandlers = [];

    private bool $savedAsync = false;

    protected function setUp(): void
    {
        parent::setUp();
        if (\extension_loaded('pcntl') && \extension_loaded('posix')) {
            $this->savedAsync = pcntl_async_signals();
            $this->savedHandlers[SIGUSR1] = pcntl_signal_get_handler(SIGUSR1);
        }
    }

    protected function tearDown(): void
    {
        foreach ($this->savedHandlers as $signal => $handler) {
            pcntl_signal($signal, $handler);
            pcntl_async_signals($this->savedAsync);
        }
        parent::tearDown();
    }

    public function testKeysAndOrderAreKeptWhateverFinishesFirst(): void
    {
        $c = $this->admin();
        // The first one answers last.
        $this->emu->fault(['kind' => 'delay', 'delay_ms' => 300, 'count' => 1, 'path' => 'dci/v3/server/7']);
        $paths = [7 => 'dci/v3/server/7', 'two' => 'dci/v3/server/2', 0 => 'dci/v3/server/10', 'x-3' => 'dci/v3/server/3'];
        $servers = $c->getAll($paths, 4);
        self::assertSame(array_keys($paths), array_keys($servers));
        self::assertSame([7, 2, 10, 3], array_map(static fn (array $s): int => $s['id'], array_values($servers)));
        self::assertSame('srv2.example.com', $servers['two']['domain']);

        // Int keys out of order, through sendAll: Responses in their places.
        $this->emu->fault(['kind' => 'delay', 'delay_ms' => 300, 'count' => 1, 'path' => 'dci/v3/server/5']);
        $results = $c->sendAll([10 => 'dci/v3/server/5', 3 => ['GET', 'dci/v3/server/4'], 8 => ['path' => 'dci/v3/server/6']]);
        self::assertSame([10, 3, 8], array_keys($results));
        foreach ([10 => 5, 3 => 4, 8 => 6] as $key => $id) {
            self::assertInstanceOf(Response::class, $results[$key]);
            self::assertSame(200, $results[$key]->getStatus());
            self::assertSame($id, $results[$key]->json()['id']);
        }
        self::assertSame([], $c->getAll([]));
        self::assertSame([], $c->sendAll([], 3));
    }

    public function testTwentyPathsAtOnce(): void
    {
        $c = $this->admin();
        $paths = [];
        for ($i = 1; $i <= 20; $i++) {
            $paths[] = "dci/v3/server/$i";
        }
        $this->emu->fault(['kind' => 'delay', 'delay_ms' => 300, 'count' => 20, 'path' => 'dci/v3/server/']);
        $this->emu->clearLog();
        $start = microtime(true);
        $servers = $c->getAll($paths, 8);
        $took = microtime(true) - $start;
        // 8 at once: three rounds of 300 ms; one after another would take 6 s.
        self::assertGreaterThanOrEqual(0.89, $took);
        self::assertLessThan(2.0, $took);
        self::assertSame(range(1, 20), array_map(static fn (array $s): int => $s['id'], $servers));
        self::assertCount(20, $this->emu->requests());
    }

    public function testOneFailureStaysInItsPlace(): void
    {
        $c = $this->admin();
        $servers = $c->getAll(['a' => 'dci/v3/server/2', 'gone' => 'dci/v3/server/999999', 'b' => 'dci/v3/server/3']);
        self::assertSame(2, $servers['a']['id']);
        self::assertSame(3, $servers['b']['id']);
        $e = $servers['gone'];
        self::assertInstanceOf(ApiException::class, $e);
        self::assertSame(3080, $e->getApiCode());
        self::assertSame(404, $e->getHttpStatus());
        self::assertSame('GET', $e->getMethod());
        self::assertSame($this->emu->url . '/api/dci/v3/server/999999', $e->getUrl());
        self::assertTrue($e->isRequestSent());

        // sendAll keeps the error answer as a Response, as request() would.
        $results = $c->sendAll(['gone' => 'dci/v3/server/999999', 'two' => 'dci/v3/server/2']);
        self::assertInstanceOf(Response::class, $results['gone']);
        self::assertSame(404, $results['gone']->getStatus());
        self::assertFalse($results['gone']->isOk());
        self::assertInstanceOf(ApiException::class, $results['gone']->getError());
        self::assertSame(3080, $results['gone']->getError()->getApiCode());
        self::assertTrue($results['two']->isOk());
    }

    public function testTheBatchTimeBudgetLeavesUnstartedRequestsUnsent(): void
    {
        $c = $this->admin(['timeout' => 0.6]);
        // One at a time, each answer 500 ms late: the first answers, the second times out
        // waiting, the last two cannot start.
        $this->emu->fault(['kind' => 'delay', 'delay_ms' => 500, 'count' => 4, 'path' => 'dci/v3/server/']);
        $r = $c->getAll(['one' => 'dci/v3/server/1', 'two' => 'dci/v3/server/2', 'three' => 'dci/v3/server/3',
            'four' => 'dci/v3/server/4'], 1);
        self::assertSame(1, $r['one']['id']);
        self::assertInstanceOf(TimeoutException::class, $r['two']);
        self::assertTrue($r['two']->isRequestSent());
        self::assertSame('wait', $r['two']->getPhase());
        foreach (['three' => 3, 'four' => 4] as $key => $id) {
            self::assertInstanceOf(TimeoutException::class, $r[$key]);
            self::assertFalse($r[$key]->isRequestSent());
            self::assertSame(0, $r[$key]->getAttempts());
            self::assertNull($r[$key]->getPhase());
            self::assertSame($this->emu->url . "/api/dci/v3/server/$id", $r[$key]->getUrl());
            self::assertStringStartsWith("GET /api/dci/v3/server/$id: ", $r[$key]->getMessage());
        }
        $this->emu->clearFaults();

        // Two at once, both answers 1 s late: both time out at 600 ms, the third never starts.
        $this->emu->fault(['kind' => 'delay', 'delay_ms' => 1000, 'count' => 2, 'path' => 'dci/v3/server/']);
        $start = microtime(true);
        $r = $c->sendAll(['dci/v3/server/1', 'dci/v3/server/2', 'dci/v3/server/3'], 2);
        self::assertLessThan(0.95, microtime(true) - $start);
        self::assertInstanceOf(TimeoutException::class, $r[0]);
        self::assertTrue($r[0]->isRequestSent());
        self::assertInstanceOf(TimeoutException::class, $r[2]);
        self::assertFalse($r[2]->isRequestSent());
        self::assertSame($this->emu->url . '/api/dci/v3/server/3', $r[2]->getUrl());
    }

    public function testRequestShapesAndThoseThatCannotBeBuilt(): void
    {
        $c = $this->admin();
        $this->emu->clearLog();
        $results = $c->sendAll([
            'post' => ['POST', 'dci/v3/server/2/power_reset', ['force' => true], ['why' => 'a b'], 5.0, ['X-Trace' => 'batch']],
            'keyed' => ['method' => 'DELETE', 'path' => 'dci/v3/server/999999'],
            'nul' => ['GET', "dci/v3/server/2\0"],
            'number' => 5,
            'unknown' => ['path' => 'dci/v3/server/2', 'verb' => 'GET'],
            'short' => ['GET'],
            'timeout' => ['GET', 'dci/v3/server/2', null, [], -1],
            'fine' => 'dci/v3/server/2',
        ]);
        self::assertSame(['id' => 2, 'task' => 1], $results['post']->json());
        self::assertSame(404, $results['keyed']->getStatus());
        self::assertSame(2, $results['fine']->json()['id']);
        foreach (['nul' => 'path', 'number' => 'requests', 'unknown' => 'requests', 'short' => 'requests',
            'timeout' => 'timeout'] as $key => $argument) {
            self::assertInstanceOf(InvalidArgumentException::class, $results[$key], $key);
            self::assertSame($argument, $results[$key]->getArgument(), $key);
            self::assertFalse($results[$key]->isRequestSent());
        }
        $posted = array_values(array_filter($this->emu->requests(), static fn (array $r): bool => $r['method'] === 'POST'));
        self::assertCount(1, $posted);
        self::assertStringEndsWith('/power_reset', $posted[0]['path']);
        self::assertSame('why=a%20b', $posted[0]['query']);
        self::assertSame('batch', $posted[0]['headers']['x-trace']);
        self::assertSame(['force' => true], json_decode($posted[0]['body'], true));
        self::assertSame(3, count($this->emu->requests()), 'only the three that could be built were sent');

        // The batch itself: refused at once, nothing sent.
        $this->emu->clearLog();
        $refused = [
            'concurrency' => static fn () => $c->getAll(['dci/v3/server/2'], -1),
            'timeout' => static fn () => $c->getAll(['dci/v3/server/2'], 0, [], -1.0),
            'query' => static fn () => $c->getAll(['dci/v3/server/2'], 0, ['q' => []]),
        ];
        foreach ($refused as $argument => $call) {
            try {
                $call();
                self::fail("no exception for $argument");
            } catch (InvalidArgumentException $e) {
                self::assertSame($argument, $e->getArgument());
            }
        }
        try {
            $c->sendAll(['dci/v3/server/2'], -2);
            self::fail('no exception');
        } catch (InvalidArgumentException $e) {
            self::assertSame('concurrency', $e->getArgument());
        }
        self::assertSame([], $this->emu->requests());
        // getAll takes paths only.
        $r = $c->getAll(['list' => ['GET', 'dci/v3/server/2'], 'ok' => 'dci/v3/server/2']);
        self::assertInstanceOf(InvalidArgumentException::class, $r['list']);
        self::assertSame(2, $r['ok']['id']);
    }

    public function testTheLoggerIsOffDuringAThreadedBatchAndBackAfter(): void
    {
        $log = new BatchLogger();
        $c = $this->admin(['logger' => $log, 'log_level' => 'debug']);
        $this->emu->fault(['kind' => 'delay', 'delay_ms' => 200, 'count' => 16, 'path' => 'dci/v3/server/']);
        $log->events = [];
        $paths = array_map(static fn (int $i): string => "dci/v3/server/$i", range(1, 16));
        $servers = $c->getAll($paths, 8);
        self::assertSame(range(1, 16), array_map(static fn (array $s): int => $s['id'], $servers));
        // The library's threads would have called the logger: PHP cannot run there.
        self::assertSame([], $log->events);
        // Back after the batch, and during a batch of one at a time (on this thread).
        self::assertSame(2, $c->get('dci/v3/server/2')['id']);
        self::assertSame(1, $log->count('request'));
        $c->getAll(['dci/v3/server/2', 'dci/v3/server/3'], 1);
        self::assertSame(3, $log->count('request'));
        $c->getAll(['dci/v3/server/4'], 8); // one request: on this thread too
        self::assertSame(4, $log->count('request'));
    }

    public function testSignalHandlersRunDuringABatchAndTheirInterruptStopsIt(): void
    {
        if ($this->savedHandlers === []) {
            self::markTestSkipped('the pcntl and posix extensions are needed');
        }
        $c = $this->admin();
        pcntl_async_signals(true);
        pcntl_signal(SIGUSR1, static function () use ($c): void {
            $c->interrupt();
        });
        // Threaded: the library's threads wait, this thread runs the handler, whose interrupt()
        // stops every request of the batch.
        $this->emu->fault(['kind' => 'delay', 'delay_ms' => 3000, 'count' => 4, 'path' => 'dci/v3/server/']);
        $killer = self::signalLater(SIGUSR1, 0.3);
        try {
            $start = microtime(true);
            $r = $c->getAll(['dci/v3/server/1', 'dci/v3/server/2', 'dci/v3/server/3', 'dci/v3/server/4'], 4);
        } finally {
            proc_close($killer);
        }
        self::assertLessThan(1.5, microtime(true) - $start);
        foreach ($r as $result) {
            self::assertInstanceOf(InterruptedException::class, $result);
        }
        $this->emu->clearFaults();

        // One at a time: the handler runs during the first wait; its interrupt() stops the batch.
        pcntl_signal(SIGUSR1, static function () use ($c): void {
            $c->interrupt();
        });
        $this->emu->fault(['kind' => 'delay', 'delay_ms' => 3000, 'count' => 3, 'path' => 'dci/v3/server/']);
        $killer = self::signalLater(SIGUSR1, 0.3);
        try {
            $start = microtime(true);
            $r = $c->getAll(['dci/v3/server/1', 'dci/v3/server/2', 'dci/v3/server/3'], 1);
        } finally {
            proc_close($killer);
        }
        self::assertLessThan(1.5, microtime(true) - $start);
        self::assertInstanceOf(InterruptedException::class, $r[0]);
        self::assertTrue($r[0]->isRequestSent());
        self::assertInstanceOf(InterruptedException::class, $r[2]);
        self::assertFalse($r[2]->isRequestSent());
        $this->emu->clearFaults();
        self::assertSame(2, $c->get('dci/v3/server/2')['id']);
    }

    public function testEveryResultIsAnAnswerOrADciException(): void
    {
        $c = $this->admin();
        $r = $c->getAll(['dci/v3/server/2', 'dci/v3/server/999999', "bad\0"]);
        self::assertIsArray($r[0]);
        self::assertInstanceOf(DciException::class, $r[1]);
        self::assertInstanceOf(DciException::class, $r[2]);
        self::assertStringNotContainsString((string) $c->getToken(), $r[1]->getMessage() . print_r($r[1], true));
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
