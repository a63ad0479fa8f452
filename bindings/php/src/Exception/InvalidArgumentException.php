<?php

declare(strict_types=1);

namespace DciManager\Exception;

/**
 * An argument or option cannot be used: a bad URL, a path to another origin, a string
 * with a NUL byte, a token with a line break, an unknown option... Nothing was sent
 * (`DCI_ERROR_INVALID_ARGUMENT`). `getArgument()` names the argument or option refused
 * ("url", "path", "token", "password", "timeout"...), never its value.
 */
class InvalidArgumentException extends DciException
{
}
