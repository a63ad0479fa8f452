<?php

declare(strict_types=1);

namespace DciManager\Exception;

use DciManager\Response;

/**
 * The platform answered with its error body `{"error":{"code","msg","value"}}`
 * (`DCI_ERROR_API`), e.g. code 3080 "instance not found" with HTTP 404.
 */
class ApiException extends DciException
{
    private int $apiCode;

    private string $apiMessage;

    private mixed $value;

    /**
     * @param string          $message    human-readable message, free of secrets
     * @param int             $code       the `dci_status` value
     * @param \Throwable|null $previous   the cause, if any
     * @param int             $httpStatus HTTP status of the answer
     * @param Response|null   $response   the answer, when the call was a request
     * @param string          $statusName the status' name
     * @param int             $apiCode    the platform's `error.code`
     * @param string          $apiMessage the platform's `error.msg`
     * @param mixed           $value      the platform's `error.value`
     */
    public function __construct(
        string $message = '',
        int $code = 0,
        ?\Throwable $previous = null,
        int $httpStatus = 0,
        ?Response $response = null,
        string $statusName = '',
        int $apiCode = 0,
        string $apiMessage = '',
        mixed $value = null
    ) {
        parent::__construct($message, $code, $previous, $httpStatus, $response, $statusName);
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
     * The platform's error message (`error.msg`), e.g. "instance not found".
     */
    public function getApiMessage(): string
    {
        return $this->apiMessage;
    }

    /**
     * The platform's `error.value` decoded to arrays (e.g. `['property' => 'nickname']`),
     * or null when it sent none. Only available when the call was a request (`get`,
     * `post`, `delete`, `request`): the other methods' C functions do not hand it over.
     *
     */
    public function getValue(): mixed
    {
        return $this->value;
    }
}
