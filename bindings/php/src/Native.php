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
use DciManager\Exception\RetriesExhaustedException;
use DciManager\Exception\TimeoutException;
use DciManager\Exception\TlsException;
use DciManager\Exception\UnauthorizedException;
use FFI;
use FFI\CData;

/**
 * The FFI side of the package: finds libdcimanager, loads its declarations once per process
 * and is the one place where a `dci_status` becomes an exception.
 *
 * Loading, in order:
 *  1. preloaded: when `opcache.preload` ran `preload.php` (or `Native::preload()`), the
 *     declarations are taken from `FFI::scope("DCIMANAGER")`, the only way under
 *     `ffi.enable=preload` outside the CLI;
 *  2. otherwise `FFI::cdef()` with the generated header `include/dcimanager_php.h` and the
 *     library found by {@see Native::findLibrary()}: an explicit path (the `library` option),
 *     else the `DCIMANAGER_LIB` environment variable (a file or a directory), else the
 *     repository's `target/release`, else the system's dynamic loader by the SONAME
 *     ({@see Native::SONAME}: what `make install` or the Debian package installs), else by
 *     `libdcimanager.so`. An explicit path or the variable, when given, must be right: no
 *     silent fallback to another build.
 *
 * One library per process: the first one loaded stays.
 *
 * Applications use {@see Client}; the public static methods here serve preloading and
 * diagnostics. Everything marked `@internal` may change without notice.
 */
final class Native
{
    /** The FFI scope name used by `preload.php` (`#define FFI_SCOPE`). */
    public const SCOPE = 'DCIMANAGER';

    /** The environment variable that names the library file, or the directory holding it. */
    public const ENV = 'DCIMANAGER_LIB';

    /**
     * The SONAME of the library this package's header declares: the name the system's
     * dynamic loader finds after `make install` (and `ldconfig`) or the Debian package.
     * Equal to the header's `DCI_SONAME` (a test checks); it changes with the C ABI.
     */
    public const SONAME = 'libdcimanager.so.0.2';

    private static ?FFI $ffi = null;

    /** Absolute path (or system name) of the loaded library; null when preloaded. */
    private static ?string $path = null;

    private static bool $preloaded = false;

    private static int $ok = 0;

    /** @var array<int, class-string<DciException>> */
    private static array $classes = [];

    private function __construct()
    {
    }

    /**
     * The library's declarations, loaded on first use (see the class documentation).
     *
     * @param string|null $library explicit path of the library file; ignored when the
     *                             library was preloaded
     *
     * @throws LibraryException when the library cannot be loaded, or another library file
     *                          than the one already loaded is requested
     *
     * @internal
     */
    public static function ffi(?string $library = null): FFI
    {
        if (self::$ffi !== null) {
            if ($library !== null && !self::$preloaded && self::$path !== null) {
                $wanted = realpath($library);
                if ($wanted !== self::$path) {
                    throw new LibraryException(sprintf(
                        'libdcimanager is already loaded from %s in this process; cannot also load %s',
                        self::$path,
                        $library
                    ));
                }
            }

            return self::$ffi;
        }
        self::requireExtension();
        try {
            $scope = FFI::scope(self::SCOPE);
            self::init($scope, null, true);

            return $scope;
        } catch (\FFI\Exception $e) {
            // Not preloaded: load it ourselves below.
        }
        $header = self::readHeader();
        [$ffi, $path] = self::open($library, static function (string $path) use ($header): FFI {
            return FFI::cdef($header, $path);
        });
        self::init($ffi, $path, false);

        return $ffi;
    }

    /**
     * For `opcache.preload` (see `preload.php`): makes the declarations available under the
     * FFI scope "DCIMANAGER" for every later request.
     *
     * When the scope already exists (php.ini's `ffi.preload` loaded the header from
     * {@see Native::writePreloadHeader()}), it is used as is. Otherwise the library is loaded
     * with `FFI::load()` and the generated header with `#define FFI_SCOPE` and
     * `#define FFI_LIB "<absolute path>"` prepended, written to a private temporary file that
     * is removed right after. PHP refuses `FFI::load()` when preloading runs as
     * `opcache.preload_user` (a master process started as root, as PHP-FPM usually is): use
     * `ffi.preload` then.
     *
     * @param string|null $library explicit path of the library file (else the same lookup
     *                             as {@see Native::findLibrary()})
     *
     * @throws LibraryException when the library cannot be found or loaded
     */
    public static function preload(?string $library = null): void
    {
        if (self::$ffi !== null) {
            return;
        }
        self::requireExtension();
        try {
            self::init(FFI::scope(self::SCOPE), null, true);

            return;
        } catch (\FFI\Exception $e) {
            // Not loaded by ffi.preload: FFI::load() below.
        }
        $header = self::readHeader();
        [$ffi, $path] = self::open($library, static function (string $path) use ($header): FFI {
            $file = tempnam(sys_get_temp_dir(), 'dcimanager-php-');
            if ($file === false) {
                throw new \FFI\Exception('cannot create a temporary header file');
            }
            try {
                $text = self::scopedHeader($header, $path);
                if (file_put_contents($file, $text) !== strlen($text)) {
                    throw new \FFI\Exception("cannot write the temporary header file $file");
                }
                $ffi = FFI::load($file);
            } finally {
                @unlink($file);
            }
            if ($ffi === null) {
                throw new \FFI\Exception('FFI::load() failed (see the warning above)');
            }

            return $ffi;
        });
        self::init($ffi, $path, false);
    }

