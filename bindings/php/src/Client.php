<?php

declare(strict_types=1);

namespace DciManager;

use DciManager\Exception\ApiException;
use DciManager\Exception\ConnectException;
use DciManager\Exception\DciException;
use DciManager\Exception\DecodeException;
use DciManager\Exception\HttpException;
use DciManager\Exception\InterruptedException;
use DciManager\Exception\InvalidArgumentException;
use DciManager\Exception\LibraryException;
use DciManager\Exception\TlsException;
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
 * foreach ($dci->paginate('dci/v3/server', 'owner_email EQ ' . Client::quote($email)) as $srv) { ... }
 * ```
 *
 * The library does the protocol work: the token travels as header `x-xsrf-token`, cookie
 * `ses6` and `isp-box-instance: true`; HTTP 503 answers (a suspended platform) are
 * retried; a session that expires is renewed once when the client holds credentials (from
 * {@see Client::login()}, or the `email`/`password` options). Errors are
 * {@see DciException} subclasses that carry the failure's facts and never a password, token
 * or key; secret parameters are marked `#[\SensitiveParameter]`, so PHP ≥ 8.2 leaves them
 * out of stack traces too.
 *
 * A call that waits (for a connection, an answer, a retry) can be stopped with
 * {@see Client::interrupt()}; with the pcntl extension, the client runs pcntl signal
 * handlers while it waits when `pcntl_async_signals()` is on, so a handler can do so:
 *
 * ```php
 * pcntl_async_signals(true);
 * pcntl_signal(SIGTERM, static function () use ($dci): void { $dci->interrupt(); });
 * try { $dci->get('dci/v3/server'); } catch (InterruptedException $e) { ... }
 * ```
 *
 * The native handle is freed when the object is destroyed; that does not log out (call
 * {@see Client::logout()} for that). A Client cannot be cloned or serialized.
 */
final class Client
{
    /** The option names; every option defaults to null, "the library's default". */
    private const OPTIONS = [
        'verify', 'ca_file', 'pinned_pubkey', 'proxy', 'no_proxy', 'timeout', 'connect_timeout',
        'retries', 'backoff_factor', 'max_body_size', 'token', 'email', 'password', 'library', 'logger',
        'log_level',
    ];

    /** Options that are never kept on the PHP side (nor shown). */
    private const SECRET_OPTIONS = ['token', 'email', 'password'];

    private FFI $ffi;

    private ?CData $handle = null;

    private string $baseUrl;

    /**
     * @var array<string, mixed> the options given, secrets excluded and a proxy's credentials
     *                           hidden (null: the library's default)
     */
    private array $options;

    /**
     * This client's state, read by the callbacks every client shares (see {@see Callbacks}):
     * its `user` pointer. Released after the handle.
     */
    private ?CData $state = null;

    /** Whether the interrupt check is installed (with the pcntl extension). */
    private bool $checked = false;

