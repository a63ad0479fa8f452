<?php

declare(strict_types=1);

namespace DciManager\Exception;

/**
 * The platform refused the session or the credentials (HTTP 401 or API code 3001;
 * `DCI_ERROR_UNAUTHORIZED`): wrong password or key, no session, or a session that expired
 * and could not be renewed.
 */
class UnauthorizedException extends ApiException
{
}
