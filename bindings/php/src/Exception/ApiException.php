<?php

declare(strict_types=1);

namespace DciManager\Exception;

/**
 * The platform answered with its error body `{"error":{"code","msg","value"}}`
 * (`DCI_ERROR_API`), e.g. code 3080 "instance not found" with HTTP 404. Besides the facts of
 * every {@see DciException}, it carries the platform's code, message and value.
 */
class ApiException extends DciException
{
    private int $apiCode;

    private string $apiMessage;

    private mixed $value;

    /**
     * @param string          $message     human-readable message, free of secrets
     * @param int             $code        the `dci_status` value
     * @param \Throwable|null $previous    the cause, if any
     * @param int             $httpStatus  HTTP status of the answer
     * @param string          $statusName  the status' name
     * @param string|null     $phase       always null for an answer (kept for the signature)
     * @param bool            $requestSent whether the server may have seen the request
     * @param int             $attempts    attempts made, retries included
     * @param string|null     $argument    null (kept for the signature)
     * @param string          $body        the start of the body, secrets removed
     * @param int             $apiCode     the platform's `error.code`
     * @param string          $apiMessage  the platform's `error.msg`
     * @param mixed           $value       the platform's `error.value`, decoded
     * @param string|null     $tlsPin      null (kept for the signature)
     * @param string|null     $method      the failed request's method
     * @param string|null     $url         the failed request's URL (secrets redacted)
     */
    public function __construct(
        string $message = '',
        int $code = 0,
        ?\Throwable $previous = null,
        int $httpStatus = 0,
        string $statusName = '',
        ?string $phase = null,
        bool $requestSent = false,
        int $attempts = 0,
        ?string $argument = null,
        string $body = '',
        int $apiCode = 0,
        string $apiMessage = '',
        mixed $value = null,
        ?string $tlsPin = null,
        ?string $method = null,
        ?string $url = null
    ) {
        parent::__construct(
            $message,
            $code,
            $previous,
            $httpStatus,
            $statusName,
            $phase,
            $requestSent,
            $attempts,
            $argument,
            $body,
            $tlsPin,
            $method,
            $url
        );
        $this->apiCode = $apiCode;
        $this->apiMessage = $apiMessage;
        $this->value = $value;
    }

    /**
     * The platform's error code, e.g. 3001 (Unauthorized), 3080 (instance not found),
     * 1106 (request handler not found); 0 when the answer had none.
     */
    public function getApiCode(): int
    {
        return $this->apiCode;
    }

    /**
     * The platform's error message (`error.msg`), e.g. "instance not found"; secrets the
     * server echoed are removed by the library.
     */
    public function getApiMessage(): string
    {
        return $this->apiMessage;
    }

    /**
     * The platform's `error.value` decoded to arrays (e.g. `['property' => 'nickname']`),
     * or null when it sent none; secrets the server echoed are masked by the library.
     */
    public function getValue(): mixed
    {
        return $this->value;
    }

    /**
     * The same as {@see ApiException::getValue()}, under the name the other languages use.
     */
    public function getApiValue(): mixed
    {
        return $this->value;
    }
}
