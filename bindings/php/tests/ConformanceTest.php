<?php

declare(strict_types=1);

namespace DciManager\Tests;

use DciManager\Client;
use DciManager\Exception\ApiException;
use DciManager\Exception\ConnectException;
use DciManager\Exception\DciException;
use DciManager\Exception\DecodeException;
use DciManager\Exception\HttpException;
use DciManager\Exception\InvalidArgumentException;
use DciManager\Exception\RetriesExhaustedException;
use DciManager\Exception\TimeoutException;
use DciManager\Exception\TlsException;
use DciManager\Exception\UnauthorizedException;
use DciManager\KeyInfo;
use DciManager\LoginInfo;
use DciManager\Response;
use PHPUnit\Framework\TestCase;

/**
 * The conformance matrix (tests/operations.json, shared by every language) through the PHP
 * binding: each operation, its arguments and the shape of its result. One plain-HTTP
 * emulator serves the whole table; faults are cleared and the configuration restored after
 * every row. Every assertion message starts with the row's name.
 */
final class ConformanceTest extends TestCase
{
    private const TABLE = __DIR__ . '/../../../tests/operations.json';

    private const KIND_TO_CLASS = [
        'invalid_argument' => InvalidArgumentException::class,
        'connect' => ConnectException::class,
        'timeout' => TimeoutException::class,
        'tls' => TlsException::class,
        'http' => HttpException::class,
        'api' => ApiException::class,
        'unauthorized' => UnauthorizedException::class,
        'retries_exhausted' => RetriesExhaustedException::class,
        'decode' => DecodeException::class,
    ];

    private const SESSIONS = [
        'admin' => ['admin@example.com', 'secret'],
        'client' => ['client@example.com', 'client-secret'],
    ];

    private static ?Emulator $emu = null;

    /** @var array<string, mixed> the emulator's configuration before any row */
    private static array $config = [];

    public static function setUpBeforeClass(): void
    {
        self::$emu = new Emulator([], false);
        self::$config = self::$emu->config();
    }

    public static function tearDownAfterClass(): void
    {
        if (self::$emu !== null) {
            self::$emu->close();
            self::$emu = null;
        }
    }

    /**
     * @return array<string, array{array<string, mixed>}>
     */
    public static function rows(): array
    {
        $table = json_decode((string) file_get_contents(self::TABLE), true, 512, JSON_THROW_ON_ERROR);
        $rows = [];
        foreach ($table['rows'] as $row) {
            $rows[$row['name']] = [$row];
        }

        return $rows;
    }

    /**
     * @dataProvider rows
     *
     * @param array<string, mixed> $row
     */
    public function testRow(array $row): void
    {
        $emu = self::emu();
        $name = $row['name'];
        $emu->clearFaults();
        try {
            if (isset($row['config'])) {
                $emu->config($row['config']);
            }
            $client = $this->newClient($row['client'] ?? []);
            $session = $row['session'] ?? 'admin';
            if ($session !== 'none') {
                self::assertArrayHasKey($session, self::SESSIONS, "[$name] unknown session '$session'");
                $client->login(...self::SESSIONS[$session]);
            }
            $emu->clearLog();
            foreach ($row['faults'] ?? [] as $fault) {
                $emu->fault($fault);
            }

            $result = null;
            $error = null;
            try {
                $result = $this->runOp($client, $row['op'], $row['args'] ?? [], $name);
            } catch (DciException $e) {
                $error = $e;
            }
            $expected = $row['result'];
            if ($expected['shape'] === 'error') {
                self::assertNotNull($error, "[$name] expected an error, got " . json_encode(self::printable($result)));
                self::checkError($error, $expected, $name);
            } else {
                self::assertNull(
                    $error,
                    "[$name] unexpected " . ($error === null ? '' : get_class($error) . ': ' . $error->getMessage())
                );
                $this->checkResult($result, $expected, $name);
            }
            $this->checkRequests($row, $name);
        } finally {
            $emu->clearFaults();
            if (isset($row['config'])) {
                $emu->config(self::$config);
            }
        }
    }

    private static function emu(): Emulator
    {
        self::assertNotNull(self::$emu);

        return self::$emu;
    }

