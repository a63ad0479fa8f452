<?php

declare(strict_types=1);

namespace DciManager\Exception;

/**
 * The connection could not be made, or broke before a complete answer
 * (`DCI_ERROR_CONNECT`).
 */
class ConnectException extends DciException
{
}
