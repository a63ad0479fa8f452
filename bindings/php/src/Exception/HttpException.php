<?php

declare(strict_types=1);

namespace DciManager\Exception;

/**
 * An HTTP error status without the platform's error body, e.g. an HTML 502 page from a
 * proxy or a redirect, which is never followed (`DCI_ERROR_HTTP`). `getHttpStatus()` gives
 * the status, `getBody()` the start of the page (secrets removed); `Client::request()` hands
 * over the whole answer.
 */
class HttpException extends DciException
{
}