    /**
     * A client of the emulator with the row's overrides.
     *
     * @param array<string, mixed> $overrides retries, backoff_factor, timeout_ms
     */
    private function newClient(array $overrides): Client
    {
        $options = [];
        foreach ($overrides as $key => $value) {
            if ($key === 'timeout_ms') {
                $options['timeout'] = $value / 1000;
            } else {
                $options[$key] = $value;
            }
        }

        return new Client(self::emu()->url, $options);
    }

    /**
     * Runs one operation of the table's "ops".
     *
     * @param array<string, mixed> $a the row's args
     */
    private function runOp(Client $c, string $op, array $a, string $name): mixed
    {
        switch ($op) {
            case 'login':
                return $c->login($a['email'], $a['password']);
            case 'key_login':
                $key = $c->createKey($a['user']);

                return $this->newClient([])->loginWithKey($key);
            case 'create_key':
                return $c->createKey($a['user']);
            case 'key_login_url':
                return $c->keyLoginUrl($a['key']);
            case 'whoami':
                return $c->whoami();
            case 'get':
                return $c->get($a['path'], $a['query'] ?? [], isset($a['timeout_ms']) ? $a['timeout_ms'] / 1000 : null);
            case 'post':
                return $c->post($a['path'], $a['body'] ?? null, $a['query'] ?? []);
            case 'delete':
                return $c->delete($a['path'], $a['query'] ?? []);
            case 'request':
                return $c->request($a['method'], $a['path'], null, $a['query'] ?? []);
            case 'paginate':
                return iterator_to_array(
                    $c->paginate($a['path'], $a['where'] ?? null, $a['orderby'] ?? null, $a['page_size'] ?? 0),
                    false
                );
            case 'quote':
                return Client::quote($a['text']);
            case 'encode':
                return Client::encode($a['text']);
            case 'create_token':
                return $c->createToken($a['expires_at'], $a['description'] ?? null);
            case 'set_token_ttl':
                $c->setTokenTtl($a['value']);

                return null;
            case 'logout':
                $c->logout();

                return null;
        }
        self::fail("[$name] unknown op '$op'");
    }

    /**
     * @param array<string, mixed> $expected the row's result
     */
    private function checkResult(mixed $result, array $expected, string $name): void
    {
        switch ($expected['shape']) {
            case 'login_info':
                self::assertInstanceOf(LoginInfo::class, $result, "[$name] a LoginInfo");
                self::assertSame($expected['id'], $result->getId(), "[$name] id");
                self::assertSame($expected['confirmed'], $result->isConfirmed(), "[$name] confirmed");
                self::assertNotSame('', $result->getToken(), "[$name] token");
                self::assertHidden($result->getToken(), $result, $name);
                break;
            case 'key_info':
                self::assertInstanceOf(KeyInfo::class, $result, "[$name] a KeyInfo");
                self::assertNotSame('', $result->getId(), "[$name] id");
                self::assertNotSame('', $result->getKey(), "[$name] key");
                self::assertHidden($result->getKey(), $result, $name);
                break;
            case 'text':
                self::assertSame(str_replace('{base}', self::emu()->url, $expected['equals']), $result, "[$name] text");
                break;
            case 'secret_text':
                self::assertIsString($result, "[$name] text");
                self::assertNotSame('', $result, "[$name] non-empty");
                break;
            case 'json':
                self::assertIsArray($result, "[$name] decoded JSON");
                self::checkJson($result, $expected['checks'] ?? [], $name);
                break;
            case 'null':
                self::assertNull($result, "[$name] null");
                break;
            case 'items':
                self::assertIsArray($result, "[$name] items");
                self::assertCount($expected['count'], $result, "[$name] item count");
                foreach ($result as $i => $item) {
                    self::checkJson($item, $expected['each'] ?? [], "$name, item $i");
                }
                break;
            case 'response':
                self::assertInstanceOf(Response::class, $result, "[$name] a Response");
                self::assertSame($expected['status'], $result->getStatus(), "[$name] status");
                foreach ($expected['headers'] ?? [] as $header => $prefix) {
                    self::assertStringStartsWith($prefix, (string) $result->getHeader($header), "[$name] header $header");
                }
                if (isset($expected['error'])) {
                    $error = $result->getError();
                    self::assertNotNull($error, "[$name] the answer's error");
                    self::checkError($error, $expected['error'], $name);
                } else {
                    self::assertTrue($result->isOk(), "[$name] ok");
                }
                break;
            default:
                self::fail("[$name] unknown shape '{$expected['shape']}'");
        }
    }