    /**
     * Writes the header for php.ini's `ffi.preload` (or for `FFI::load()`): the generated
     * declarations with `#define FFI_SCOPE "DCIMANAGER"` and `#define FFI_LIB` naming the
     * library by its absolute path (found as by {@see Native::findLibrary()}). The file is
     * replaced atomically and made readable by all.
     *
     * @param string      $file    where to write it, e.g. /etc/php/8.2/dcimanager.h
     * @param string|null $library explicit path of the library file
     *
     * @return string the library path written into the header
     *
     * @throws LibraryException when the library is not found or the file cannot be written
     */
    public static function writePreloadHeader(string $file, ?string $library = null): string
    {
        $path = self::findLibrary($library);
        $text = self::scopedHeader(self::readHeader(), $path);
        $tmp = @tempnam(dirname($file), '.dcimanager-h-');
        if ($tmp === false || @file_put_contents($tmp, $text) !== strlen($text)
            || !@chmod($tmp, 0644) || !@rename($tmp, $file)) {
            if ($tmp !== false) {
                @unlink($tmp);
            }
            throw new LibraryException("cannot write the header file $file");
        }

        return $path;
    }

    /** The generated header with the FFI_SCOPE and FFI_LIB defines for FFI::load(). */
    private static function scopedHeader(string $header, string $library): string
    {
        if (strpbrk($library, "\"\\\r\n") !== false) {
            throw new LibraryException('the library path contains a quote, backslash or line break: ' . $library);
        }

        return sprintf("#define FFI_SCOPE \"%s\"\n#define FFI_LIB \"%s\"\n", self::SCOPE, $library) . $header;
    }

    /**
     * Whether the declarations come from `FFI::scope("DCIMANAGER")` (preloaded) in this
     * request. Loads the library if needed.
     *
     * @throws LibraryException when the library cannot be loaded
     */
    public static function isPreloaded(): bool
    {
        self::ffi();

        return self::$preloaded;
    }

    /**
     * The library file in use: an absolute path, a system library name, or
     * "preloaded (FFI scope DCIMANAGER)". Loads the library if needed.
     *
     * @throws LibraryException when the library cannot be loaded
     */
    public static function libraryPath(): string
    {
        self::ffi();

        return self::$preloaded ? 'preloaded (FFI scope ' . self::SCOPE . ')' : (string) self::$path;
    }

    /**
     * The library's version, e.g. "0.1.0".
     *
     * @throws LibraryException when the library cannot be loaded
     */
    public static function version(): string
    {
        return (string) self::ffi()->dci_version();
    }

    /**
     * The absolute path of the generated PHP-FFI header shipped with this package.
     */
    public static function headerPath(): string
    {
        return dirname(__DIR__) . '/include/dcimanager_php.h';
    }

    /**
     * The library file to load without preloading: the explicit path, else `DCIMANAGER_LIB`,
     * else the repository's `target/release` build, else the system name (for the dynamic
     * loader's search path). Paths are made absolute.
     *
     * @param string|null $explicit explicit path of the library file
     *
     * @throws LibraryException when an explicit path or `DCIMANAGER_LIB` names no file
     */
    public static function findLibrary(?string $explicit = null): string
    {
        $looked = [];
        foreach (self::candidates($explicit) as [$what, $path, $authoritative]) {
            $found = self::usable($what, $path, $looked);
            if ($found !== null) {
                return $found;
            }
            if ($authoritative && $path !== null) {
                break;
            }
        }
        throw new LibraryException('cannot find libdcimanager; looked at: ' . implode('; ', $looked));
    }

    /** The file name of the library on this system. */
    private static function fileName(): string
    {
        switch (PHP_OS_FAMILY) {
            case 'Darwin':
                return 'libdcimanager.dylib';
            case 'Windows':
                return 'dcimanager.dll';
            default:
                return 'libdcimanager.so';
        }
    }