    /**
     * Creates a client for a base URL ("https://host[:port]", trailing slash or not).
     *
     * Options (all optional; null or absent means the library's default, see
     * {@see Client::defaults()}; only the options given are passed to the library):
     *  - `verify` (bool; default true): verify the server's TLS certificate against the
     *    system's trust store (`SSL_CERT_FILE`/`SSL_CERT_DIR` honoured; Mozilla's roots
     *    compiled in where the system has none). `false` is INSECURE (anyone on the path can
     *    read the session token) unless `pinned_pubkey` is given. To trust a self-signed
     *    platform, keep it on and pass `ca_file` instead.
     *  - `ca_file` (string): a PEM file of certificates trusted in addition to the system's
     *    store: as CAs, and as the exact certificate a server presents — the platform's
     *    self-signed certificate itself, whatever its CA flag (host name and dates are still
     *    checked).
     *  - `pinned_pubkey` (string or list of strings): the server's public key pins in curl's
     *    format, `sha256//<base64>`, several joined by `;` (or given as a list). With `verify`
     *    on, the certificate must verify *and* match a pin; with `verify => false`, the pin
     *    alone decides. A mismatch is a {@see TlsException} whose `getTlsPin()` is the key
     *    presented. Learn the pin with {@see Client::serverPin()} and compare it out of band
     *    first. A malformed pin: {@see InvalidArgumentException} (`pinned_pubkey`).
     *  - `proxy` (string; default: from the environment, `https_proxy`, `HTTPS_PROXY`,
     *    `all_proxy`, `ALL_PROXY`): `http://[user:password@]host[:port]` (HTTP CONNECT, Basic
     *    credentials percent-decoded), `socks5://...` (names resolved here) or
     *    `socks5h://...` (names resolved by the proxy); a port left out is 1080. `''` means
     *    no proxy whatever the environment says. TLS runs inside the tunnel. A proxy that
     *    refuses or cannot be reached is a {@see ConnectException} (phase "connect") naming
     *    the proxy without its credentials, which no dump of the client shows either.
     *  - `no_proxy` (string or list of strings; default: from the environment, `no_proxy`,
     *    `NO_PROXY`): the hosts reached without the proxy, comma-separated as curl reads it
     *    (`*`, `example.com` or `.example.com` with its subdomains, an IP address, a CIDR
     *    range such as `10.0.0.0/8`, `host:port`); `''` or `[]`: none.
     *  - `timeout` (int|float, seconds; default 60): time budget of each call, retries and
     *    their waits included; 0 means no limit.
     *  - `connect_timeout` (int|float, seconds; default 10): time allowed to set up a
     *    connection; 0 means bounded only by `timeout`.
     *  - `retries` (int; default 10): how often an HTTP 503 answer (or a failed connection)
     *    is repeated.
     *  - `backoff_factor` (int|float, seconds; default 0.01): wait `backoff_factor * 2^(k-1)`
     *    seconds before retry k (none before the first); a `Retry-After` header replaces it.
     *  - `max_body_size` (int, bytes; default 64 MiB): the largest answer accepted.
     *  - `token` (string): a session token obtained elsewhere: from {@see Client::createToken()},
     *    or cached from an earlier request (APCu, a file) with {@see Client::getToken()}.
     *  - `email` and `password` (strings, both or neither): credentials kept to log in with
     *    when the session expires — or before the first request when there is no `token` —
     *    without logging in now. With `token`, the cached token is used until it expires,
     *    then the client logs in once by itself (see {@see Client::getReloginCount()}).
     *  - `library` (string): path of libdcimanager, when not found by itself (see
     *    {@see Native}); ignored when the library was preloaded.
     *  - `logger` (object with a PSR-3 `log($level, $message, array $context)` method, e.g. a
     *    Monolog logger; no Composer dependency is needed): receives the client's events —
     *    requests and connections (`debug`), retries and re-logins (`info`), calls given up
     *    and, once, an insecure client (`verify => false` without `pinned_pubkey`: event
     *    `insecure`) (`warning`) — with their facts as context (`event`, `method`, `path`,
     *    `attempt`, `status`, `wait_ms`...). No event carries a token, password or key. A
     *    logger that throws is ignored, never breaking the call. It runs during the client's
     *    calls, so it must not call this client (a \LogicException), but for
     *    {@see Client::interrupt()}.
     *  - `log_level` (`'debug'`, `'info'` or `'warning'`; default `'info'`): the least level
     *    passed to `logger` (`debug` costs a PHP call per request and connection).
     *
     * @param string               $baseUrl "https://dci.example.com"
     * @param array<string, mixed> $options see above
     *
     * @throws InvalidArgumentException for a bad URL, an unknown option or a bad value
     *                                  (`getArgument()` names it)
     * @throws LibraryException         when libdcimanager cannot be loaded
     */
    public function __construct(string $baseUrl, #[\SensitiveParameter] array $options = [])
    {
        $library = $options['library'] ?? null;
        $this->ffi = Native::ffi(is_string($library) ? $library : null);
        $secrets = [];
        foreach (self::SECRET_OPTIONS as $name) {
            $secrets[$name] = $options[$name] ?? null;
            unset($options[$name]);
            if ($secrets[$name] !== null && !is_string($secrets[$name])) {
                throw Native::invalid($name, "option '$name' must be a string or null");
            }
        }
        if (($secrets['email'] === null) !== ($secrets['password'] === null)) {
            $missing = $secrets['email'] === null ? 'email' : 'password';
            throw Native::invalid($missing, "options 'email' and 'password' go together: '$missing' is missing");
        }
        $options = self::validate($options);
        $this->options = $options;
        $this->options['proxy'] = self::withoutCredentials($options['proxy']);
        $this->baseUrl = Native::cString($baseUrl, 'url');
        $handle = $this->ffi->dci_client_new($baseUrl);
        if ($handle === null) {
            // dci_client_new reports no status: a NULL handle is a bad argument.
            throw Native::exception(Native::lastError($this->ffi->DCI_ERROR_INVALID_ARGUMENT));
        }
        $this->handle = $handle;
        $this->state = Callbacks::newState();
        try {
            $this->configure($options);
            if ($this->options['logger'] !== null) {
                $this->attachLogger($this->options['logger'], $this->options['log_level'] ?? 'info');
            }
            if (\extension_loaded('pcntl')) {
                // Signal handlers run while a call waits (see Client::interrupt()).
                Native::check($this->ffi->dci_client_set_interrupt_check(
                    $this->handle,
                    Callbacks::interruptCheck(),
                    $this->state
                ));
                $this->checked = true;
            }
            // Order matters: setting a token forgets credentials, setting credentials keeps
            // the token.
            if ($secrets['token'] !== null) {
                $this->setToken($secrets['token']);
            }
            if ($secrets['email'] !== null) {
                $this->setCredentials($secrets['email'], (string) $secrets['password']);
            }
        } catch (\Throwable $e) {
            // A constructor that throws gets no __destruct(): free the handle here.
            $this->release();
            throw $e;
        }
    }

    /**
     * Frees the native handle (connections closed, token and credentials wiped from the
     * library's memory once no paging uses it). Does not log out.
     */
    public function __destruct()
    {
        $this->release();
    }

    /**
     * Frees the handle once: first the callbacks go (nothing in the library may point at
     * the state any more), then the handle, then what was kept for them.
     */
    private function release(): void
    {
        if ($this->handle === null) {
            return; // freed already, or a clone that never owned it
        }
        if ($this->checked) {
            $this->ffi->dci_client_set_interrupt_check($this->handle, null, null);
        }
        if ($this->options['logger'] !== null) {
            $this->ffi->dci_client_set_log_callback($this->handle, Callbacks::LOG_LEVELS['warning'], null, null);
        }
        $this->ffi->dci_client_free($this->handle);
        $this->handle = null;
        if ($this->state !== null) {
            Callbacks::forget($this->state);
            $this->state = null;
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
        $this->state = null;
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
     * What `var_dump()`/`print_r()` show: never the token or credentials.
     *
     * @return array<string, mixed>
     */
    public function __debugInfo(): array
    {
        $session = 'closed';
        if ($this->handle !== null && $this->state !== null && Callbacks::isBusy($this->state)) {
            $session = 'in a call'; // dumped by a signal handler or logger: not asked
        } elseif ($this->handle !== null) {
            $session = $this->hasToken() ? 'active' : 'none';
        }

        return [
            'baseUrl' => $this->baseUrl,
            'session' => $session,
            'options' => array_merge($this->options, [
                'logger' => is_object($this->options['logger']) ? get_class($this->options['logger']) : null,
            ]),
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
     * The library's defaults, which a client uses for every option not given: `timeout` and
     * `connect_timeout` (seconds, as floats), `retries`, `backoff_factor` (seconds),
     * `max_body_size` (bytes) and `page_size` (items per request of {@see Client::paginate()}).
     * Read from the library (`dci_get_defaults()`), the one source of these values.
     *
     * @return array{timeout: float, connect_timeout: float, retries: int, backoff_factor: float,
     *               max_body_size: int, page_size: int}
     *
     * @throws LibraryException when libdcimanager cannot be loaded
     */
    public static function defaults(): array
    {
        return Native::defaults();
    }

    /**
     * The pin of the key the server of an `https://host[:port]` URL presents,
     * `sha256//<base64>` in curl's format, for the `pinned_pubkey` option. Connects (through
     * the environment's proxy, as a client would), completes a TLS handshake that trusts any
     * certificate and sends no HTTP request. Trust on first use, as ssh shows a fingerprint:
     * **compare the pin out of band** (on the platform's console) before pinning it.
     *
     * ```php
     * $pin = Client::serverPin('https://dci.example.com'); // check it, then keep it in the config
     * $dci = new Client('https://dci.example.com', ['verify' => false, 'pinned_pubkey' => $pin]);
     * ```
     *
     * @throws InvalidArgumentException for a URL that is not https (`getArgument()`: "url")
     * @throws DciException             ConnectException, TimeoutException (10 s), TlsException
     * @throws LibraryException         when libdcimanager cannot be loaded
     */
    public static function serverPin(string $url): string
    {
        $ffi = Native::ffi();
        $url = Native::cString($url, 'url');

        return (string) Native::outString(static fn (CData $out): int => $ffi->dci_server_pin($url, $out));
    }

    /**
     * Percent-encodes text for one path segment or query value (everything but
     * `A-Z a-z 0-9 - . _ ~`, so `+ ( ) '` in a `where` survive). Query parameters passed as
     * arrays to get()/post()/delete()/request() are encoded by the library already.
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
     * Text as a literal of the platform's `where` language: single-quoted, with a backslash
     * before `'` and `\` — `it's` gives `'it\'s'` — so that
     * `'owner_email EQ ' . Client::quote($email)` is safe whatever the e-mail holds.
     *
     * @throws InvalidArgumentException for a string with a NUL byte
     * @throws LibraryException         when libdcimanager cannot be loaded
     */
    public static function quote(string $text): string
    {
        $ffi = Native::ffi();
        $text = Native::cString($text, 'text');

        return (string) Native::outString(static fn (CData $out): int => $ffi->dci_quote($text, $out));
    }

    /**
     * Interrupts the call in progress on this client, if any: it throws
     * {@see InterruptedException} within 100 ms of the moment it next waits (connecting, the
     * TLS handshake, sending, waiting for the answer, sleeping before a retry; a name lookup
     * cannot be cut short). Calls made later are not affected, and the client stays usable.
     *
     * PHP runs no code while a call sits in the library — except the client's check, which
     * the library calls at least every 100 ms while a call waits. With the pcntl extension
     * and `pcntl_async_signals(true)`, that check runs the pcntl signal handlers, so a
     * handler can call this method (the call then stops at once). Without async signals,
     * handlers run where the application calls `pcntl_signal_dispatch()`, never during a
     * call (`declare(ticks)` is not seen either). A handler that throws stops the call too:
     * its exception comes out of the call instead of InterruptedException. A handler (or a
     * `logger`) run during a call may call this method, but no other method of the same
     * client (a \LogicException, which comes out of the call); other clients are fine.
     * Does nothing once the client is freed.
     */
    public function interrupt(): void
    {
        if ($this->handle === null || $this->state === null) {
            return;
        }
        Callbacks::interrupted($this->state); // the check stops the call at once
        $this->ffi->dci_client_interrupt($this->handle);
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
     * @return LoginInfo the user's id, the `confirmed` flag and the token (hidden from dumps)
     *
     * @throws UnauthorizedException for wrong credentials (sent once, never retried)
     * @throws DciException          for any other failure
     */
    public function login(string $email, #[\SensitiveParameter] string $password): LoginInfo
    {
        $email = Native::cString($email, 'email');
        $password = Native::cString($password, 'password');
        $h = $this->handle();

        return $this->loginInfo(fn (CData $info): int => $this->ffi->dci_client_login($h, $email, $password, $info));
    }

    /**
     * Logs in with a single sign-on key (POST api/auth/v4/public/key), e.g. one made by
     * {@see Client::createKey()}; the session token is used from then on. Such a session is
     * not renewed automatically.
     *
     * @param string|KeyInfo $key the key, or the KeyInfo that holds it
     *
     * @return LoginInfo the key user's id, the `confirmed` flag and the token
     *
     * @throws UnauthorizedException for an unknown or expired key
     * @throws DciException          for any other failure
     */
    public function loginWithKey(#[\SensitiveParameter] string|KeyInfo $key): LoginInfo
    {
        $key = Native::cString($key instanceof KeyInfo ? $key->getKey() : $key, 'key');
        $h = $this->handle();

        return $this->loginInfo(fn (CData $info): int => $this->ffi->dci_client_login_with_key($h, $key, $info));
    }

    /**
     * Keeps e-mail and password to log in with when the session expires — or before the
     * first request when the client has no token — without logging in now. The token in
     * use is kept (so call it after {@see Client::setToken()}, which forgets credentials).
     *
     * @throws InvalidArgumentException for a string with a NUL byte
     */
    public function setCredentials(string $email, #[\SensitiveParameter] string $password): void
    {
        $email = Native::cString($email, 'email');
        $password = Native::cString($password, 'password');
        Native::check($this->ffi->dci_client_set_credentials($this->handle(), $email, $password));
    }

    /**
     * The session token in use, or null when there is none. It is a secret: do not log it.
     * Compare it with the one a request started with to see whether the client logged in
     * again (and write the new one back to a cache).
     *
     * @throws DciException on failure
     */
    public function getToken(): ?string
    {
        $h = $this->handle();

        return Native::outString(fn (CData $out): int => $this->ffi->dci_client_token($h, $out));
    }

    /**
     * Uses a token obtained elsewhere (e.g. from {@see Client::createToken()} or a cache).
     * Credentials from an earlier login are forgotten: call {@see Client::setCredentials()}
     * afterwards to keep renewing.
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
     * Forgets the session token and the credentials, without telling the platform (use
     * {@see Client::logout()} for that).
     *
     * @throws DciException on failure
     */
    public function clearToken(): void
    {
        Native::check($this->ffi->dci_client_clear_token($this->handle()));
    }

    /**
     * How many times this client logged in by itself: after an expired session, or before
     * its first request when it had credentials but no token.
     *
     * @throws DciException on failure
     */
    public function getReloginCount(): int
    {
        $count = $this->ffi->new('uint64_t');
        Native::check($this->ffi->dci_client_relogin_count($this->handle(), FFI::addr($count)));

        return (int) $count->cdata;
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
        $h = $this->handle();
        Native::check($this->waiting(fn (): int => $this->ffi->dci_client_logout($h)));
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
        $json = (string) Native::outString(
            fn (CData $out): int => $this->waiting(fn (): int => $this->ffi->dci_client_whoami($h, $out))
        );

        return (array) Json::decode($json, 200, 1, true);
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
        $expiresAt = Native::cString($expiresAt, 'expires_at');
        if ($description !== null) {
            $description = Native::cString($description, 'description');
        }
        $h = $this->handle();

        return (string) Native::outString(fn (CData $out): int => $this->waiting(
            fn (): int => $this->ffi->dci_client_create_token($h, $expiresAt, $description, $out)
        ));
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
        $minutes = Native::cString((string) $minutes, 'value');
        $h = $this->handle();
        Native::check($this->waiting(fn (): int => $this->ffi->dci_client_set_token_ttl($h, $minutes)));
    }

    /**
     * Creates a single sign-on key for a user (POST api/auth/v4/user/<user>/key; admin
     * only). The key is valid for an hour; send the user to {@see Client::keyLoginUrl()}.
     * The library's copy of the key is wiped as soon as the KeyInfo has it.
     *
     * @param int|string $user the user's e-mail or id
     *
     * @return KeyInfo the key's id and the key (hidden from dumps)
     *
     * @throws DciException on failure
     */
    public function createKey(int|string $user): KeyInfo
    {
        $user = Native::cString((string) $user, 'user');
        $ffi = $this->ffi;
        $info = $ffi->new('dci_key_info');
        try {
            $h = $this->handle();
            Native::check($this->waiting(
                static fn (): int => $ffi->dci_client_create_key($h, $user, FFI::addr($info))
            ));

            return new KeyInfo(self::ownedString($info->id), self::ownedString($info->key));
        } finally {
            $ffi->dci_key_info_clear(FFI::addr($info)); // wipes the key
        }
    }

    /**
     * The link that logs a user in with a key, "<base>/auth/key-v4/<key>": the page a
     * billing system redirects its customer to. Sends nothing.
     *
     * @param string|KeyInfo $key the key, or the KeyInfo that holds it
     *
     * @throws DciException on failure
     */
    public function keyLoginUrl(#[\SensitiveParameter] string|KeyInfo $key): string
    {
        $key = Native::cString($key instanceof KeyInfo ? $key->getKey() : $key, 'key');
        $h = $this->handle();

        return (string) Native::outString(fn (CData $out): int => $this->ffi->dci_client_key_login_url($h, $key, $out));
    }

    /**
     * GET a path and decode its JSON answer, e.g. `get('dci/v3/server/2')` or
     * `get('dci/v3/server', ['where' => "power_status EQ 'on'", 'limit' => '0,10'])`.
     *
     * @param string                $path    "dci/v3/..." (under /api/), "/..." (from the host
     *                                       root) or a full URL of this origin
     * @param array<mixed>          $query   query parameters, encoded by the library:
     *                                       `name => value`, or `[name, value]` pairs in order
     *                                       (a name may repeat); values are strings, numbers
     *                                       or bools ("true"/"false")
     * @param float|null            $timeout this call's time budget in seconds, retries
     *                                       included, instead of the client's (0: no limit)
     *
     * @return array<mixed>|null the decoded answer (objects as arrays); null for an empty body
     *
     * @throws DciException ApiException, HttpException, DecodeException (also for a JSON
     *                      scalar answer)...
     */
    public function get(string $path, array $query = [], ?float $timeout = null): ?array
    {
        return $this->call('GET', $path, null, $query, $timeout);
    }

    /**
     * POST a JSON body (an array or object; null or [] sends `{}`) and decode the answer.
     *
     * @param string                   $path    see {@see Client::get()}
     * @param array<mixed>|object|null $body    encoded with json_encode; use `(object) []`
     *                                          or `new \stdClass()` for an empty object inside it
     * @param array<mixed>             $query   query parameters, as for {@see Client::get()}
     * @param float|null               $timeout this call's time budget in seconds
     *
     * @return array<mixed>|null the decoded answer; null for an empty body
     *
     * @throws DciException ApiException, HttpException, DecodeException...
     */
    public function post(string $path, array|object|null $body = null, array $query = [], ?float $timeout = null): ?array
    {
        return $this->call('POST', $path, $body, $query, $timeout);
    }

    /**
     * DELETE a path and decode the answer.
     *
     * @param string                $path    see {@see Client::get()}
     * @param array<mixed>          $query   query parameters, as for {@see Client::get()}
     * @param float|null            $timeout this call's time budget in seconds
     *
     * @return array<mixed>|null the decoded answer; null for an empty body
     *
     * @throws DciException ApiException, HttpException, DecodeException...
     */
    public function delete(string $path, array $query = [], ?float $timeout = null): ?array
    {
        return $this->call('DELETE', $path, null, $query, $timeout);
    }

    /**
     * Sends a request and returns the answer, whatever its status: API errors, HTTP 401,
     * an HTML 502, a redirect or the last 503 after the retries are returned as a
     * {@see Response} ({@see Response::getError()} / {@see Response::throwIfError()}).
     * Throws only when no answer arrived (connection, timeout, TLS, invalid argument).
     *
     * @param string                   $method  "GET", "POST", "DELETE"
     * @param string                   $path    see {@see Client::get()}
     * @param array<mixed>|object|null $body    JSON body (null: none; a POST without one sends `{}`)
     * @param array<mixed>             $query   query parameters, as for {@see Client::get()}
     * @param float|null               $timeout this call's time budget in seconds
     * @param array<mixed>             $headers extra headers, `name => value` or `[name, value]`
     *                                          pairs; each replaces the client's own header of
     *                                          that name
     *
     * @throws DciException when no answer arrived
     */
    public function request(
        string $method,
        string $path,
        array|object|null $body = null,
        array $query = [],
        ?float $timeout = null,
        array $headers = []
    ): Response {
        return new Response($this->send($method, $path, Json::encode($body), $query, $timeout, $headers));
    }

    /**
     * Sends requests at once and returns, **keyed as given and in the same order**, each
     * one's {@see Response} (an answer, whatever its HTTP status, as {@see Client::request()}
     * returns it) or the {@see DciException} that request met (as request() would have
     * thrown it, with the facts of that request's failure). One failure does not fail the
     * batch; nothing is thrown for a request's own failure. Tell them apart with
     * `instanceof`:
     *
     * ```php
     * $results = $dci->sendAll([
     *     'power' => ['POST', 'dci/v3/server/2/power_reset'],
     *     'list'  => ['method' => 'GET', 'path' => 'dci/v3/server', 'query' => ['limit' => '0,10']],
     *     'two'   => 'dci/v3/server/2',                            // a GET
     * ], 16);
     * foreach ($results as $key => $r) {
     *     if ($r instanceof DciException) { ... $r->isRequestSent() ... }    // no answer
     *     elseif (!$r->isOk()) { ... $r->getError() ... }                    // an error answer
     *     else { ... $r->json() ... }
     * }
     * ```
     *
     * Up to `$concurrency` requests are in flight at once, on threads the library starts for
     * this call only (the calling thread one of them). The batch shares one time budget, the
     * client's `timeout` option: a request starts with what is left of it (or its own
     * `timeout`, when shorter), and one that cannot start in time is a
     * {@see \DciManager\Exception\TimeoutException} whose `isRequestSent()` is false.
     * Retries and the single re-login of an expired session work as for request().
     *
     * PHP runs code on its own thread only, so while more than one request may be in flight
     * (`$concurrency` other than 1, and more than one request), the client's `logger`
     * receives no event of the batch (the library reports from the batch's threads). pcntl
     * signal handlers still run while the batch waits (on this thread), and a handler's
     * {@see Client::interrupt()} stops the whole batch. With `$concurrency` 1 the requests go
     * one after another on this thread, logged as any call.
     *
     * @param array<array-key, string|array<mixed>> $requests each request: a path (a GET), a
     *        list in {@see Client::request()}'s parameter order — `[method, path, body,
     *        query, timeout, headers]`, the first two required — or an array with those keys
     *        (`path` required, `method` 'GET' by default). A request that cannot be built (a
     *        bad value, a NUL byte) is an InvalidArgumentException in its place, not sent.
     * @param int $concurrency requests in flight at once; 0 (the default): the library's
     *        (`DCI_BATCH_CONCURRENCY`, 8)
     *
     * @return array<array-key, Response|DciException> the same keys, in the same order
     *
     * @throws InvalidArgumentException for a negative `$concurrency` (nothing is sent)
     * @throws \Throwable              what a pcntl signal handler threw during a batch of
     *                                  concurrency 1 (see {@see Client::interrupt()})
     */
    public function sendAll(array $requests, int $concurrency = 0): array
    {
        return $this->batch($requests, $concurrency, static fn (CData $response): Response => new Response($response));
    }

    /**
     * GETs paths at once and returns, **keyed as given and in the same order**, each one's
     * decoded answer — what {@see Client::get()} returns: an array, or null for an empty body —
     * or the {@see DciException} that GET met, as get() would have thrown it (an
     * {@see ApiException} for an unknown server, a TimeoutException for one the batch's time
     * budget left no time for...). One failure does not fail the batch; tell them apart with
     * `instanceof DciException`:
     *
     * ```php
     * $servers = $dci->getAll([2 => 'dci/v3/server/2', 7 => 'dci/v3/server/7'], 16);
     * foreach ($servers as $id => $server) {
     *     if ($server instanceof DciException) { log($id, $server->getMessage()); continue; }
     *     echo $server['domain'];
     * }
     * ```
     *
     * Concurrency, the batch's one time budget (the client's `timeout`), the `logger` (no
     * event of a batch of more than one in flight) and pcntl handlers (they run, and their
     * interrupt() stops the batch) are as for {@see Client::sendAll()}.
     *
     * @param array<array-key, string> $paths       each as for get(); a value that is not a
     *                                              string is an InvalidArgumentException in
     *                                              its place
     * @param int                      $concurrency requests in flight at once; 0 (the
     *                                              default): the library's (8)
     * @param array<mixed>             $query       query parameters for every GET, as for get()
     * @param float|null               $timeout     each GET's own time budget in seconds,
     *                                              when shorter than what is left of the batch's
     *
     * @return array<array-key, array<mixed>|DciException|null> the same keys, in the same order
     *
     * @throws InvalidArgumentException for a negative `$concurrency`, bad `$query` or
     *                                  `$timeout` (nothing is sent)
     * @throws \Throwable              what a pcntl signal handler threw during a batch of
     *                                  concurrency 1
     */
    public function getAll(array $paths, int $concurrency = 0, array $query = [], ?float $timeout = null): array
    {
        self::pairs($query, 'query'); // refused once, for the batch, rather than in every place
        if ($timeout !== null) {
            self::millis('timeout', $timeout);
        }
        $requests = [];
        foreach ($paths as $key => $path) {
            $requests[$key] = ['method' => 'GET', 'path' => $path, 'query' => $query, 'timeout' => $timeout];
        }

        return $this->batch($requests, $concurrency, fn (CData $response): ?array => $this->answer($response));
    }

    /**
     * Every item of a list call (`{"list": [...], "size": N}`), fetched `$pageSize` items
     * per request by the library as the loop advances, each decoded (objects as arrays):
     *
     * ```php
     * $where = 'owner_email EQ ' . Client::quote($email);
     * foreach ($dci->paginate('dci/v3/server', $where, 'id asc') as $server) { ... }
     * ```
     *
     * Nothing is sent until the first item is asked for. Stopping early (a `break`) is fine:
     * the library's iterator is freed when the generator is. Once the walk is complete,
     * `getReturn()` gives the platform's count of matching items (null if it sent none).
     *
     * @param string      $path     a list, e.g. "dci/v3/server"
     * @param string|null $where    a filter (null: none); build literals with {@see Client::quote()}
     * @param string|null $orderby  e.g. "id asc" (null: none)
     * @param int         $pageSize items per request (0: the library's default, see
     *                              {@see Client::defaults()})
     *
     * @return \Generator<int, mixed, mixed, int|null>
     *
     * @throws InvalidArgumentException at once, for a negative page size or a NUL byte
     * @throws DciException             while iterating, for the failure of a page
     */
    public function paginate(string $path, ?string $where = null, ?string $orderby = null, int $pageSize = 0): \Generator
    {
        $path = Native::cString($path, 'path');
        if ($where !== null) {
            $where = Native::cString($where, 'where');
        }
        if ($orderby !== null) {
            $orderby = Native::cString($orderby, 'orderby');
        }
        if ($pageSize < 0) {
            throw Native::invalid('page_size', 'page_size must be >= 0 (0: the default)');
        }

        return $this->walk($path, $where, $orderby, $pageSize);
    }

    /**
     * The generator behind paginate(): makes the library's iterator on the first step and
     * frees it in `finally`, which runs also when the caller stops early.
     *
     * @return \Generator<int, mixed, mixed, int|null>
     */
    private function walk(string $path, ?string $where, ?string $orderby, int $pageSize): \Generator
    {
        $ffi = $this->ffi;
        $out = $ffi->new('dci_pages*');
        Native::check($ffi->dci_client_paginate($this->handle(), $path, $where, $orderby, $pageSize, FFI::addr($out)));
        $pages = $out;
        try {
            while (true) {
                $item = Native::outString(fn (CData $o): int => $this->waiting(
                    static fn (): int => $ffi->dci_pages_next($pages, $o)
                ));
                if ($item === null) {
                    break;
                }
                yield Json::decode($item, 200, 1, false);
            }
            $total = $ffi->new('int64_t');
            Native::check($ffi->dci_pages_total($pages, FFI::addr($total)));

            return $total->cdata >= 0 ? (int) $total->cdata : null;
        } finally {
            $ffi->dci_pages_free($pages);
        }
    }

    /**
     * Sends a request; throws the answer's error, decodes its body.
     *
     * @param array<mixed>|object|null $body
     * @param array<mixed>             $query
     *
     * @return array<mixed>|null
     */
    private function call(string $method, string $path, array|object|null $body, array $query, ?float $timeout): ?array
    {
        return $this->answer($this->send($method, $path, Json::encode($body), $query, $timeout, []));
    }

    /**
     * What get()/post()/delete() make of an answer: its error thrown (as the library judges
     * it), else its body decoded. Frees the native response whatever happens.
     *
     * @param CData $response a `dci_response *`, taken over
     *
     * @return array<mixed>|null
     *
     * @throws DciException the answer's error, or a DecodeException
     */
    private function answer(CData $response): ?array
    {
        $ffi = $this->ffi;
        try {
            $status = (int) $ffi->dci_response_error($response);
            if (!Native::isOk($status)) {
                throw Native::exception(Native::lastError($status));
            }
            $text = Native::body($response);
            $http = (int) $ffi->dci_response_status($response);
            $attempts = (int) $ffi->dci_response_attempts($response);
        } finally {
            $ffi->dci_response_free($response);
        }

        return Json::decode($text, $http, $attempts, true);
    }

    /**
     * Sends a batch (`dci_client_send_batch`) and returns each request's result under its
     * key, in the order given: what `$each` makes of an answer (it takes the native response
     * over), or the exception of the request's failure — made by the one mapping
     * ({@see Native::exception()}) from the facts read right after `dci_batch_status`. A
     * request that cannot be built is its InvalidArgumentException, not sent.
     *
     * @param array<array-key, mixed>   $requests see {@see Client::sendAll()}
     * @param callable(CData): mixed    $each     an answer's value; a DciException it throws
     *                                            is that request's value
     *
     * @return array<array-key, mixed>
     */
    private function batch(array $requests, int $concurrency, callable $each): array
    {
        if ($concurrency < 0) {
            throw Native::invalid('concurrency', "concurrency must be >= 0 (0: the library's default)");
        }
        $ffi = $this->ffi;
        $h = $this->handle();
        $results = [];
        $built = [];
        try {
            foreach ($requests as $key => $request) {
                try {
                    $built[$key] = $this->batchRequest($request);
                    $results[$key] = null; // its place, in the order given
                } catch (DciException $e) {
                    $results[$key] = $e; // this request only: the others are sent
                }
            }
            $n = count($built);
            if ($n === 0) {
                return $results;
            }
            $list = $ffi->new("dci_request*[$n]");
            $i = 0;
            foreach ($built as $request) {
                $list[$i++] = $request;
            }
            $requestsPtr = $ffi->cast('dci_request**', $list);
            $out = $ffi->new('dci_batch*');
            $status = $this->withoutCallbacks(
                $concurrency !== 1 && $n > 1,
                fn (): int => $this->waiting(
                    static fn (): int => $ffi->dci_client_send_batch($h, $requestsPtr, $n, $concurrency, FFI::addr($out))
                )
            );
            try {
                Native::check($status);
            } catch (\Throwable $e) {
                if (!FFI::isNull($out)) { // DCI_OK, and a signal handler threw meanwhile
                    $ffi->dci_batch_free($out);
                }
                throw $e;
            }
            try {
                $i = 0;
                foreach (array_keys($built) as $key) {
                    $results[$key] = $this->batchResult($out, $i++, $each);
                }
            } finally {
                $ffi->dci_batch_free($out);
            }

            return $results;
        } finally {
            foreach ($built as $request) {
                $ffi->dci_request_free($request);
            }
        }
    }

    /**
     * One request of a batch as a `dci_request *` (the caller frees it): a path (a GET), a
     * list in request()'s parameter order, or an array keyed by those names.
     *
     * @throws InvalidArgumentException for anything else, or a value refused
     */
    private function batchRequest(mixed $request): CData
    {
        $names = ['method', 'path', 'body', 'query', 'timeout', 'headers'];
        if (is_string($request)) {
            $request = ['path' => $request];
        } elseif (is_array($request) && array_is_list($request)) {
            if (count($request) < 2 || count($request) > count($names)) {
                throw Native::invalid('requests', 'a request given as a list is [method, path, body, query, timeout, '
                    . 'headers], the first two required');
            }
            $request = array_combine(array_slice($names, 0, count($request)), $request);
        } elseif (!is_array($request)) {
            throw Native::invalid('requests', 'a request is a path, a list [method, path, ...] or an array with the keys '
                . implode(', ', $names) . '; got ' . get_debug_type($request));
        }
        $unknown = array_diff(array_map('strval', array_keys($request)), $names);
        if ($unknown !== []) {
            throw Native::invalid('requests', 'unknown request key ' . implode(', ', array_map(
                static fn (string $k): string => "'$k'",
                $unknown
            )) . ' (known: ' . implode(', ', $names) . ')');
        }
        $method = $request['method'] ?? 'GET';
        $path = $request['path'] ?? null;
        $body = $request['body'] ?? null;
        $query = $request['query'] ?? [];
        $timeout = $request['timeout'] ?? null;
        $headers = $request['headers'] ?? [];
        foreach ([['method', $method, is_string($method)], ['path', $path, is_string($path)],
            ['body', $body, is_array($body) || is_object($body) || $body === null],
            ['query', $query, is_array($query)], ['timeout', $timeout, $timeout === null || is_int($timeout) || is_float($timeout)],
            ['headers', $headers, is_array($headers)]] as [$name, $value, $ok]) {
            if (!$ok) {
                throw Native::invalid($name, "a request's '$name' cannot be " . get_debug_type($value));
            }
        }

        return $this->newRequest($method, $path, Json::encode($body), $query, $timeout === null ? null : (float) $timeout, $headers);
    }

    /**
     * Request `$i` of a batch: what `$each` makes of its answer, or its failure's exception,
     * whose facts `dci_batch_status` has just made this thread's last error.
     *
     * @param callable(CData): mixed $each
     */
    private function batchResult(CData $batch, int $i, callable $each): mixed
    {
        $ffi = $this->ffi;
        $status = (int) $ffi->dci_batch_status($batch, $i);
        if (!Native::isOk($status)) {
            return Native::exception(Native::lastError($status));
        }
        $out = $ffi->new('dci_response*');
        Native::check($ffi->dci_batch_take_response($batch, $i, FFI::addr($out)));
        try {
            return $each($out);
        } catch (DciException $e) {
            return $e;
        }
    }

    /**
     * Runs a library call with this client's PHP callbacks (the interrupt check, the logger)
     * taken off when `$threaded`: the library then calls them from threads of its own, where
     * PHP cannot run (its engine belongs to this thread: a crash, or worse). They are put
     * back afterwards, whatever happens.
     *
     * @param callable(): int $call
     */
    private function withoutCallbacks(bool $threaded, callable $call): int
    {
        // The interrupt check stays: the library runs it on the calling thread only. The log
        // callback is called from whichever thread sends a request: off for the batch.
        $logger = $this->options['logger'];
        if (!$threaded || $logger === null) {
            return $call();
        }
        $ffi = $this->ffi;
        $h = $this->handle();
        Native::check($ffi->dci_client_set_log_callback($h, Callbacks::LOG_LEVELS['warning'], null, null));
        try {
            return $call();
        } finally {
            $this->attachLogger($logger, $this->options['log_level'] ?? 'info');
        }
    }

    /**
     * Builds a request with dci_request_* and hands it over (the caller frees it with
     * `dci_request_free`); nothing is sent. The one place where this package's request
     * arguments become a `dci_request`.
     *
     * @param array<mixed> $query
     * @param array<mixed> $headers
     *
     * @throws InvalidArgumentException for an argument the library or PHP refuses
     */
    private function newRequest(
        string $method,
        string $path,
        ?string $json,
        array $query,
        ?float $timeout,
        array $headers
    ): CData {
        $ffi = $this->ffi;
        $method = Native::cString($method, 'method');
        $path = Native::cString($path, 'path');
        $pairs = self::pairs($query, 'query');
        $head = self::pairs($headers, 'header');
        $ms = $timeout === null ? null : self::millis('timeout', $timeout);
        $json = $json === null ? null : Native::cString($json, 'body');
        $request = $ffi->dci_request_new($method, $path);
        if ($request === null) {
            // dci_request_new reports no status: a NULL request is a bad argument.
            throw Native::exception(Native::lastError($ffi->DCI_ERROR_INVALID_ARGUMENT));
        }
        try {
            foreach ($pairs as [$name, $value]) {
                Native::check($ffi->dci_request_add_query($request, $name, $value));
            }
            if ($json !== null) {
                Native::check($ffi->dci_request_set_json($request, $json));
            }
            foreach ($head as [$name, $value]) {
                Native::check($ffi->dci_request_add_header($request, $name, $value));
            }
            if ($ms !== null) {
                Native::check($ffi->dci_request_set_timeout_ms($request, $ms));
            }
        } catch (\Throwable $e) {
            $ffi->dci_request_free($request);
            throw $e;
        }

        return $request;
    }

    /**
     * Builds a request ({@see Client::newRequest()}), sends it, and hands over the native
     * response (the caller frees it). Throws when no answer arrived.
     *
     * @param array<mixed> $query
     * @param array<mixed> $headers
     */
    private function send(
        string $method,
        string $path,
        ?string $json,
        array $query,
        ?float $timeout,
        array $headers
    ): CData {
        $ffi = $this->ffi;
        $h = $this->handle();
        $request = $this->newRequest($method, $path, $json, $query, $timeout, $headers);
        try {
            $out = $ffi->new('dci_response*');
            $status = $this->waiting(static fn (): int => $ffi->dci_client_send($h, $request, FFI::addr($out)));
            try {
                Native::check($status);
            } catch (\Throwable $e) {
                if (!FFI::isNull($out)) { // DCI_OK, and a signal handler threw meanwhile
                    $ffi->dci_response_free($out);
                }
                throw $e;
            }

            return $out;
        } finally {
            $ffi->dci_request_free($request);
        }
    }

    /**
     * Name/value pairs as C strings, in order: `name => value` entries, or `[name, value]`
     * pairs (for a name given more than once); values may be strings, numbers or bools.
     *
     * @param array<mixed> $values
     *
     * @return list<array{0: string, 1: string}>
     */
    private static function pairs(array $values, string $what): array
    {
        $pairs = [];
        foreach ($values as $name => $value) {
            if (is_int($name) && is_array($value)) {
                if (!array_is_list($value) || count($value) !== 2 || !is_string($value[0])) {
                    throw Native::invalid($what, "$what entry $name must be a [name, value] pair");
                }
                [$name, $value] = $value;
            }
            if (is_bool($value)) {
                $value = $value ? 'true' : 'false';
            } elseif (is_int($value) || is_float($value)) {
                $value = (string) $value;
            } elseif (!is_string($value)) {
                throw Native::invalid($what, "$what value '$name' must be a string, number or bool");
            }
            $pairs[] = [Native::cString((string) $name, $what), Native::cString($value, $what)];
        }

        return $pairs;
    }

    /**
     * Runs a login function with a `dci_login_info` out-parameter and makes the LoginInfo;
     * the library's strings are released whatever happens.
     *
     * @param callable(CData): int $call receives the `dci_login_info *`, returns the status;
     *                                 sensitive, as the closure captured the secret
     */
    private function loginInfo(#[\SensitiveParameter] callable $call): LoginInfo
    {
        $ffi = $this->ffi;
        $info = $ffi->new('dci_login_info');
        try {
            Native::check($this->waiting(static fn (): int => $call(FFI::addr($info))));
            $id = self::ownedString($info->user_id);
            $confirmed = (bool) $info->confirmed;
        } finally {
            $ffi->dci_login_info_clear(FFI::addr($info));
        }

        return new LoginInfo($id, $confirmed, (string) $this->getToken());
    }

    /** A copy of a `char *` field of an out-parameter struct ("" for NULL). */
    private static function ownedString(?CData $text): string
    {
        return $text === null || FFI::isNull($text) ? '' : FFI::string($text);
    }

    private function handle(): CData
    {
        if ($this->handle === null) {
            throw new \LogicException('the client was freed');
        }
        if ($this->state !== null) {
            Callbacks::refuseIfBusy($this->state); // from a handler or logger run during a call
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
     * Checks option names and types; returns the options given (secrets excluded), every
     * known option present, null for "the library's default".
     *
     * @param array<mixed> $options
     *
     * @return array<string, mixed>
     */
    private static function validate(#[\SensitiveParameter] array $options): array
    {
        $known = array_values(array_diff(self::OPTIONS, self::SECRET_OPTIONS));
        $unknown = array_values(array_diff(array_map('strval', array_keys($options)), $known));
        if ($unknown !== []) {
            throw Native::invalid($unknown[0], sprintf(
                'unknown option%s %s (known: %s)',
                count($unknown) > 1 ? 's' : '',
                implode(', ', array_map(static fn ($k) => "'$k'", $unknown)),
                implode(', ', self::OPTIONS)
            ));
        }
        foreach ($options as $name => $v) {
            if ($v === null) {
                continue;
            }
            switch ($name) {
                case 'verify':
                    if (!is_bool($v)) {
                        throw Native::invalid($name, "option 'verify' must be true or false (use 'ca_file' for a CA file)");
                    }
                    break;
                case 'ca_file':
                case 'library':
                    if (!is_string($v) || $v === '') {
                        throw Native::invalid($name, "option '$name' must be a non-empty string or null");
                    }
                    break;
                case 'pinned_pubkey':
                    if (!self::isTextOrList($v) || $v === '' || $v === []) {
                        throw Native::invalid($name, "option 'pinned_pubkey' must be a pin 'sha256//<base64>' "
                            . "(several joined by ';'), a non-empty list of pins, or null");
                    }
                    break;
                case 'proxy':
                    if (!is_string($v)) {
                        throw Native::invalid($name, "option 'proxy' must be a proxy URL, '' (no proxy) or null "
                            . '(from the environment)');
                    }
                    break;
                case 'no_proxy':
                    if (!self::isTextOrList($v)) {
                        throw Native::invalid($name, "option 'no_proxy' must be a comma-separated string, a list "
                            . 'of hosts, or null (from the environment)');
                    }
                    break;
                case 'timeout':
                case 'connect_timeout':
                case 'backoff_factor':
                    if (!(is_int($v) || is_float($v)) || !is_finite((float) $v) || $v < 0) {
                        throw Native::invalid($name, "option '$name' must be a number of seconds >= 0, or null");
                    }
                    break;
                case 'retries':
                    if (!is_int($v) || $v < 0 || $v > 0xFFFFFFFF) {
                        throw Native::invalid($name, "option 'retries' must be an int >= 0, or null");
                    }
                    break;
                case 'max_body_size':
                    if (!is_int($v) || $v < 0) {
                        throw Native::invalid($name, "option 'max_body_size' must be an int >= 0 (bytes), or null");
                    }
                    break;
                case 'logger':
                    if (!is_object($v) || !method_exists($v, 'log')) {
                        throw Native::invalid($name, "option 'logger' must be an object with a PSR-3 log() method");
                    }
                    break;
                case 'log_level':
                    if (!is_string($v) || !isset(Callbacks::LOG_LEVELS[$v])) {
                        throw Native::invalid($name, "option 'log_level' must be 'debug', 'info' or 'warning'");
                    }
                    break;
            }
        }

        return array_merge(array_fill_keys($known, null), $options);
    }

    /** Whether an option's value is a string or a list of strings. */
    private static function isTextOrList(mixed $v): bool
    {
        if (is_string($v)) {
            return true;
        }
        if (!is_array($v) || !array_is_list($v)) {
            return false;
        }
        foreach ($v as $item) {
            if (!is_string($item)) {
                return false;
            }
        }

        return true;
    }

    /**
     * A proxy URL as shown by `var_dump()`/`print_r()`: what comes before its host (user and
     * password) replaced by "(hidden)". Everything up to the last "@" goes, so a password
     * holding an "@" or a "/" never shows either.
     */
    private static function withoutCredentials(#[\SensitiveParameter] ?string $url): ?string
    {
        if ($url === null) {
            return null;
        }
        $at = strrpos($url, '@');
        if ($at === false) {
            return $url;
        }
        $start = strpos($url, '://');
        $scheme = $start !== false && $start < $at ? substr($url, 0, $start + 3) : '';

        return $scheme . '(hidden)@' . substr($url, $at + 1);
    }

    /**
     * Hands the options given to the library; the others keep the library's defaults.
     *
     * @param array<string, mixed> $o the validated options, a proxy's credentials included
     */
    private function configure(#[\SensitiveParameter] array $o): void
    {
        $h = $this->handle();
        $ffi = $this->ffi;
        if ($o['verify'] !== null) {
            Native::check($ffi->dci_client_set_verify_tls($h, $o['verify']));
        }
        if ($o['ca_file'] !== null) {
            Native::check($ffi->dci_client_set_ca_file($h, Native::cString($o['ca_file'], 'ca_file')));
        }
        if ($o['pinned_pubkey'] !== null) {
            $pins = is_array($o['pinned_pubkey']) ? implode(';', $o['pinned_pubkey']) : $o['pinned_pubkey'];
            Native::check($ffi->dci_client_set_pinned_pubkey($h, Native::cString($pins, 'pinned_pubkey')));
        }
        if ($o['proxy'] !== null) {
            Native::check($ffi->dci_client_set_proxy($h, Native::cString($o['proxy'], 'proxy')));
        }
        if ($o['no_proxy'] !== null) {
            $hosts = is_array($o['no_proxy']) ? implode(',', $o['no_proxy']) : $o['no_proxy'];
            Native::check($ffi->dci_client_set_no_proxy($h, Native::cString($hosts, 'no_proxy')));
        }
        if ($o['timeout'] !== null) {
            Native::check($ffi->dci_client_set_timeout_ms($h, self::millis('timeout', $o['timeout'])));
        }
        if ($o['connect_timeout'] !== null) {
            Native::check($ffi->dci_client_set_connect_timeout_ms($h, self::millis('connect_timeout', $o['connect_timeout'])));
        }
        if ($o['retries'] !== null || $o['backoff_factor'] !== null) {
            // One setter for both: the one not given keeps the library's default.
            $defaults = Native::defaults();
            Native::check($ffi->dci_client_set_retry(
                $h,
                $o['retries'] ?? $defaults['retries'],
                (float) ($o['backoff_factor'] ?? $defaults['backoff_factor'])
            ));
        }
        if ($o['max_body_size'] !== null) {
            Native::check($ffi->dci_client_set_max_body_size($h, $o['max_body_size']));
        }
    }

    /**
     * Registers a PSR-3-shaped logger for this client's events (the `logger` option), through
     * the log callback every client shares ({@see Callbacks::logFunction()}).
     */
    private function attachLogger(object $logger, string $level): void
    {
        Callbacks::setLogger($this->handleState(), $logger);
        Native::check($this->ffi->dci_client_set_log_callback(
            $this->handle(),
            Callbacks::LOG_LEVELS[$level],
            Callbacks::logFunction(),
            $this->handleState()
        ));
    }

    /** This client's state for the callbacks (see {@see Callbacks}). */
    private function handleState(): CData
    {
        if ($this->state === null) {
            throw new \LogicException('the client was freed');
        }

        return $this->state;
    }

    /**
     * Runs one library call that may wait (and so run the callbacks, where a signal handler
     * may interrupt it): interrupts count from its start, and the client refuses other calls
     * until it returns.
     *
     * @param callable(): int $call the library call; sensitive, as closures capture secrets
     *
     * @return int its status
     */
    private function waiting(#[\SensitiveParameter] callable $call): int
    {
        $state = $this->handleState();
        Callbacks::enter($state);
        try {
            return $call();
        } finally {
            Callbacks::leave($state);
        }
    }

    /**
     * Seconds to milliseconds for the library (0: no limit); a positive value never
     * becomes 0.
     *
     * @param int|float $seconds
     *
     * @throws InvalidArgumentException for a negative or non-finite value
     */
    private static function millis(string $name, int|float $seconds): int
    {
        if (!is_finite((float) $seconds) || $seconds < 0) {
            throw Native::invalid($name, "$name must be a number of seconds >= 0");
        }
        if ($seconds == 0) {
            return 0;
        }

        return max(1, (int) round($seconds * 1000));
    }
}