    /**
     * @param array<string, mixed> $expected kind, and maybe http_status (null: no answer),
     *                                       api_code, phase, request_sent, attempts, argument
     */
    private static function checkError(DciException $e, array $expected, string $name): void
    {
        $kind = $expected['kind'];
        $what = "[$name] " . get_class($e) . ': ' . $e->getMessage();
        self::assertArrayHasKey($kind, self::KIND_TO_CLASS, "[$name] unknown kind '$kind'");
        self::assertSame(self::KIND_TO_CLASS[$kind], get_class($e), "$what (class)");
        self::assertSame($kind, $e->getKind(), "$what (kind)");
        if (array_key_exists('http_status', $expected)) {
            self::assertSame($expected['http_status'] ?? 0, $e->getHttpStatus(), "$what (http_status)");
        }
        if (array_key_exists('api_code', $expected)) {
            self::assertInstanceOf(ApiException::class, $e, "$what (an API error)");
            self::assertSame($expected['api_code'], $e->getApiCode(), "$what (api_code)");
        }
        if (array_key_exists('phase', $expected)) {
            self::assertSame($expected['phase'], $e->getPhase(), "$what (phase)");
        }
        if (array_key_exists('request_sent', $expected)) {
            self::assertSame($expected['request_sent'], $e->isRequestSent(), "$what (request_sent)");
        }
        if (array_key_exists('attempts', $expected)) {
            self::assertSame($expected['attempts'], $e->getAttempts(), "$what (attempts)");
        }
        if (array_key_exists('argument', $expected)) {
            self::assertSame($expected['argument'], $e->getArgument(), "$what (argument)");
        }
        if (array_key_exists('method', $expected)) {
            self::assertSame($expected['method'], $e->getMethod(), "$what (method)");
        }
        if (array_key_exists('url', $expected)) {
            $url = $expected['url'] === null ? null : str_replace('{base}', self::emu()->url, $expected['url']);
            self::assertSame($url, $e->getUrl(), "$what (url)");
        }
    }

    /**
     * @param list<array<string, mixed>> $checks path with equals or length
     */
    private static function checkJson(mixed $value, array $checks, string $name): void
    {
        foreach ($checks as $check) {
            $path = $check['path'];
            $at = $value;
            foreach ($path === '' ? [] : explode('.', $path) as $step) {
                self::assertTrue(is_array($at) && array_key_exists($step, $at), "[$name] no '$path' in the answer");
                $at = $at[$step];
            }
            if (array_key_exists('equals', $check)) {
                self::assertSame($check['equals'], $at, "[$name] '$path'");
            }
            if (array_key_exists('length', $check)) {
                self::assertIsArray($at, "[$name] '$path' is a list");
                self::assertCount($check['length'], $at, "[$name] '$path' length");
            }
        }
    }

    /** The secret does not show in the printed forms of the object. */
    private static function assertHidden(#[\SensitiveParameter] string $secret, object $object, string $name): void
    {
        ob_start();
        var_dump($object);
        $text = (string) ob_get_clean() . print_r($object, true) . var_export($object, true)
            . json_encode($object) . print_r((array) $object, true);
        self::assertStringNotContainsString($secret, $text, "[$name] the secret is hidden from dumps");
    }

    /**
     * @param array<string, mixed> $row requests (by "METHOD /path", exact) and last_request
     */
    private function checkRequests(array $row, string $name): void
    {
        if (!isset($row['requests']) && !isset($row['last_request'])) {
            return;
        }
        $log = self::emu()->requests();
        if (isset($row['requests'])) {
            $seen = [];
            foreach ($log as $r) {
                $key = $r['method'] . ' ' . $r['path'];
                $seen[$key] = ($seen[$key] ?? 0) + 1;
            }
            $want = $row['requests'];
            ksort($seen);
            ksort($want);
            self::assertSame($want, $seen, "[$name] requests received");
        }
        if (isset($row['last_request'])) {
            self::assertNotEmpty($log, "[$name] a request was received");
            $last = $log[count($log) - 1];
            foreach ($row['last_request'] as $field => $value) {
                self::assertSame($value, $last[$field] ?? null, "[$name] last request's $field");
            }
        }
    }

    /** A result as something json_encode can show in a failure message. */
    private static function printable(mixed $result): mixed
    {
        return is_object($result) ? get_class($result) : $result;
    }
}
