<?php

declare(strict_types=1);

namespace DciManager\Exception;

/**
 * The call was interrupted while it waited (`DCI_ERROR_INTERRUPTED`): by
 * {@see \DciManager\Client::interrupt()} — typically from a pcntl signal handler, which the
 * client runs while a call waits when `pcntl_async_signals()` is on. It is not retried, its
 * connection is dropped, and the client stays usable. {@see DciException::getPhase()} and
 * {@see DciException::isRequestSent()} tell how far the request got.
 */
class InterruptedException extends DciException
{
}
