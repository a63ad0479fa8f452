<?php

declare(strict_types=1);

namespace DciManager\Tests;

use DciManager\Native;

/**
 * Runs a command without a shell and collects its output.
 */
final class Subprocess
{
    /**
     * @param list<string>              $cmd
     * @param array<string, string>     $env    variables to set (DCIMANAGER_LIB is always removed first)
     *
     * @return array{0: int, 1: string, 2: string} exit code, stdout, stderr
     */
    public static function run(array $cmd, array $env = []): array
    {
        $vars = getenv();
        unset($vars[Native::ENV]);
        $vars = $env + $vars;
        $err = tmpfile();
        $proc = proc_open($cmd, [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => $err], $pipes, sys_get_temp_dir(), $vars);
        if (!is_resource($proc)) {
            throw new \RuntimeException('cannot run ' . implode(' ', $cmd));
        }
        $stdout = (string) stream_get_contents($pipes[1]);
        fclose($pipes[1]);
        $rc = proc_close($proc);
        rewind($err);
        $stderr = (string) stream_get_contents($err);
        fclose($err);

        return [$rc, $stdout, $stderr];
    }
}
