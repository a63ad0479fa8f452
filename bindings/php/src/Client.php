<?php

declare(strict_types=1);

namespace DciManager;

use DciManager\Exception\ApiException;
use DciManager\Exception\DciException;
use DciManager\Exception\DecodeException;
use DciManager\Exception\HttpException;
use DciManager\Exception\InvalidArgumentException;
use DciManager\Exception\LibraryException;
use DciManager\Exception\UnauthorizedException;
use FFI;
use FFI\CData;

/**
 * A DCImanager 6 client: base URL, TLS settings, connection pool and session token, held
 * by libdcimanager.
 *
 * ```php
 * $dci = new Client('https://dci.example.com', ['ca_file' => '/etc/ssl/dci-ca.pem']);
 * $dci->login('admin@example.com', 'secret');
 * $server = $dci->get('dci/v3/server/2');
 * ```
 *
 * The library does the protocol work: the token travels as header `x-xsrf-token`, cookie
 * `ses6` and `isp-box-instance: true`; HTTP 503 answers (a suspended platform) are
 * retried; a session that expires is renewed once when the client logged in with a
 * password. Errors are {@see DciException} subclasses whose messages never contain a
 * password, token or key; secret parameters are marked `#[\SensitiveParameter]`, so PHP ≥
 * 8.2 leaves them out of stack traces too.
 *
 * The native handle is freed when the object is destroyed; that does not log out (call
 * {@see Client::logout()} for that). A Client cannot be cloned or serialized.
 */
final class Client
{
    /** Option names and their defaults (null: the library's default). */
    private const OPTIONS = [
        'verify' => true,
        'ca_file' => null,
        'timeout' => 60,
        'connect_timeout' => 10,
        'retries' => 10,
        'backoff_factor' => 0.01,
        'token' => null,
        'library' => null,
    ];

    private FFI $ffi;

    private ?CData $handle = null;

    private string $baseUrl;

    /** @var array<string, mixed> the options in force, without the token */
    private array $options;

