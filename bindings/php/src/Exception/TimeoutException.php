<?php

declare(strict_types=1);

namespace DciManager\Exception;

/**
 * The call ran out of its time budget, retries included (`DCI_ERROR_TIMEOUT`; see the
 * `timeout` option).
 */
class TimeoutException extends DciException
{
}
