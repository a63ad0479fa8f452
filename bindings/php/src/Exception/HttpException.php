<?php

declare(strict_types=1);

namespace DciManager\Exception;

/**
 * An HTTP error status without the platform's error body, e.g. an HTML 502 page from a
 * proxy (`DCI_ERROR_HTTP`). `getHttpStatus()` gives the status; `getResponse()` the page,
 * when the call was a request.
 */
class HttpException extends DciException
{
}