    /**
     * The names the dynamic loader is asked for: the SONAME first (the runtime package
     * installs only it), then the development link.
     *
     * @return list<string>
     */
    private static function systemNames(): array
    {
        return PHP_OS_FAMILY === 'Linux' ? [self::SONAME, self::fileName()] : [self::fileName()];
    }

    /**
     * Where to look, in order: [description, path or null when not set, authoritative].
     *
     * @return list<array{0: string, 1: ?string, 2: bool}>
     */
    private static function candidates(?string $explicit): array
    {
        $env = getenv(self::ENV);

        $system = [];
        foreach (self::systemNames() as $name) {
            $system[] = ['the system library path', $name, false];
        }

        return [
            ["option 'library'", $explicit, true],
            ['environment variable ' . self::ENV, is_string($env) && $env !== '' ? $env : null, true],
            ["the repository's build", dirname(__DIR__, 3) . '/target/release/' . self::fileName(), false],
            ...$system,
        ];
    }

    /**
     * Returns the loadable form of a candidate, or null (and notes why in $looked).
     *
     * @param list<string> $looked
     */
    private static function usable(string $what, ?string $path, array &$looked): ?string
    {
        if ($path === null) {
            $looked[] = "$what: not set";

            return null;
        }
        if (strpos($path, '/') === false && strpos($path, '\\') === false) {
            return $path; // a bare name: the dynamic loader searches for it
        }
        $real = realpath($path);
        if ($real !== false && is_dir($real)) {
            foreach (self::systemNames() as $name) {
                if (is_file("$real/$name")) {
                    return "$real/$name";
                }
            }
            $looked[] = "$what: $path (a directory without " . implode(' or ', self::systemNames()) . ')';

            return null;
        }
        if ($real === false || !is_file($real)) {
            $looked[] = "$what: $path (no such file)";

            return null;
        }

        return $real;
    }

    /**
     * Tries the candidates in order with $loader.
     *
     * @param callable(string): FFI $loader
     *
     * @return array{0: FFI, 1: string}
     */
    private static function open(?string $explicit, callable $loader): array
    {
        $looked = [];
        foreach (self::candidates($explicit) as [$what, $path, $authoritative]) {
            $found = self::usable($what, $path, $looked);
            if ($found !== null) {
                try {
                    return [$loader($found), $found];
                } catch (\FFI\Exception | \FFI\ParserException $e) {
                    if (self::ffiRestricted()) { // decided on the setting, not on the message
                        throw new LibraryException(
                            'PHP FFI is restricted by ffi.enable=' . ini_get('ffi.enable') . ': load the '
                            . 'library through opcache.preload (bindings/php/preload.php, see the README) '
                            . 'or set ffi.enable=1 for this SAPI',
                            0,
                            $e
                        );
                    }
                    $looked[] = "$what: $found (" . $e->getMessage() . ')';
                }
            }
            if ($authoritative && $path !== null) {
                break;
            }
        }
        throw new LibraryException(
            'cannot load libdcimanager; looked at: ' . implode('; ', $looked)
            . '. Build it (cargo build --release), or set the library option or ' . self::ENV
        );
    }

    /**
     * Whether `ffi.enable` forbids FFI::cdef() here: "0" (or off), or "preload" outside the
     * CLI (where only preloaded code may use FFI).
     */
    private static function ffiRestricted(): bool
    {
        $setting = strtolower(trim((string) ini_get('ffi.enable')));
        if ($setting === 'preload') {
            return PHP_SAPI !== 'cli';
        }

        return !in_array($setting, ['1', 'on', 'true', 'yes'], true);
    }

    private static function requireExtension(): void
    {
        if (!extension_loaded('ffi')) {
            throw new LibraryException(
                "PHP's FFI extension is not loaded: install/enable it (extension=ffi, ffi.enable)"
            );
        }
    }

    private static function readHeader(): string
    {
        $text = @file_get_contents(self::headerPath());
        if ($text === false) {
            throw new LibraryException('cannot read the header ' . self::headerPath());
        }

        return $text;
    }

