<?php

declare(strict_types=1);

namespace DciManager;

use DciManager\Exception\DecodeException;
use DciManager\Exception\InvalidArgumentException;

/**
 * JSON on the PHP side: bodies to send, answers to decode (objects become arrays). Its errors
 * are made by {@see Native}, with the facts known here and never any of the body's text.
 *
 * @internal
 */
final class Json
{
    private function __construct()
    {
    }

    /**
     * Decodes an answer: null for an empty (or blank) body.
     *
     * @param string $body      the body
     * @param int    $status    HTTP status of the answer (0: not from an answer)
     * @param int    $attempts  requests sent for it
     * @param bool   $arrayOnly refuse a JSON scalar (what get/post/delete/whoami expect)
     *
     * @throws DecodeException when the body is not JSON (or is a scalar, with $arrayOnly)
     */
    public static function decode(string $body, int $status, int $attempts, bool $arrayOnly): mixed
    {
        if ($body === '' || trim($body) === '') {
            return null;
        }
        $facts = ['http_status' => $status, 'attempts' => $attempts, 'request_sent' => $attempts > 0];
        try {
            $data = json_decode($body, true, 512, JSON_THROW_ON_ERROR);
        } catch (\JsonException $e) {
            // The message names the parser's complaint only: the body may hold what a server
            // echoed, so none of it goes into the exception.
            throw Native::localError(
                'DCI_ERROR_DECODE',
                sprintf('bad response body: not JSON (%s), HTTP %d, %d bytes', $e->getMessage(), $status, strlen($body)),
                $facts,
                $e
            );
        }
        if ($arrayOnly && !is_array($data)) {
            throw Native::localError(
                'DCI_ERROR_DECODE',
                sprintf('bad response body: a JSON %s where an object or array was expected, HTTP %d', gettype($data), $status),
                $facts
            );
        }

        return $data;
    }

    /**
     * Encodes a body to send: null stays null (no body), [] becomes `{}`.
     *
     * @param array<mixed>|object|null $body
     *
     * @throws InvalidArgumentException when json_encode refuses it (argument "body")
     */
    public static function encode(array|object|null $body): ?string
    {
        if ($body === null) {
            return null;
        }
        if ($body === []) {
            return '{}';
        }
        try {
            return json_encode($body, JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES);
        } catch (\JsonException $e) {
            throw Native::invalid('body', 'body cannot be encoded as JSON (' . $e->getMessage() . ')');
        }
    }
}
