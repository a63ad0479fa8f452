<?php

declare(strict_types=1);

namespace DciManager\Exception;

use DciManager\Response;

/**
 * Base class of every error raised by this package.
 *
 * The exception code (`getCode()`) is the library's `dci_status` value (see
 * `getStatusName()`), 0 for errors that do not come from a status (a library that cannot be
 * loaded). Messages come from the library or from this package and never contain a
 * password, token or key.
 */
class DciException extends \RuntimeException
{
    private int $httpStatus;

    private ?Response $response;

    private string $statusName;

    /**
     * @param string          $message    human-readable message, free of secrets
     * @param int             $code       the `dci_status` value (0 when none applies)
     * @param \Throwable|null $previous   the cause, if any
     * @param int             $httpStatus HTTP status of the answer behind the error, 0 if none
     * @param Response|null   $response   the answer behind the error, when one arrived
     * @param string          $statusName the status' name, e.g. "DCI_ERROR_TIMEOUT"
     */
    public function __construct(
        string $message = '',
        int $code = 0,
        ?\Throwable $previous = null,
        int $httpStatus = 0,
        ?Response $response = null,
        string $statusName = ''
    ) {
        parent::__construct($message, $code, $previous);
        $this->httpStatus = $httpStatus;
        $this->response = $response;
        $this->statusName = $statusName;
    }

    /**
     * The HTTP status of the answer behind this error; 0 when no answer arrived.
     */
    public function getHttpStatus(): int
    {
        return $this->httpStatus;
    }

    /**
     * The answer behind this error (status and body), when the call was a request that
     * got one (`get`, `post`, `delete`, `request`); null otherwise.
     */
    public function getResponse(): ?Response
    {
        return $this->response;
    }

    /**
     * The name of the library status, e.g. "DCI_ERROR_TIMEOUT" ("" when none applies).
     */
    public function getStatusName(): string
    {
        return $this->statusName;
    }
}