    private static function init(FFI $ffi, ?string $path, bool $preloaded): void
    {
        // The one mapping from dci_status to exception class; the numbers come from the
        // header's enum.
        $classes = [
            $ffi->DCI_ERROR_INVALID_ARGUMENT => InvalidArgumentException::class,
            $ffi->DCI_ERROR_CONNECT => ConnectException::class,
            $ffi->DCI_ERROR_TIMEOUT => TimeoutException::class,
            $ffi->DCI_ERROR_TLS => TlsException::class,
            $ffi->DCI_ERROR_HTTP => HttpException::class,
            $ffi->DCI_ERROR_API => ApiException::class,
            $ffi->DCI_ERROR_UNAUTHORIZED => UnauthorizedException::class,
            $ffi->DCI_ERROR_RETRIES_EXHAUSTED => RetriesExhaustedException::class,
            $ffi->DCI_ERROR_DECODE => DecodeException::class,
            $ffi->DCI_ERROR_PANIC => DciException::class,
            $ffi->DCI_ERROR_INTERRUPTED => InterruptedException::class,
        ];
        self::$ok = $ffi->DCI_OK;
        self::$classes = $classes;
        self::$ffi = $ffi;
        self::$path = $path;
        self::$preloaded = $preloaded;
    }

    /**
     * Whether a status is `DCI_OK`.
     *
     * @internal
     */
    public static function isOk(int $status): bool
    {
        return $status === self::$ok;
    }

    /**
     * Throws the exception for a failed status, reading the thread's last error. Call it
     * right after the call that returned $status.
     *
     * When a pcntl signal handler threw during the call (see {@see Callbacks}), that
     * exception is thrown instead, whatever the status: the call was stopped for it. A
     * caller that owns an out-parameter written on DCI_OK frees it when this throws.
     *
     * @throws DciException unless $status is DCI_OK
     * @throws \Throwable  what a signal handler threw during the call
     *
     * @internal
     */
    public static function check(int $status): void
    {
        $thrown = Callbacks::takeThrown();
        if ($thrown !== null) {
            throw $thrown;
        }
        if ($status !== self::$ok) {
            throw self::exception(self::lastError($status));
        }
    }

    /**
     * The facts of the thread's last error, to be read right after the failing call. The
     * library keeps them as `errno` does: only a failing call replaces them (a successful one
     * leaves them), so they are read only for a status that says a call failed.
     *
     * @return array<string, mixed> see {@see Native::exception()}
     *
     * @internal
     */
    public static function lastError(int $status): array
    {
        $ffi = self::ffi();
        $phase = (string) $ffi->dci_phase_name((int) $ffi->dci_last_error_phase());
        $argument = (string) $ffi->dci_last_error_argument();
        $pin = (string) $ffi->dci_last_error_tls_pin();
        $method = (string) $ffi->dci_last_error_method();
        $url = (string) $ffi->dci_last_error_url();

        return [
            'status' => $status,
            'message' => (string) $ffi->dci_last_error_message(),
            'http_status' => (int) $ffi->dci_last_error_http_status(),
            'phase' => $phase !== '' ? $phase : null,
            'request_sent' => (bool) $ffi->dci_last_error_request_sent(),
            'attempts' => (int) $ffi->dci_last_error_attempts(),
            'argument' => $argument !== '' ? $argument : null,
            'body' => (string) $ffi->dci_last_error_body(),
            'api_code' => (int) $ffi->dci_last_error_api_code(),
            'api_msg' => (string) $ffi->dci_last_error_api_msg(),
            'api_value' => (string) $ffi->dci_last_error_api_value(),
            'tls_pin' => $pin !== '' ? $pin : null,
            'method' => $method !== '' ? $method : null,
            'url' => $url !== '' ? $url : null,
        ];
    }

    /**
     * The exception for the facts of an error: the one mapping from `dci_status` to
     * exception class. Facts not given take their "none" value.
     *
     * @param array{status: int, message?: string, http_status?: int, phase?: ?string,
     *              request_sent?: bool, attempts?: int, argument?: ?string, body?: string,
     *              api_code?: int, api_msg?: string, api_value?: string, tls_pin?: ?string,
     *              method?: ?string, url?: ?string} $error
     *        as read by {@see Native::lastError()}; `api_value` is JSON text ("" for none)
     *
     * @internal
     */
    public static function exception(array $error, ?\Throwable $previous = null): DciException
    {
        $ffi = self::ffi();
        $status = $error['status'];
        $class = self::$classes[$status] ?? DciException::class;
        $name = (string) $ffi->dci_status_name($status);
        $message = ($error['message'] ?? '') !== '' ? $error['message'] : $name;
        // Named arguments: the facts every class takes, then those of ApiException.
        $facts = [
            'message' => $message,
            'code' => $status,
            'previous' => $previous,
            'httpStatus' => $error['http_status'] ?? 0,
            'statusName' => $name,
            'phase' => $error['phase'] ?? null,
            'requestSent' => $error['request_sent'] ?? false,
            'attempts' => $error['attempts'] ?? 0,
            'argument' => $error['argument'] ?? null,
            'body' => $error['body'] ?? '',
            'tlsPin' => $error['tls_pin'] ?? null,
            'method' => $error['method'] ?? null,
            'url' => $error['url'] ?? null,
        ];
        if (is_a($class, ApiException::class, true)) {
            $value = null;
            $json = $error['api_value'] ?? '';
            if ($json !== '') {
                try {
                    $value = json_decode($json, true, 512, JSON_THROW_ON_ERROR);
                } catch (\JsonException $e) {
                    $value = $json; // the library hands over JSON text; keep it should it not be
                }
            }

            return new $class(...$facts, ...[
                'apiCode' => $error['api_code'] ?? 0,
                'apiMessage' => $error['api_msg'] ?? '',
                'value' => $value,
            ]);
        }

        return new $class(...$facts);
    }

