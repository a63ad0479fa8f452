<?php

/**
 * A PSR-4 autoloader for the DciManager\ namespace, for projects that copy this package
 * instead of installing it with Composer:
 *
 *     require '/path/to/dcimanager-php/autoload.php';
 */

declare(strict_types=1);

spl_autoload_register(static function (string $class): void {
    if (strncmp($class, 'DciManager\\', 11) !== 0) {
        return;
    }
    $file = __DIR__ . '/src/' . str_replace('\\', '/', substr($class, 11)) . '.php';
    if (is_file($file)) {
        require $file;
    }
});
