<?php

declare(strict_types=1);

namespace DciManager\Tests;

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

/**
 * The fault matrix (tests/faults.json, shared by every language) through the PHP binding.
 */
final class FaultsTest extends EmulatorTestCase
{
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

    /**
     * @return array<string, array{array<string, mixed>, array<string, mixed>}>
     */
    public static function rows(): array
    {
        $matrix = json_decode(
            (string) file_get_contents(dirname(__DIR__, 3) . '/tests/faults.json'),
            true,
            512,
            JSON_THROW_ON_ERROR
        );
        $rows = [];
        foreach ($matrix['rows'] as $row) {
            $rows[$row['name']] = [$row, $matrix['client']];
        }

        return $rows;
    }

    /**
     * @dataProvider rows
     *
     * @param array<string, mixed> $row
     * @param array<string, mixed> $defaults
     */
    public function testRow(array $row, array $defaults): void
    {
        $cfg = ($row['client'] ?? []) + $defaults;
        $c = $this->client([
            'retries' => $cfg['retries'],
            'backoff_factor' => $cfg['backoff_factor'],
            'timeout' => $cfg['timeout_ms'] / 1000,
        ]);
        if ($row['call'] !== 'login_wrong') {
            $c->login('admin@example.com', 'secret');
        }
        $this->emu->clearLog();
        foreach ($row['faults'] as $fault) {
            if (isset($fault['retry_after_date_in'])) {
                $fault['retry_after'] = gmdate('D, d M Y H:i:s', time() + $fault['retry_after_date_in']) . ' GMT';
                unset($fault['retry_after_date_in']);
            }
            $this->emu->fault($fault);
        }
        $path = $row['path'];
        $expect = $row['expect'];
        $error = null;
        $started = hrtime(true);
        try {
            match ($row['call']) {
                'get' => $c->get($path),
                'post' => $c->post($path),
                'login_wrong' => $c->login('admin@example.com', 'wrong-password'),
            };
        } catch (DciException $e) {
            $error = $e;
        }
        $elapsedMs = (hrtime(true) - $started) / 1e6;

        if ($expect['ok'] ?? false) {
            self::assertNull($error, $error ? $error->getMessage() : '');
        } else {
            self::assertNotNull($error, 'no exception');
            self::assertSame(self::KIND_TO_CLASS[$expect['error']], get_class($error), $error->getMessage());
            self::assertSame($expect['error'], $error->getKind(), $row['name']);
            if (isset($expect['attempts'])) {
                self::assertSame($expect['attempts'], $error->getAttempts(), $row['name']);
            }
            if (isset($expect['http_status'])) {
                self::assertSame($expect['http_status'], $error->getHttpStatus());
            }
            if (isset($expect['api_code'])) {
                self::assertInstanceOf(ApiException::class, $error);
                self::assertSame($expect['api_code'], $error->getApiCode());
            }
            $text = $error->getMessage() . ' ' . $error . ' ' . print_r($c, true);
            self::assertStringNotContainsString('wrong-password', $text);
            self::assertStringNotContainsString('"secret"', $text);
            $token = $c->getToken();
            if ($token !== null) {
                self::assertStringNotContainsString($token, $text);
            }
        }
        $method = $row['call'] === 'get' ? 'GET' : 'POST';
        if (isset($expect['requests'])) {
            self::assertSame($expect['requests'], $this->emu->count($method, '/api/' . $path));
        }
        if (isset($expect['logins'])) {
            self::assertSame($expect['logins'], $this->emu->stats()['logins']);
        }
        if (isset($expect['min_ms'])) {
            self::assertGreaterThanOrEqual($expect['min_ms'], $elapsedMs);
        }
        if (isset($expect['max_ms'])) {
            self::assertLessThanOrEqual($expect['max_ms'], $elapsedMs);
        }
    }
}
