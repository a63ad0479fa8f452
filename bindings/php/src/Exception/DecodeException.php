<?php

declare(strict_types=1);

namespace DciManager\Exception;

/**
 * A success answer whose body is not the JSON expected, or is too large
 * (`DCI_ERROR_DECODE`); also raised when PHP cannot decode a body with `json_decode` (the
 * `\JsonException` is then the previous exception, and `getBody()` is empty) or when the
 * answer is a JSON scalar where an object or array was expected.
 */
class DecodeException extends DciException
{
}
