<?php

declare(strict_types=1);

namespace DciManager\Tests;

use DciManager\Client;
use DciManager\Exception\ApiException;
use DciManager\Exception\ConnectException;
use DciManager\Exception\DciException;
use DciManager\Exception\DecodeException;
use DciManager\Exception\HttpException;
use DciManager\Exception\InterruptedException;
use DciManager\Exception\InvalidArgumentException;
use DciManager\Exception\RetriesExhaustedException;
use DciManager\Exception\TimeoutException;
use DciManager\Exception\TlsException;
use DciManager\Exception\UnauthorizedException;
use DciManager\Native;

/**
 * Each exception class for the fault behind it.
 */
final class ExceptionsTest extends EmulatorTestCase
{
    public function testHierarchy(): void
    {
        foreach ([
            ApiException::class, HttpException::class, ConnectException::class, TimeoutException::class,
            TlsException::class, RetriesExhaustedException::class, InvalidArgumentException::class,
            DecodeException::class, UnauthorizedException::class, InterruptedException::class,
        ] as $class) {
            self::assertTrue(is_subclass_of($class, DciException::class), $class);
        }
        self::assertTrue(is_subclass_of(UnauthorizedException::class, ApiException::class));
        self::assertTrue(is_subclass_of(DciException::class, \RuntimeException::class));
    }

    public function testInvalidArgument(): void
    {
        // what => [call, the argument named by getArgument(), the request the message names
        // (method, and URL when one could be made), for those refused when sent]
        $url = $this->emu->url . '/api/dci/v3/server/2';
        $cases = [
            'bad URL' => [fn () => new Client('dci.example.com'), 'url'],
            'NUL in the URL' => [fn () => new Client("https://dci.example.com\0.evil"), 'url'],
            'NUL in a path' => [fn () => $this->client()->get("dci/v3/server/2\0/../x"), 'path'],
            'NUL in a password' => [fn () => $this->client()->login('admin@example.com', "secret\0more"), 'password'],
            'another origin' => [
                fn () => $this->client()->get('https://evil.example.com/api/dci/v3/server/2'),
                'path',
                ['GET', null, 'GET https://evil.example.com/api/dci/v3/server/2'],
            ],
            'empty method' => [
                fn () => $this->client()->request('', 'dci/v3/server/2'),
                'method',
                [null, $url, '/api/dci/v3/server/2'],
            ],
            'missing CA file' => [fn () => $this->client(['ca_file' => '/nonexistent/ca.pem']), 'ca_file'],
            'unencodable body' => [fn () => $this->client()->post('dci/v3/user', ['x' => "\xff"]), 'body'],
            'bad query value' => [fn () => $this->client()->get('dci/v3/server', ['where' => ['EQ']]), 'query'],
            'bad per-call timeout' => [fn () => $this->client()->get('dci/v3/server/2', [], -1.0), 'timeout'],
            'bad header' => [
                fn () => $this->client()->request('GET', 'dci/v3/server/2', null, [], null, ['x-a' => "b\r\nc"]),
                'header',
                ['GET', $url, 'GET /api/dci/v3/server/2'],
            ],
            'bad expiresAt' => [fn () => $this->client()->createToken('31.01.2030'), null],
            'NUL in a key' => [fn () => $this->client()->keyLoginUrl("k\0ey"), 'key'],
            'unknown option' => [fn () => $this->client(['retry' => 1]), 'retry'],
            'bad option' => [fn () => $this->client(['timeout' => -1]), 'timeout'],
        ];
        foreach ($cases as $what => $case) {
            [$call, $argument, $request] = $case + [2 => null];
            try {
                $call();
                self::fail("$what: no exception");
            } catch (InvalidArgumentException $e) {
                self::assertSame('DCI_ERROR_INVALID_ARGUMENT', $e->getStatusName(), $what);
                self::assertSame('invalid_argument', $e->getKind(), $what);
                self::assertSame(Native::ffi()->DCI_ERROR_INVALID_ARGUMENT, $e->getCode(), $what);
                [$method, $requestUrl, $name] = $request ?? [null, null, null];
                $prefix = $name === null ? '' : "$name: ";
                self::assertStringStartsWith($prefix . 'invalid argument: ', $e->getMessage(), $what);
                self::assertSame($method, $e->getMethod(), $what);
                self::assertSame($requestUrl, $e->getUrl(), $what);
                if ($argument !== null) {
                    self::assertSame($argument, $e->getArgument(), $what);
                }
                self::assertFalse($e->isRequestSent(), $what);
                self::assertSame(0, $e->getAttempts(), $what);
                self::assertNull($e->getPhase(), $what);
            }
        }
        self::assertSame(0, $this->emu->stats()['requests'], 'nothing was sent');
    }