    /**
     * Creates a client for a base URL ("https://host[:port]", trailing slash or not).
     *
     * Options (all optional):
     *  - `verify` (bool, default true): verify the server's TLS certificate. `false` is
     *    INSECURE (anyone on the path can read the session token): only for tests. To trust
     *    a self-signed platform, keep it on and pass `ca_file` instead.
     *  - `ca_file` (string|null): a PEM file of CA certificates trusted in addition to the
     *    built-in (Mozilla) roots.
     *  - `timeout` (int|float|null, seconds, default 60): time budget of each call, retries
     *    and their waits included; 0 or null means no limit.
     *  - `connect_timeout` (int|float|null, seconds, default 10): time allowed to set up a
     *    connection; 0 or null means bounded only by `timeout`.
     *  - `retries` (int, default 10): how often an HTTP 503 answer (or a failed connection)
     *    is repeated.
     *  - `backoff_factor` (int|float, default 0.01): wait `backoff_factor * 2^(k-1)`
     *    seconds before retry k (none before the first); a `Retry-After` header replaces it.
     *  - `token` (string|null): a session token obtained elsewhere (see `createToken()`).
     *  - `library` (string|null): path of libdcimanager, when not found by itself (see
     *    {@see Native}); ignored when the library was preloaded.
     *
     * @param string               $baseUrl "https://dci.example.com"
     * @param array<string, mixed> $options see above
     *
     * @throws InvalidArgumentException for a bad URL, an unknown option or a bad value
     * @throws LibraryException         when libdcimanager cannot be loaded
     */
    public function __construct(string $baseUrl, #[\SensitiveParameter] array $options = [])
    {
        $library = $options['library'] ?? null;
        $this->ffi = Native::ffi(is_string($library) ? $library : null);
        $token = $options['token'] ?? null;
        unset($options['token']);
        $this->options = self::validate($options);
        if ($token !== null && !is_string($token)) {
            throw self::invalid("option 'token' must be a string or null");
        }
        $this->baseUrl = Native::cString($baseUrl, 'baseUrl');
        $handle = $this->ffi->dci_client_new($baseUrl);
        if ($handle === null) {
            // dci_client_new reports no status: a NULL handle is a bad argument.
            throw Native::exception(Native::lastError($this->ffi->DCI_ERROR_INVALID_ARGUMENT));
        }
        $this->handle = $handle;
        try {
            $this->configure($this->options);
            if ($token !== null) {
                $this->setToken($token);
            }
        } catch (\Throwable $e) {
            // A constructor that throws gets no __destruct(): free the handle here.
            $this->ffi->dci_client_free($this->handle);
            $this->handle = null;
            throw $e;
        }
    }

    /**
     * Frees the native handle (connections closed, token and credentials wiped from the
     * library's memory). Does not log out.
     */
    public function __destruct()
    {
        if ($this->handle !== null) {
            $this->ffi->dci_client_free($this->handle);
            $this->handle = null;
        }
    }

    /**
     * Clients cannot be cloned: the native handle has one owner.
     *
     * @throws \LogicException always
     */
    public function __clone()
    {
        $this->handle = null; // the copy exists until the exception unwinds: it must not free
        throw new \LogicException('a DciManager\Client cannot be cloned; create another one');
    }

    /**
     * Clients cannot be serialized (they hold a native handle and a secret).
     *
     * @throws \LogicException always
     *
     * @return array<string, mixed>
     */
    public function __serialize(): array
    {
        throw new \LogicException('a DciManager\Client cannot be serialized');
    }

    /**
     * Clients cannot be unserialized.
     *
     * @param array<string, mixed> $data
     *
     * @throws \LogicException always
     */
    public function __unserialize(array $data): void
    {
        throw new \LogicException('a DciManager\Client cannot be unserialized');
    }

    /**
     * What `var_dump()`/`print_r()` show: never the token.
     *
     * @return array<string, mixed>
     */
    public function __debugInfo(): array
    {
        $session = 'closed';
        if ($this->handle !== null) {
            $session = $this->hasToken() ? 'active' : 'none';
        }

        return [
            'baseUrl' => $this->baseUrl,
            'session' => $session,
            'options' => $this->options,
            'library' => Native::libraryPath(),
        ];
    }

    /**
     * The library's version, e.g. "0.1.0".
     *
     * @throws LibraryException when libdcimanager cannot be loaded
     */
    public static function version(): string
    {
        return Native::version();
    }

    /**
     * Percent-encodes text for one path segment or query value (everything but
     * `A-Z a-z 0-9 - . _ ~`, so `+ ( ) '` in a `where` survive).
     *
     * @throws InvalidArgumentException for a string with a NUL byte
     * @throws LibraryException         when libdcimanager cannot be loaded
     */
    public static function encode(string $text): string
    {
        $ffi = Native::ffi();
        $text = Native::cString($text, 'text');

        return (string) Native::outString(static fn (CData $out): int => $ffi->dci_encode_component($text, $out));
    }

    /**
     * The base URL this client was created with.
     */
    public function getBaseUrl(): string
    {
        return $this->baseUrl;
    }

    /**
     * Logs in with e-mail and password (POST api/auth/v4/public/token); the session token is
     * used from then on. The credentials stay in the library's memory (wiped when the client
     * is destroyed) so that an expired session is renewed once, automatically.
     *
     * @throws UnauthorizedException for wrong credentials (sent once, never retried)
     * @throws DciException          for any other failure
     */
    public function login(string $email, #[\SensitiveParameter] string $password): void
    {
        $email = Native::cString($email, 'email');
        $password = Native::cString($password, 'password');
        Native::check($this->ffi->dci_client_login($this->handle(), $email, $password));
    }

    /**
     * Logs in with a single sign-on key (POST api/auth/v4/public/key), e.g. one made by
     * {@see Client::createKey()}; the session token is used from then on. Such a session is
     * not renewed automatically.
     *
     * @throws UnauthorizedException for an unknown or expired key
     * @throws DciException          for any other failure
     */
    public function loginWithKey(#[\SensitiveParameter] string $key): void
    {
        $key = Native::cString($key, 'key');
        Native::check($this->ffi->dci_client_login_with_key($this->handle(), $key));
    }

    /**
     * The session token in use, or null when there is none. It is a secret: do not log it.
     *
     * @throws DciException on failure
     */
    public function getToken(): ?string
    {
        $h = $this->handle();

        return Native::outString(fn (CData $out): int => $this->ffi->dci_client_token($h, $out));
    }

    /**
     * Uses a token obtained elsewhere (e.g. from {@see Client::createToken()}). Credentials
     * from an earlier login are forgotten (no automatic renewal).
     *
     * @throws InvalidArgumentException for a token with spaces, line breaks or other
     *                                  characters that cannot travel in a header
     */
    public function setToken(#[\SensitiveParameter] string $token): void
    {
        $token = Native::cString($token, 'token');
        Native::check($this->ffi->dci_client_set_token($this->handle(), $token));
    }

    /**
     * Ends the session (DELETE api/auth/v4/token/<token>) and forgets the token and
     * credentials, whatever the answer. A session the platform already dropped counts as
     * logged out; without a token this does nothing.
     *
     * @throws DciException when the platform could not be reached (the token is forgotten
     *                      all the same)
     */
    public function logout(): void
    {
        Native::check($this->ffi->dci_client_logout($this->handle()));
    }

    /**
     * The current user (GET api/auth/v4/whoami): `id`, `email`, `full_name`, `roles`...
     *
     * @return array<string, mixed>
     *
     * @throws DciException on failure
     */
    public function whoami(): array
    {
        $h = $this->handle();
        $json = (string) Native::outString(fn (CData $out): int => $this->ffi->dci_client_whoami($h, $out));

        return self::decodeArray($json, null);
    }

    /**
     * Creates a long-lived token (POST api/auth/v4/token). The client keeps its current
     * token; pass the new one to {@see Client::setToken()} or the `token` option to use it.
     *
     * @param \DateTimeInterface|string $expiresAt   when it expires: a date (converted to
     *                                               UTC) or "YYYY-MM-DD HH:MM:SS"
     * @param string|null               $description a comment (null: empty)
     *
     * @return string the token (a secret)
     *
     * @throws DciException on failure
     */
    public function createToken(\DateTimeInterface|string $expiresAt, ?string $description = null): string
    {
        if ($expiresAt instanceof \DateTimeInterface) {
            $expiresAt = \DateTimeImmutable::createFromInterface($expiresAt)
                ->setTimezone(new \DateTimeZone('UTC'))
                ->format('Y-m-d H:i:s');
        }
        $expiresAt = Native::cString($expiresAt, 'expiresAt');
        if ($description !== null) {
            $description = Native::cString($description, 'description');
        }
        $h = $this->handle();

        return (string) Native::outString(
            fn (CData $out): int => $this->ffi->dci_client_create_token($h, $expiresAt, $description, $out)
        );
    }

    /**
     * Sets the platform's token and session lifetime in minutes (POST
     * api/auth/v4/setting/token_ttl). Admin only.
     *
     * @param int|string $minutes e.g. 999
     *
     * @throws DciException on failure
     */
    public function setTokenTtl(int|string $minutes): void
    {
        $minutes = Native::cString((string) $minutes, 'minutes');
        Native::check($this->ffi->dci_client_set_token_ttl($this->handle(), $minutes));
    }

    /**
     * Creates a single sign-on key for a user (POST api/auth/v4/user/<user>/key; admin
     * only). The key is valid for an hour; send the user to {@see Client::keyLoginUrl()}.
     *
     * @param int|string $user the user's e-mail or id
     *
     * @return string the key (a secret)
     *
     * @throws DciException on failure
     */
    public function createKey(int|string $user): string
    {
        $user = Native::cString((string) $user, 'user');
        $h = $this->handle();

        return (string) Native::outString(fn (CData $out): int => $this->ffi->dci_client_create_key($h, $user, $out));
    }

    /**
     * The link that logs a user in with a key, "<base>/auth/key-v4/<key>": the page a
     * billing system redirects its customer to. Sends nothing.
     *
     * @throws DciException on failure
     */
    public function keyLoginUrl(#[\SensitiveParameter] string $key): string
    {
        $key = Native::cString($key, 'key');
        $h = $this->handle();

        return (string) Native::outString(fn (CData $out): int => $this->ffi->dci_client_key_login_url($h, $key, $out));
    }

    /**
     * GET a path and decode its JSON answer, e.g. `get('dci/v3/server/2')` or
     * `get('dci/v3/server', ['where' => "power_status EQ 'on'", 'limit' => '0,10'])`.
     *
     * @param string                           $path  "dci/v3/..." (under /api/), "/..." (from
     *                                                the host root) or a full URL of this origin
     * @param array<string, scalar>            $query query values, percent-encoded here
     *
     * @return array<mixed> the decoded answer ([] for an empty body)
     *
     * @throws DciException ApiException, HttpException, DecodeException...
     */
    public function get(string $path, array $query = []): array
    {
        return $this->call('GET', $path, null, $query);
    }

    /**
     * POST a JSON body (an array or object; null or [] sends `{}`) and decode the answer.
     *
     * @param string            $path see {@see Client::get()}
     * @param array<mixed>|object|null $body  encoded with json_encode; use `(object) []` or
     *                                 `new \stdClass()` for an empty object inside it
     *
     * @return array<mixed> the decoded answer ([] for an empty body)
     *
     * @throws DciException ApiException, HttpException, DecodeException...
     */
    public function post(string $path, array|object|null $body = null): array
    {
        return $this->call('POST', $path, $body, []);
    }

    /**
     * DELETE a path and decode the answer.
     *
     * @param string                $path  see {@see Client::get()}
     * @param array<string, scalar> $query query values, percent-encoded here
     *
     * @return array<mixed> the decoded answer ([] for an empty body)
     *
     * @throws DciException ApiException, HttpException, DecodeException...
     */
    public function delete(string $path, array $query = []): array
    {
        return $this->call('DELETE', $path, null, $query);
    }

    /**
     * Sends a request and returns the answer, whatever its status: API errors, HTTP 401,
     * an HTML 502 or the last 503 after the retries are returned as a {@see Response}
     * ({@see Response::getError()} / {@see Response::throwIfError()}). Throws only when no
     * answer arrived (connection, timeout, TLS, invalid argument).
     *
     * @param string                   $method "GET", "POST", "DELETE"
     * @param string                   $path   see {@see Client::get()}
     * @param array<mixed>|object|null $body   JSON body (null: none; a POST without one sends `{}`)
     * @param array<string, scalar>    $query  query values, percent-encoded here
     *
     * @throws DciException when no answer arrived
     */
    public function request(string $method, string $path, array|object|null $body = null, array $query = []): Response
    {
        return $this->send($method, $path, $body, $query);
    }

    /**
     * Sends a request; throws the answer's error, decodes its body.
     *
     * @param array<mixed>|object|null $body
     * @param array<string, scalar>    $query
     *
     * @return array<mixed>
     */
    private function call(string $method, string $path, array|object|null $body, array $query): array
    {
        $response = $this->send($method, $path, $body, $query)->throwIfError();

        return self::decodeArray($response->getBody(), $response);
    }

    /**
     * @param array<mixed>|object|null $body
     * @param array<string, scalar>    $query
     */
    private function send(string $method, string $path, array|object|null $body, array $query): Response
    {
        $method = Native::cString($method, 'method');
        $path = Native::cString($path, 'path');
        if ($query !== []) {
            $path .= (strpos($path, '?') === false ? '?' : '&') . self::queryString($query);
        }
        $json = null;
        if ($body !== null) {
            try {
                $json = $body === [] ? '{}' : json_encode($body, JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES);
            } catch (\JsonException $e) {
                throw Native::localError(
                    'DCI_ERROR_INVALID_ARGUMENT',
                    'invalid argument: body cannot be encoded as JSON (' . $e->getMessage() . ')',
                    $e
                );
            }
        }
        $out = $this->ffi->new('dci_response*');
        $status = $this->ffi->dci_client_request($this->handle(), $method, $path, $json, FFI::addr($out));
        $error = Native::isOk($status) ? null : Native::lastError($status);
        $answer = Native::takeResponse($out); // frees the native response
        if ($answer === null) {
            throw Native::exception($error ?? Native::lastError($status));
        }

        return new Response($answer[0], $answer[1], $error);
    }

    /**
     * @param array<string, scalar> $query
     */
    private static function queryString(array $query): string
    {
        $parts = [];
        foreach ($query as $name => $value) {
            if (is_bool($value)) {
                $value = $value ? 'true' : 'false';
            } elseif (is_int($value) || is_float($value)) {
                $value = (string) $value;
            } elseif (!is_string($value)) {
                throw self::invalid("query value '$name' must be a string, number or bool");
            }
            $parts[] = self::encode((string) $name) . '=' . self::encode($value);
        }

        return implode('&', $parts);
    }

    /**
     * @return array<mixed>
     */
    private static function decodeArray(string $json, ?Response $response): array
    {
        if ($json === '') {
            return [];
        }
        try {
            $data = json_decode($json, true, 512, JSON_THROW_ON_ERROR);
        } catch (\JsonException $e) {
            throw Native::localError(
                'DCI_ERROR_DECODE',
                'bad response body: not JSON (' . $e->getMessage() . ')',
                $e,
                $response
            );
        }
        if (!is_array($data)) {
            throw Native::localError(
                'DCI_ERROR_DECODE',
                'bad response body: a JSON ' . gettype($data) . ' where an object or array was expected',
                null,
                $response
            );
        }

        return $data;
    }

    private function handle(): CData
    {
        if ($this->handle === null) {
            throw new \LogicException('the client was freed');
        }

        return $this->handle;
    }

    private function hasToken(): bool
    {
        $out = $this->ffi->new('char*');
        if (!Native::isOk($this->ffi->dci_client_token($this->handle(), FFI::addr($out)))) {
            return false;
        }
        try {
            return !FFI::isNull($out);
        } finally {
            $this->ffi->dci_string_free($out);
        }
    }

    /**
     * Checks option names and types; returns the options in force (token excluded).
     *
     * @param array<mixed> $options
     *
     * @return array<string, mixed>
     */
    private static function validate(array $options): array
    {
        $unknown = array_diff(array_map('strval', array_keys($options)), array_keys(self::OPTIONS));
        if ($unknown !== []) {
            throw self::invalid(sprintf(
                'unknown option%s %s (known: %s)',
                count($unknown) > 1 ? 's' : '',
                implode(', ', array_map(static fn ($k) => "'$k'", $unknown)),
                implode(', ', array_keys(self::OPTIONS))
            ));
        }
        $seconds = static function (string $name, $v): void {
            if ($v !== null && !((is_int($v) || is_float($v)) && is_finite((float) $v) && $v >= 0)) {
                throw self::invalid("option '$name' must be a number of seconds >= 0, or null");
            }
        };
        foreach ($options as $name => $v) {
            switch ($name) {
                case 'verify':
                    if (!is_bool($v)) {
                        throw self::invalid("option 'verify' must be true or false (use 'ca_file' for a CA file)");
                    }
                    break;
                case 'ca_file':
                case 'library':
                    if ($v !== null && (!is_string($v) || $v === '')) {
                        throw self::invalid("option '$name' must be a non-empty string or null");
                    }
                    break;
                case 'timeout':
                case 'connect_timeout':
                    $seconds($name, $v);
                    break;
                case 'retries':
                    if (!is_int($v) || $v < 0 || $v > 0xFFFFFFFF) {
                        throw self::invalid("option 'retries' must be an int >= 0");
                    }
                    break;
                case 'backoff_factor':
                    if (!(is_int($v) || is_float($v)) || !is_finite((float) $v) || $v < 0) {
                        throw self::invalid("option 'backoff_factor' must be a number >= 0");
                    }
                    break;
            }
        }
        $in = self::OPTIONS;
        unset($in['token']);

        return array_merge($in, $options);
    }

    /**
     * Hands the options to the library (only those given differ from its defaults, but
     * setting them all keeps this class the single source of the documented defaults).
     *
     * @param array<string, mixed> $o
     */
    private function configure(array $o): void
    {
        $h = $this->handle();
        $ffi = $this->ffi;
        Native::check($ffi->dci_client_set_verify_tls($h, $o['verify']));
        if ($o['ca_file'] !== null) {
            Native::check($ffi->dci_client_set_ca_file($h, Native::cString($o['ca_file'], 'ca_file')));
        }
        Native::check($ffi->dci_client_set_timeout_ms($h, self::millis($o['timeout'])));
        Native::check($ffi->dci_client_set_connect_timeout_ms($h, self::millis($o['connect_timeout'])));
        Native::check($ffi->dci_client_set_retry($h, $o['retries'], (float) $o['backoff_factor']));
        // Every JSON body is decoded here (json_decode, DecodeException on failure): the
        // library's own check would parse each body a second time.
        Native::check($ffi->dci_client_set_validate_json($h, false));
    }

    /**
     * Seconds to milliseconds for the library (0: no limit); a positive value never
     * becomes 0.
     *
     * @param int|float|null $seconds
     */
    private static function millis(int|float|null $seconds): int
    {
        if ($seconds === null || $seconds == 0) {
            return 0;
        }

        return max(1, (int) round($seconds * 1000));
    }

    private static function invalid(string $message): DciException
    {
        return Native::localError('DCI_ERROR_INVALID_ARGUMENT', 'invalid argument: ' . $message);
    }
}
