<?php

declare(strict_types=1);

namespace DciManager\Tests;

use DciManager\Exception\InvalidArgumentException;
use DciManager\Exception\TimeoutException;
use DciManager\Native;
use DciManager\Response;
use FFI;

/**
 * The facts of an error (phase, request sent, attempts, argument), per-call budgets, and
 * bodies copied byte for byte.
 */
final class FactsTest extends EmulatorTestCase
{
    public function testAPerCallTimeoutStopsInTheWaitPhase(): void
    {
        $c = $this->admin(); // the client's own budget stays the library's default
        $this->emu->fault(['kind' => 'delay', 'delay_ms' => 2000]);
        $t = microtime(true);
        try {
            $c->get('dci/v3/server/2', [], 0.25);
            self::fail('no exception');
        } catch (TimeoutException $e) {
            self::assertSame('timeout', $e->getKind());
            self::assertSame('wait', $e->getPhase());
            self::assertTrue($e->isRequestSent());
            self::assertSame(1, $e->getAttempts());
            self::assertSame(0, $e->getHttpStatus());
            self::assertNull($e->getArgument());
        }
        self::assertLessThan(1.5, microtime(true) - $t);
        self::assertSame(2, $c->get('dci/v3/server/2')['id'], 'the next call has the client budget');

        // post() and delete() take a budget too.
        $this->emu->fault(['kind' => 'delay', 'delay_ms' => 2000]);
        $this->expectException(TimeoutException::class);
        $c->post('dci/v3/server/2/power_reset', null, [], 0.25);
    }

    public function testAPathToAnotherOriginIsRefusedBeforeSending(): void
    {
        $c = $this->admin();
        $this->emu->clearLog();
        try {
            $c->get('https://evil.example.com/api/dci/v3/server/2');
            self::fail('no exception');
        } catch (InvalidArgumentException $e) {
            self::assertSame('path', $e->getArgument());
            self::assertFalse($e->isRequestSent());
            self::assertSame(0, $e->getAttempts());
            self::assertNull($e->getPhase());
            self::assertSame(0, $e->getHttpStatus());
        }
        self::assertSame(0, $this->emu->stats()['requests']);
    }

    public function testQueryPairsMayRepeatANameAndBooleansAreText(): void
    {
        $c = $this->admin();
        $c->get('dci/v3/server', [['limit', '0,1'], ['orderby', 'id desc'], 'x' => true, ['x', 2]]);
        self::assertSame('limit=0%2C1&orderby=id%20desc&x=true&x=2', $this->emu->lastRequest()['query']);
        $c->request('GET', 'dci/v3/server/2', null, [], null, ['x-trace' => 'abc']);
        self::assertSame('abc', $this->emu->lastRequest()['headers']['x-trace']);
    }

    /**
     * The emulator answers a NUL byte only by echoing one (`echo` as html502), and the PHP API
     * sends JSON bodies only, which never hold a raw NUL. So the request is made with the C
     * API directly, and the answer goes through the same Response class request() returns.
     */
    public function testABodyWithANulByteIsCopiedIntact(): void
    {
        $ffi = Native::ffi();
        $client = $ffi->dci_client_new($this->emu->url);
        self::assertNotNull($client);
        $request = null;
        try {
            self::assertSame(0, $ffi->dci_client_set_ca_file($client, (string) $this->emu->ca));
            $request = $ffi->dci_request_new('POST', 'dci/v3/server/2/power_reset');
            $sent = "before\0after\0\0end";
            $bytes = $ffi->new('uint8_t[' . strlen($sent) . ']');
            FFI::memcpy($bytes, $sent, strlen($sent));
            self::assertSame(0, $ffi->dci_request_set_body($request, $bytes, strlen($sent), 'text/plain'));
            $this->emu->fault(['kind' => 'echo', 'as' => 'html502']);
            $out = $ffi->new('dci_response*');
            self::assertSame(0, $ffi->dci_client_send($client, $request, FFI::addr($out)));
            $response = new Response($out);
        } finally {
            $ffi->dci_request_free($request);
            $ffi->dci_client_free($client);
        }
        self::assertSame(502, $response->getStatus());
        self::assertStringContainsString($sent, $response->getBody());
        self::assertSame(
            "<html><body><h1>Bad Gateway</h1><pre>$sent</pre></body></html>",
            $response->getBody()
        );
        self::assertSame('http', $response->getError()?->getKind());
    }

    public function testAnEmptyAnswerIsNull(): void
    {
        $c = $this->admin();
        foreach (['get', 'post', 'delete'] as $method) {
            $this->emu->fault(['kind' => 'empty', 'status' => 200]);
            self::assertNull($c->$method('dci/v3/server/2'), $method);
        }
        $this->emu->fault(['kind' => 'empty', 'status' => 204]);
        $r = $c->request('GET', 'dci/v3/server/2');
        self::assertSame(204, $r->getStatus());
        self::assertSame('', $r->getBody());
        self::assertNull($r->json());
    }
}