    public function testConnectOnAClosedPort(): void
    {
        $socket = stream_socket_server('tcp://127.0.0.1:0');
        self::assertIsResource($socket);
        $port = (int) substr((string) strrchr((string) stream_socket_get_name($socket, false), ':'), 1);
        fclose($socket);
        $c = new Client("http://127.0.0.1:$port", ['retries' => 0]);
        try {
            $c->get('dci/v3/server/2');
            self::fail('no exception');
        } catch (ConnectException $e) {
            self::assertSame('DCI_ERROR_CONNECT', $e->getStatusName());
            self::assertSame(0, $e->getHttpStatus());
            self::assertSame('connect', $e->getPhase());
            self::assertFalse($e->isRequestSent());
        }
        // request() throws as well: no answer arrived.
        $this->expectException(ConnectException::class);
        $c->request('GET', 'dci/v3/server/2');
    }

    public function testTimeoutWithADelayedAnswer(): void
    {
        $c = $this->admin(['timeout' => 0.3]);
        $this->emu->fault(['kind' => 'delay', 'delay_ms' => 2000]);
        $t = microtime(true);
        try {
            $c->get('dci/v3/server/2');
            self::fail('no exception');
        } catch (TimeoutException $e) {
            self::assertSame('DCI_ERROR_TIMEOUT', $e->getStatusName());
            self::assertSame('wait', $e->getPhase());
            self::assertTrue($e->isRequestSent());
            self::assertSame(1, $e->getAttempts());
        }
        self::assertLessThan(1.5, microtime(true) - $t);
    }

    public function testTlsWithoutTheCa(): void
    {
        $c = new Client($this->emu->url);
        try {
            $c->login('admin@example.com', 'secret');
            self::fail('no exception');
        } catch (TlsException $e) {
            self::assertSame('DCI_ERROR_TLS', $e->getStatusName());
            self::assertSame('tls', $e->getPhase());
            self::assertFalse($e->isRequestSent());
        }
        self::assertSame(0, $this->emu->stats()['logins']);
    }

    public function testHttpForAProxyPage(): void
    {
        $c = $this->admin();
        $this->emu->fault(['kind' => 'html502']);
        try {
            $c->get('dci/v3/server/2');
            self::fail('no exception');
        } catch (HttpException $e) {
            self::assertNotInstanceOf(ApiException::class, $e);
            self::assertSame(502, $e->getHttpStatus());
            self::assertStringContainsString('Bad Gateway', $e->getBody());
            self::assertLessThanOrEqual(200, strlen($e->getBody()));
            self::assertNull($e->getPhase());
            self::assertTrue($e->isRequestSent());
            self::assertSame(1, $e->getAttempts());
        }
        $this->emu->fault(['kind' => 'html502']);
        try {
            $c->whoami(); // an out-parameter function: same class, same facts
            self::fail('no exception');
        } catch (HttpException $e) {
            self::assertSame(502, $e->getHttpStatus());
            self::assertStringContainsString('Bad Gateway', $e->getBody());
        }
    }

    public function testApiErrorWithCodeMessageAndValue(): void
    {
        $c = $this->admin();
        try {
            $c->get('dci/v3/server/999999');
            self::fail('no exception');
        } catch (ApiException $e) {
            self::assertNotInstanceOf(UnauthorizedException::class, $e);
            self::assertSame(3080, $e->getApiCode());
            self::assertSame('instance not found', $e->getApiMessage());
            self::assertSame(404, $e->getHttpStatus());
            self::assertNull($e->getValue());
            self::assertSame('DCI_ERROR_API', $e->getStatusName());
            self::assertStringContainsString('3080', $e->getMessage());
        }
        try {
            $c->post('dci/v3/user', ['email' => 'x@example.com', 'nickname' => 'x']);
            self::fail('no exception');
        } catch (ApiException $e) {
            self::assertSame(1002, $e->getApiCode());
            self::assertSame(400, $e->getHttpStatus());
            self::assertSame(['property' => 'nickname'], $e->getValue());
            self::assertSame($e->getValue(), $e->getApiValue());
        }
        $client = $this->client(['token' => (string) $c->getToken()]);
        $c->logout();
        try {
            $client->createKey(999999); // unknown user, through an out-parameter function
            self::fail('no exception');
        } catch (UnauthorizedException $e) {
            self::assertSame(3001, $e->getApiCode());
        }
    }

