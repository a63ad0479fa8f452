<?php

/**
 * PHPUnit bootstrap: the package's autoloader, and one for the test helpers
 * (DciManager\Tests\ → tests/).
 */

declare(strict_types=1);

require_once dirname(__DIR__) . '/autoload.php';

spl_autoload_register(static function (string $class): void {
    if (strncmp($class, 'DciManager\\Tests\\', 17) === 0) {
        $file = __DIR__ . '/' . str_replace('\\', '/', substr($class, 17)) . '.php';
        if (is_file($file)) {
            require $file;
        }
    }
});
