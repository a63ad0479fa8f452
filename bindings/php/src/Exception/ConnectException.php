<?php

declare(strict_types=1);

namespace DciManager\Exception;

/**
 * The connection could not be made, or broke before a complete answer
 * (`DCI_ERROR_CONNECT`); also a proxy that cannot be reached or refuses the tunnel (phase
 * "connect", the message naming the proxy without its credentials; a 407 is not retried).
 */
class ConnectException extends DciException
{
}
