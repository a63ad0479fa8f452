<?php

declare(strict_types=1);

namespace DciManager;

use DciManager\Exception\DciException;
use DciManager\Exception\DecodeException;

/**
 * An HTTP answer from {@see Client::request()}: its status and body, copied out of the
 * library (the native response is already freed). Headers are not available through the
 * C ABI.
 *
 * A Response may be an error answer (API error, HTTP 401, an HTML 502, the last 503 after
 * the retries, a JSON answer whose body does not parse): {@see Response::getError()} gives
 * the exception that `get()`/`post()`/`delete()` would have thrown,
 * {@see Response::throwIfError()} throws it.
 */
final class Response
{
    private int $status;

    private string $body;

    /** @var array{status: int, message: string, api_code: int, http_status: int}|null */
    private ?array $error;

    /**
     * @param int    $status HTTP status
     * @param string $body   body bytes
     * @param array{status: int, message: string, api_code: int, http_status: int}|null $error
     *                       the library's error for this answer, if any
     *
     * @internal responses come from Client::request()
     */
    public function __construct(int $status, string $body, ?array $error = null)
    {
        $this->status = $status;
        $this->body = $body;
        $this->error = $error;
    }

    /**
     * The HTTP status, e.g. 200 or 404.
     */
    public function getStatus(): int
    {
        return $this->status;
    }

    /**
     * The body as sent by the platform (usually JSON text; "" when empty).
     */
    public function getBody(): string
    {
        return $this->body;
    }

    /**
     * Whether the library reported no error for this answer: a 2xx status (redirects are
     * not followed: a 3xx is an HTTP error) with a body that parses when it says it is JSON.
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
        if ($this->body === '') {
            return null;
        }
        try {
            return json_decode($this->body, true, 512, JSON_THROW_ON_ERROR);
        } catch (\JsonException $e) {
            throw Native::localError(
                'DCI_ERROR_DECODE',
                sprintf('bad response body: not JSON (%s), HTTP %d', $e->getMessage(), $this->status),
                $e,
                $this
            );
        }
    }

    /**
     * The exception this answer stands for (ApiException, UnauthorizedException,
     * HttpException, RetriesExhaustedException, DecodeException), or null for a success.
     */
    public function getError(): ?DciException
    {
        return $this->error === null ? null : Native::exception($this->error, $this);
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