    public function testUnauthorizedForAWrongPasswordSentOnce(): void
    {
        $c = $this->client();
        try {
            $c->login('admin@example.com', 'wrong-password');
            self::fail('no exception');
        } catch (UnauthorizedException $e) {
            self::assertInstanceOf(ApiException::class, $e);
            self::assertSame(3001, $e->getApiCode());
            self::assertSame(401, $e->getHttpStatus());
            self::assertSame('Unauthorized', $e->getApiMessage());
            self::assertSame('DCI_ERROR_UNAUTHORIZED', $e->getStatusName());
            self::assertStringNotContainsString('wrong-password', $e->getMessage() . $e);
        }
        self::assertSame(1, $this->emu->stats()['logins']);
        self::assertNull($c->getToken());

        $this->expectException(UnauthorizedException::class);
        $this->client()->loginWithKey('1-not-a-key');
    }

    public function testRetriesExhaustedAfterMore503ThanRetries(): void
    {
        $c = $this->admin(['retries' => 2, 'backoff_factor' => 0]);
        $this->emu->clearLog();
        $this->emu->fault(['kind' => '503', 'count' => 6]);
        try {
            $c->get('dci/v3/server/2');
            self::fail('no exception');
        } catch (RetriesExhaustedException $e) {
            self::assertSame(503, $e->getHttpStatus());
            self::assertSame('DCI_ERROR_RETRIES_EXHAUSTED', $e->getStatusName());
            self::assertSame(3, $e->getAttempts());
        }
        self::assertSame(3, $this->emu->stats()['requests']);

        // request() hands the last 503 over with its error.
        $r = $c->request('GET', 'dci/v3/server/2');
        self::assertSame(503, $r->getStatus());
        self::assertSame(3, $r->getAttempts());
        self::assertInstanceOf(RetriesExhaustedException::class, $r->getError());
        self::assertSame(200, $c->request('GET', 'dci/v3/server/2')->getStatus());
    }

    public function testDecodeForATruncatedBody(): void
    {
        $c = $this->admin();
        $this->emu->fault(['kind' => 'truncate']);
        try {
            $c->get('dci/v3/server/2');
            self::fail('no exception');
        } catch (DecodeException $e) {
            self::assertSame('DCI_ERROR_DECODE', $e->getStatusName());
            self::assertSame(200, $e->getHttpStatus());
            self::assertSame(1, $e->getAttempts());
            self::assertTrue($e->isRequestSent());
            self::assertInstanceOf(\JsonException::class, $e->getPrevious());
            self::assertSame('', $e->getBody(), 'PHP cannot tell secrets apart: no body excerpt');
        }

        // request() hands the 200 over as is (bodies are decoded on the PHP side, so the
        // library's own JSON check is off); json() fails there.
        $this->emu->fault(['kind' => 'truncate']);
        $r = $c->request('GET', 'dci/v3/server/2');
        self::assertSame(200, $r->getStatus());
        self::assertTrue($r->isOk());
        self::assertNull($r->getError());
        try {
            $r->json();
            self::fail('no exception');
        } catch (DecodeException $e) {
            self::assertInstanceOf(\JsonException::class, $e->getPrevious());
            self::assertSame(200, $e->getHttpStatus());
        }

        $this->emu->fault(['kind' => 'truncate']);
        try {
            $c->whoami(); // an out-parameter function: the library's check, with its excerpt
            self::fail('no exception');
        } catch (DecodeException $e) {
            self::assertStringStartsWith('{"', $e->getBody());
            self::assertSame(200, $e->getHttpStatus());
        }
    }
}
