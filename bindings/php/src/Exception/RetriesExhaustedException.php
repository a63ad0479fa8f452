<?php

declare(strict_types=1);

namespace DciManager\Exception;

/**
 * The platform kept answering HTTP 503 (suspended) until no retry was left
 * (`DCI_ERROR_RETRIES_EXHAUSTED`; see the `retries` option). `getHttpStatus()` is the
 * last answer's status (0 when the last attempt got none), `getAttempts()` the
 * requests sent.
 */
class RetriesExhaustedException extends DciException
{
}
