<?php

declare(strict_types=1);

namespace DciManager;

use DciManager\Exception\DciException;
use DciManager\Exception\DecodeException;
use DciManager\Exception\InvalidArgumentException;
use FFI\CData;

/**
 * An HTTP answer from {@see Client::request()} or {@see Client::sendAll()}, whatever its
 * status: the status, the body (copied byte for byte: any bytes, NUL included), the headers
 * and how many times the request was sent.
 *
 * A Response may be an error answer (API error, HTTP 401, an HTML 502, a redirect, the last
 * 503 after the retries): {@see Response::getError()} gives the exception that
 * `get()`/`post()`/`delete()` would have thrown, {@see Response::throwIfError()} throws it.
 * The library judges the answer (`dci_response_error`), not this class.
 *
 * The object keeps the library's response (for its headers) until it is destroyed. It cannot
 * be cloned or serialized; `var_dump()`/`print_r()` show the status, the attempts and the
 * body's size, not the body or headers (which may carry what a server echoed).
 */
final class Response
{
    private ?CData $handle;

    private int $status;

    private int $attempts;

    private string $body;

    /** @var array<string, mixed>|null the library's facts for an error answer */
    private ?array $error;

    /**
     * Takes over a `dci_response *` handed out by `dci_client_send` (or taken from a batch).
     *
     * @param CData $response the native response; freed with this object
     *
     * @internal responses come from Client::request() and Client::sendAll()
     */
    public function __construct(CData $response)
    {
        $ffi = Native::ffi();
        $this->handle = $response;
        $this->status = (int) $ffi->dci_response_status($response);
        $this->attempts = (int) $ffi->dci_response_attempts($response);
        $this->body = Native::body($response);
        $status = (int) $ffi->dci_response_error($response);
        $this->error = Native::isOk($status) ? null : Native::lastError($status);
    }

    /**
     * Frees the library's response.
     */
    public function __destruct()
    {
        if ($this->handle !== null) {
            Native::ffi()->dci_response_free($this->handle);
            $this->handle = null;
        }
    }

    /**
     * Responses cannot be cloned: the native response has one owner.
     *
     * @throws \LogicException always
     */
    public function __clone()
    {
        $this->handle = null; // the copy must not free the original's response
        throw new \LogicException('a DciManager\Response cannot be cloned');
    }

    /**
     * Responses cannot be serialized (they hold a native response).
     *
     * @throws \LogicException always
     *
     * @return array<string, mixed>
     */
    public function __serialize(): array
    {
        throw new \LogicException('a DciManager\Response cannot be serialized; keep getStatus() and getBody()');
    }

    /**
     * Responses cannot be unserialized.
     *
     * @param array<string, mixed> $data
     *
     * @throws \LogicException always
     */
    public function __unserialize(array $data): void
    {
        throw new \LogicException('a DciManager\Response cannot be unserialized');
    }

    /**
     * What `var_dump()`/`print_r()` show: status, attempts, the body's size.
     *
     * @return array{status: int, attempts: int, ok: bool, body_bytes: int}
     */
    public function __debugInfo(): array
    {
        return [
            'status' => $this->status,
            'attempts' => $this->attempts,
            'ok' => $this->error === null,
            'body_bytes' => strlen($this->body),
        ];
    }

    /**
     * The HTTP status, e.g. 200 or 404.
     */
    public function getStatus(): int
    {
        return $this->status;
    }

    /**
     * How many times the request was sent (1 when it was not retried).
     */
    public function getAttempts(): int
    {
        return $this->attempts;
    }

    /**
     * The body as sent by the platform, byte for byte (usually JSON text; "" when empty).
     */
    public function getBody(): string
    {
        return $this->body;
    }

    /**
     * The value of a header (name case-insensitive; a repeated header's values joined with
     * ", "), or null when the answer has no such header.
     *
     * @throws InvalidArgumentException for a name with a NUL byte
     */
    public function getHeader(string $name): ?string
    {
        $name = Native::cString($name, 'name');
        if ($this->handle === null) {
            return null;
        }
        $value = Native::ffi()->dci_response_header($this->handle, $name);

        return $value === null ? null : (string) $value;
    }

    /**
     * Whether the library judges this answer a success (a 2xx status; redirects are not
     * followed: a 3xx is an HTTP error).
     */
    public function isOk(): bool
    {
        return $this->error === null;
    }

    /**
     * The body decoded with `json_decode(..., true)`: arrays for objects; null for an
     * empty body.
     *
     * @throws DecodeException when the body is not JSON
     */
    public function json(): mixed
    {
        return Json::decode($this->body, $this->status, $this->attempts, false);
    }

    /**
     * The exception this answer stands for (ApiException, UnauthorizedException,
     * HttpException, RetriesExhaustedException), with the library's facts; null for a
     * success.
     */
    public function getError(): ?DciException
    {
        return $this->error === null ? null : Native::exception($this->error);
    }

    /**
     * Throws {@see Response::getError()} when this answer is an error; returns the response
     * otherwise, for chaining: `$client->request('GET', $p)->throwIfError()->json()`.
     *
     * @throws DciException
     */
    public function throwIfError(): self
    {
        $error = $this->getError();
        if ($error !== null) {
            throw $error;
        }

        return $this;
    }
}
