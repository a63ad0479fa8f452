<?php

declare(strict_types=1);

namespace DciManager\Exception;

/**
 * Base class of every error raised by this package.
 *
 * Every exception carries the **facts** of the failure as getters, the same in every language
 * of the library, so that code decides on them and never on the message's words:
 *
 *  - {@see DciException::getKind()}: the kind's stable name ("timeout", "api"...);
 *  - {@see DciException::getPhase()}: where an exchange without an answer stopped
 *    ("resolve", "connect", "tls", "send", "wait", "read"), null when an answer arrived or
 *    nothing was attempted;
 *  - {@see DciException::isRequestSent()}: whether the server may have seen the request
 *    (false: it certainly did not, so even a POST may be sent again);
 *  - {@see DciException::getAttempts()}: attempts made for the call, retries and failed
 *    connections included;
 *  - {@see DciException::getHttpStatus()}: the HTTP status of the answer, 0 without one;
 *  - {@see DciException::getArgument()}: for an invalid argument, the one refused;
 *  - {@see DciException::getBody()}: the start of a body that was not what was expected,
 *    secrets removed by the library;
 *  - {@see DciException::getTlsPin()}: for a {@see TlsException} about the server's
 *    certificate, the pin of the key it presented (`sha256//<base64>`);
 *  - {@see DciException::getMethod()} and {@see DciException::getUrl()}: the request that
 *    failed ("GET", `https://dci.example.com/api/dci/v3/server/999`, query included, secrets
 *    redacted), null when the failure had no request.
 *
 * The message names the request when there was one:
 * `GET /api/dci/v3/server/999: API error 3080 (HTTP 404): instance not found`.
 *
 * The exception code (`getCode()`) is the library's `dci_status` value (see
 * {@see DciException::getStatusName()}), 0 for errors that do not come from a status (a
 * library that cannot be loaded). No message, getter, `var_dump()`, `print_r()` or
 * `var_export()` of an exception contains a password, token or key (PHP ≥ 8.2 also hides
 * `#[\SensitiveParameter]` arguments in the trace; PHP 8.1 shows trace arguments unless
 * `zend.exception_ignore_args` is on, the production default).
 */
class DciException extends \RuntimeException
{
    private int $httpStatus;

    private string $statusName;

    private ?string $phase;

    private bool $requestSent;

    private int $attempts;

    private ?string $argument;

    private string $body;

    private ?string $tlsPin;

    private ?string $method;

    private ?string $url;

    /**
     * @param string          $message     human-readable message, free of secrets
     * @param int             $code        the `dci_status` value (0 when none applies)
     * @param \Throwable|null $previous    the cause, if any
     * @param int             $httpStatus  HTTP status of the answer behind the error, 0 if none
     * @param string          $statusName  the status' name, e.g. "DCI_ERROR_TIMEOUT"
     * @param string|null     $phase       where the exchange stopped ("connect", "wait"...),
     *                                     null when an answer arrived or nothing was attempted
     * @param bool            $requestSent whether the server may have seen the request
     * @param int             $attempts    attempts made, retries included
     * @param string|null     $argument    the argument refused, for an invalid argument
     * @param string          $body        the start of an unexpected body, secrets removed
     * @param string|null     $tlsPin      the pin of the key a refused server presented
     *                                     (`sha256//<base64>`), null when none
     * @param string|null     $method      the failed request's method, null when none
     * @param string|null     $url         the failed request's URL (secrets redacted), null
     *                                     when none
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
        ?string $tlsPin = null,
        ?string $method = null,
        ?string $url = null
    ) {
        parent::__construct($message, $code, $previous);
        $this->httpStatus = $httpStatus;
        $this->statusName = $statusName;
        $this->phase = $phase;
        $this->requestSent = $requestSent;
        $this->attempts = $attempts;
        $this->argument = $argument;
        $this->body = $body;
        $this->tlsPin = $tlsPin;
        $this->method = $method;
        $this->url = $url;
    }

    /**
     * The HTTP status of the answer behind this error; 0 when no answer arrived.
     */
    public function getHttpStatus(): int
    {
        return $this->httpStatus;
    }

    /**
     * The name of the library status, e.g. "DCI_ERROR_TIMEOUT" ("" when none applies).
     */
    public function getStatusName(): string
    {
        return $this->statusName;
    }

    /**
     * The kind's stable name, the same in every language: "invalid_argument", "connect",
     * "timeout", "tls", "http", "api", "unauthorized", "retries_exhausted", "decode",
     * "panic", "interrupted"; "library" for a {@see LibraryException}.
     */
    public function getKind(): string
    {
        if (strncmp($this->statusName, 'DCI_ERROR_', 10) !== 0) {
            return 'library';
        }

        return strtolower(substr($this->statusName, 10));
    }

    /**
     * Where an exchange that got no answer stopped: "resolve", "connect", "tls" (nothing was
     * sent), "send", "wait", "read" (the server may have seen the request); null when an
     * answer arrived or nothing was attempted.
     */
    public function getPhase(): ?string
    {
        return $this->phase;
    }

    /**
     * Whether the server may have seen the request, in part or in full. `false` means it
     * certainly did not: a POST may then be sent again.
     */
    public function isRequestSent(): bool
    {
        return $this->requestSent;
    }

    /**
     * How many attempts the call made, retries included: each try counts, one whose
     * connection failed too (3 for a refused connection retried twice, though nothing was
     * sent; 0: none).
     */
    public function getAttempts(): int
    {
        return $this->attempts;
    }

    /**
     * For an {@see InvalidArgumentException}: the argument refused ("url", "path", "header",
     * "body", "token", "ca_file", "method", an option's or a parameter's name such as
     * "email"); null when unknown or for other errors.
     */
    public function getArgument(): ?string
    {
        return $this->argument;
    }

    /**
     * The start of a body that was not what was expected (an HTML error page, JSON that does
     * not parse), at most 200 bytes, secrets removed by the library; "" when none. Empty as
     * well when PHP's `json_decode` refused a body the library accepted (PHP cannot know
     * which parts of it are secret).
     */
    public function getBody(): string
    {
        return $this->body;
    }

    /**
     * For a {@see TlsException} about the server's certificate (not trusted, expired, issued
     * for another name, or matching none of the pinned keys): the pin of the key the server
     * presented, `sha256//<base64>` in curl's format — the message shows it too. Compare it
     * out of band (on the platform's console) before giving it as the `pinned_pubkey`
     * option. Null for every other error.
     */
    public function getTlsPin(): ?string
    {
        return $this->tlsPin;
    }

    /**
     * The method of the request that failed ("GET", "POST", "DELETE"...); null when the
     * failure had no request (an invalid option, an error found on the PHP side).
     */
    public function getMethod(): ?string
    {
        return $this->method;
    }

    /**
     * The full URL of the request that failed, query included, secrets redacted (a token in
     * the path too): `https://dci.example.com/api/dci/v3/server/999`; null when the failure
     * had no request, or its path could not be made into a URL of this client (another
     * origin: the message quotes the path then).
     */
    public function getUrl(): ?string
    {
        return $this->url;
    }
}
