<?php

/**
 * opcache.preload script for production (PHP-FPM, where ffi.enable=preload is the default):
 * loads libdcimanager once with FFI::load() under the scope "DCIMANAGER" and preloads the
 * package's classes; each request then uses FFI::scope("DCIMANAGER").
 *
 * php.ini:
 *     opcache.enable=1
 *     opcache.preload=/path/to/dcimanager-php/preload.php
 *     opcache.preload_user=www-data      ; required when the FPM master runs as root
 *     ffi.enable=preload                 ; the default
 *
 * The library is found as without preloading: the DCIMANAGER_LIB environment variable of
 * the process that preloads, else the repository's target/release, else the system library
 * path. To name it here instead, copy this file and pass the path to Native::preload().
 *
 * The classes must be preloaded as well: under ffi.enable=preload, PHP allows the FFI API
 * only from preloaded code.
 */

declare(strict_types=1);

require_once __DIR__ . '/autoload.php';

// Every class of the package, parents first (the autoloader resolves them anyway).
foreach ([
    'Exception\\DciException',
    'Exception\\ApiException',
    'Exception\\UnauthorizedException',
    'Exception\\HttpException',
    'Exception\\ConnectException',
    'Exception\\TimeoutException',
    'Exception\\TlsException',
    'Exception\\RetriesExhaustedException',
    'Exception\\InvalidArgumentException',
    'Exception\\DecodeException',
    'Exception\\LibraryException',
    'Exception\\InterruptedException',
    'Response',
    'LoginInfo',
    'KeyInfo',
    'Json',
    'Native',
    'Callbacks',
    'Client',
] as $class) {
    if (!class_exists('DciManager\\' . $class)) {
        throw new LogicException("preload: class DciManager\\$class not found");
    }
}

DciManager\Native::preload();