    /**
     * An error found on the PHP side (an option, a JSON body), of the kind named by a
     * `dci_status` constant, e.g. "DCI_ERROR_DECODE", with the facts known here.
     *
     * @param array<string, mixed> $facts as for {@see Native::exception()} (without status
     *                                    and message)
     *
     * @internal
     */
    public static function localError(
        string $statusConstant,
        string $message,
        array $facts = [],
        ?\Throwable $previous = null
    ): DciException {
        $status = (int) self::ffi()->$statusConstant;

        return self::exception(['status' => $status, 'message' => $message] + $facts, $previous);
    }

    /**
     * An invalid argument found on the PHP side: nothing was sent.
     *
     * @param string $argument the argument's or option's name (never its value)
     *
     * @internal
     */
    public static function invalid(string $argument, string $message): DciException
    {
        return self::localError(
            'DCI_ERROR_INVALID_ARGUMENT',
            'invalid argument: ' . $message,
            ['argument' => $argument]
        );
    }

    /**
     * Calls a function that writes an owned `char *` on success, copies the string and
     * frees it (`dci_string_free`, which wipes it) whatever happens; null when the library
     * wrote NULL.
     *
     * @param callable(CData): int $call receives the `char **` out-parameter, returns the
     *                                 status; sensitive, as a closure shows what it captured
     *
     * @throws DciException when the call fails
     *
     * @internal
     */
    public static function outString(#[\SensitiveParameter] callable $call): ?string
    {
        $ffi = self::ffi();
        $out = $ffi->new('char*');
        $status = $call(FFI::addr($out));
        try {
            self::check($status); // out-params are written only on success
        } catch (\Throwable $e) {
            if (!FFI::isNull($out)) { // DCI_OK, and a signal handler threw meanwhile
                $ffi->dci_string_free($out);
            }
            throw $e;
        }
        if (FFI::isNull($out)) {
            return null;
        }
        try {
            return FFI::string($out);
        } finally {
            $ffi->dci_string_free($out);
        }
    }

    /**
     * A copy of a response's body, byte for byte (NUL bytes included).
     *
     * @param CData $response a live `dci_response *`
     *
     * @internal
     */
    public static function body(CData $response): string
    {
        $ffi = self::ffi();
        $len = $ffi->new('size_t');
        $bytes = $ffi->dci_response_bytes($response, FFI::addr($len));
        $length = (int) $len->cdata;
        if ($bytes === null || $length === 0) {
            return '';
        }

        return FFI::string($bytes, $length);
    }

    /**
     * Rejects PHP strings that C would cut at a NUL byte.
     *
     * @param string $value the string (maybe a secret: never shown)
     * @param string $name  the argument's name, for the exception's `getArgument()`
     *
     * @throws InvalidArgumentException naming the argument (never its value)
     *
     * @internal
     */
    public static function cString(#[\SensitiveParameter] string $value, string $name): string
    {
        if (strpos($value, "\0") !== false) {
            throw self::invalid($name, "$name contains a NUL byte");
        }

        return $value;
    }

    /**
     * The library's defaults (`dci_get_defaults()`), with times in seconds.
     *
     * @return array{timeout: float, connect_timeout: float, retries: int, backoff_factor: float,
     *               max_body_size: int, page_size: int}
     *
     * @internal use {@see Client::defaults()}
     */
    public static function defaults(): array
    {
        $d = self::ffi()->dci_get_defaults();

        return [
            'timeout' => $d->timeout_ms / 1000.0,
            'connect_timeout' => $d->connect_timeout_ms / 1000.0,
            'retries' => (int) $d->retries,
            'backoff_factor' => (float) $d->backoff_factor,
            'max_body_size' => (int) $d->max_body_size,
            'page_size' => (int) $d->page_size,
        ];
    }
}
