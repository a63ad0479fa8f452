<?php

declare(strict_types=1);

namespace DciManager\Tests;

/**
 * A fresh dcimanager emulator process (HTTPS with its own CA by default) and a control
 * client for its /emulator endpoints that uses PHP streams, not the library under test.
 */
final class Emulator
{
    /** Root of the repository. */
    public const ROOT = __DIR__ . '/../../..';

    public string $url;

    public ?string $ca = null;

    /** @var resource */
    private $proc;

    /** @var resource */
    private $stdout;

    private string $dir;

    /**
     * @param list<string> $args extra emulator options
     */
    public function __construct(array $args = [], bool $tls = true)
    {
        $this->dir = sys_get_temp_dir() . '/dci-php-emu-' . bin2hex(random_bytes(6));
        mkdir($this->dir, 0755); // readable by a subprocess that runs as another user
        $cmd = [self::binary(), '--listen', '127.0.0.1:0', ...$args];
        if ($tls) {
            $this->ca = $this->dir . '/ca.pem';
            array_push($cmd, '--tls', '--ca-out', $this->ca);
        }
        $proc = proc_open($cmd, [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['file', '/dev/null', 'w']], $pipes);
        if (!is_resource($proc)) {
            throw new \RuntimeException('cannot start the emulator');
        }
        $this->proc = $proc;
        $this->stdout = $pipes[1];
        $read = [$this->stdout];
        $none = null;
        $line = false;
        if (stream_select($read, $none, $none, 10) === 1) {
            $line = fgets($this->stdout);
        }
        if ($line === false || strncmp($line, 'http', 4) !== 0) {
            $this->close();
            throw new \RuntimeException('the emulator printed no URL');
        }
        $this->url = trim($line);
        register_shutdown_function([$this, 'close']); // also after a fatal error
    }

    public function __destruct()
    {
        $this->close();
    }

    /** The emulator binary: DCIMANAGER_EMULATOR or target/release. */
    public static function binary(): string
    {
        $env = getenv('DCIMANAGER_EMULATOR');
        $bin = is_string($env) && $env !== '' ? $env : self::ROOT . '/target/release/dcimanager-emulator';
        if (!is_file($bin)) {
            throw new \RuntimeException("no emulator at $bin: run cargo build --release first");
        }

        return $bin;
    }

    /** Stops the process (SIGKILL) and removes its files; idempotent. */
    public function close(): void
    {
        if (isset($this->proc) && is_resource($this->proc)) {
            proc_terminate($this->proc, 9);
            fclose($this->stdout);
            proc_close($this->proc);
        }
        if (isset($this->dir) && is_dir($this->dir)) {
            array_map('unlink', glob($this->dir . '/*') ?: []);
            rmdir($this->dir);
        }
    }

    /**
     * Calls the emulator over HTTP(S) and decodes its JSON answer.
     *
     * @param mixed $body
     *
     * @return mixed
     */
    public function call(string $method, string $path, $body = null)
    {
        $http = ['method' => $method, 'ignore_errors' => true, 'timeout' => 10, 'header' => "Connection: close\r\n"];
        if ($body !== null) {
            $http['content'] = json_encode($body, JSON_THROW_ON_ERROR);
            $http['header'] .= "Content-Type: application/json\r\n";
        }
        $ctx = stream_context_create(['http' => $http, 'ssl' => ['cafile' => $this->ca]]);
        $text = file_get_contents($this->url . $path, false, $ctx);
        if ($text === false) {
            throw new \RuntimeException("emulator call $method $path failed");
        }

        return $text === '' ? null : json_decode($text, true, 512, JSON_THROW_ON_ERROR);
    }

    /**
     * Queues a fault, e.g. `fault(['kind' => '503', 'count' => 3])`.
     *
     * @param array<string, mixed> $fault
     */
    public function fault(array $fault): void
    {
        $this->call('POST', '/emulator/faults', $fault);
    }

    /** Drops every queued fault. */
    public function clearFaults(): void
    {
        $this->call('DELETE', '/emulator/faults');
    }

    /**
     * Reads the configuration, or changes part of it and returns the whole.
     *
     * @param array<string, mixed>|null $changes
     *
     * @return array<string, mixed>
     */
    public function config(?array $changes = null): array
    {
        return $changes === null
            ? $this->call('GET', '/emulator/config')
            : $this->call('POST', '/emulator/config', $changes);
    }

    public function suspend(int $requests): void
    {
        $this->call('POST', '/emulator/suspend', ['requests' => $requests]);
    }

    public function expireTokens(): int
    {
        return (int) $this->call('POST', '/emulator/expire_tokens', new \stdClass())['expired'];
    }

    /** @return list<array<string, mixed>> the request log */
    public function requests(): array
    {
        return $this->call('GET', '/emulator/requests')['list'];
    }

    /** @return array<string, mixed> the last logged request */
    public function lastRequest(): array
    {
        $list = $this->requests();

        return $list[count($list) - 1];
    }

    /** Clears the log and the counters. */
    public function clearLog(): void
    {
        $this->call('DELETE', '/emulator/requests');
    }

    /** @return array<string, mixed> */
    public function stats(): array
    {
        return $this->call('GET', '/emulator/stats');
    }

    /** Logged requests with this method whose path ends with $suffix. */
    public function count(string $method, string $suffix): int
    {
        $n = 0;
        foreach ($this->requests() as $r) {
            if ($r['method'] === $method && substr($r['path'], -strlen($suffix)) === $suffix) {
                $n++;
            }
        }

        return $n;
    }
}
