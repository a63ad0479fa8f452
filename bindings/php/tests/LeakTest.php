<?php

declare(strict_types=1);

namespace DciManager\Tests;

use DciManager\Client;
use DciManager\Exception\ApiException;

/**
 * No leak: after a warm-up, 10,000 calls (owned strings, responses, error paths) leave
 * PHP's memory use and the process RSS flat.
 */
final class LeakTest extends EmulatorTestCase
{
    /** PHP heap growth allowed over the 10,000 calls. */
    private const PHP_BOUND = 16 * 1024;

    /**
     * RSS growth allowed: a leaked login URL (~450 bytes with the long key below) in each
     * of the 3,000 keyLoginUrl calls would add ~1.3 MB; a leaked response ~2 MB.
     */
    private const RSS_BOUND = 512 * 1024;

    public function testMemoryStaysFlatOver10000Calls(): void
    {
        $c = $this->admin();
        $key = str_repeat('k', 400);
        $round = static function (Client $c, int $calls) use ($key): void {
            for ($i = 0; $i < $calls; $i++) {
                switch ($i % 20) {
                    case 0: case 1: case 2: case 3: case 4: case 5:
                        $c->get('dci/v3/server/' . ($i % 1000 + 1)); // response copied and freed
                        break;
                    case 6:
                        try {
                            $c->get('dci/v3/server/999999'); // the error path frees it too
                        } catch (ApiException $e) {
                        }
                        break;
                    case 7:
                        $c->request('GET', 'dci/v3/nope');
                        break;
                    case 8:
                        $c->whoami();
                        break;
                    case 9: case 10: case 11: case 12: case 13: case 14:
                        $c->keyLoginUrl($key . $i);
                        break;
                    default:
                        $c->getToken();
                }
            }
        };

        $round($c, 2000); // warm-up: connection pool, TLS session, allocator arenas
        $php0 = memory_get_usage();
        $rss0 = self::rss();
        $round($c, 10000);
        $php1 = memory_get_usage();
        $rss1 = self::rss();

        self::assertLessThan(self::PHP_BOUND, $php1 - $php0, sprintf('PHP heap grew by %d bytes', $php1 - $php0));
        self::assertLessThan(self::RSS_BOUND, $rss1 - $rss0, sprintf('RSS grew by %d KiB', ($rss1 - $rss0) >> 10));
        // The login, then 9 of every 20 calls went to the emulator.
        self::assertSame(1 + intdiv(12000 * 9, 20), $this->emu->stats()['requests']);
    }

    /** The process' resident set size in bytes (/proc/self/status VmRSS). */
    private static function rss(): int
    {
        $status = (string) file_get_contents('/proc/self/status');
        if (preg_match('/^VmRSS:\s+(\d+) kB/m', $status, $m) !== 1) {
            self::markTestSkipped('no VmRSS in /proc/self/status');
        }

        return (int) $m[1] * 1024;
    }
}
