<?php
/*
 * The PHP rows of `make bench`, one process per run.
 *
 *   php bench.php CLIENT seq N PATH    N GETs of PATH, each decoded into PHP arrays
 *   php bench.php CLIENT list N PATH   the same for a large list
 *   php bench.php CLIENT cold PATH     load, one authenticated GET; prints the load time
 *   php bench.php ffi batch N C PATH   one warm-up GET, then N GETs of PATH: with C = 1 one after
 *                                      another with get(), else one getAll() of the N paths, C at
 *                                      once (the package client; not with BENCH_PHP_RAW_FFI)
 *   php bench.php ffi batch-probe      prints "batch mode: getAll" and exits 0 when the package
 *                                      has getAll (bench/run.py asks before adding the PHP rows)
 *
 * CLIENT is `ffi` (the package in bindings/php: DciManager\Client over libdcimanager through
 * FFI; with BENCH_PHP_RAW_FFI=1, FFI::cdef on bindings/php/include/dcimanager_php.h directly)
 * or `curl` (PHP's curl extension: one handle made with curl_init once, curl_setopt per
 * request, keep-alive). Environment: DCI_URL, DCI_TOKEN. Prints one JSON object; CPU time
 * comes from getrusage around the timed loop only.
 */

declare(strict_types=1);

[$kind, $mode] = [$argv[1], $argv[2]];
$url = getenv('DCI_URL');
$token = getenv('DCI_TOKEN');
$root = dirname(__DIR__, 2);

if ($kind === 'ffi' && $mode === 'batch-probe') {
    require "$root/bindings/php/autoload.php";
    if (!method_exists(DciManager\Client::class, 'getAll')) {
        fwrite(STDERR, "the package has no getAll\n");
        exit(1);
    }
    echo "batch mode: getAll\n";
    exit(0);
}
if ($mode === 'batch' && ($kind !== 'ffi' || getenv('BENCH_PHP_RAW_FFI') === '1')) {
    fwrite(STDERR, "the batch mode needs the package client (ffi, without BENCH_PHP_RAW_FFI)\n");
    exit(2);
}

$t0 = hrtime(true);
if ($kind === 'ffi') {
    if (getenv('BENCH_PHP_RAW_FFI') === '1') {
        $ffi = FFI::cdef(
            file_get_contents("$root/bindings/php/include/dcimanager_php.h"),
            "$root/target/release/libdcimanager.so"
        );
        $h = $ffi->dci_client_new($url);
        if ($ffi->dci_client_set_token($h, $token) !== 0) {
            fwrite(STDERR, "set_token failed\n");
            exit(1);
        }
        $get = static function (string $path) use ($ffi, $h): array {
            $out = $ffi->new('dci_response*');
            if ($ffi->dci_client_request($h, 'GET', $path, null, FFI::addr($out)) !== 0) {
                throw new RuntimeException($ffi->dci_last_error_message());
            }
            $body = $ffi->dci_response_body($out, null); // const char *: copied into a string
            $ffi->dci_response_free($out);

            return json_decode($body, true, 512, JSON_THROW_ON_ERROR);
        };
    } else {
        require "$root/bindings/php/autoload.php";
        $client = new DciManager\Client($url, [
            'token' => $token,
            'library' => "$root/target/release/libdcimanager.so",
        ]);
        $get = static fn (string $path): array => $client->get($path);
    }
} elseif ($kind === 'curl') {
    $ch = curl_init();
    $get = static function (string $path) use ($ch, $url, $token): array {
        curl_setopt($ch, CURLOPT_URL, "$url/api/$path");
        curl_setopt($ch, CURLOPT_RETURNTRANSFER, true);
        curl_setopt($ch, CURLOPT_HTTPHEADER, [
            "x-xsrf-token: $token",
            'isp-box-instance: true',
            "Cookie: ses6=$token",
        ]);
        $body = curl_exec($ch);
        if ($body === false || curl_getinfo($ch, CURLINFO_RESPONSE_CODE) !== 200) {
            throw new RuntimeException('GET failed: ' . curl_error($ch));
        }

        return json_decode($body, true, 512, JSON_THROW_ON_ERROR);
    };
} else {
    fwrite(STDERR, "unknown client $kind\n");
    exit(2);
}
$loadS = (hrtime(true) - $t0) / 1e9;

function usage(): array
{
    $ru = getrusage();
    // Peak RSS: VmHWM (ru_maxrss would carry over the high-water mark of the forking parent).
    $hwm = preg_match('/^VmHWM:\s+(\d+)/m', (string) file_get_contents('/proc/self/status'), $m) ? (int) $m[1] : -1;

    return [
        $ru['ru_utime.tv_sec'] + $ru['ru_utime.tv_usec'] / 1e6,
        $ru['ru_stime.tv_sec'] + $ru['ru_stime.tv_usec'] / 1e6,
        $hwm,
    ];
}

if ($mode === 'seq' || $mode === 'list') {
    [$n, $path] = [(int) $argv[3], $argv[4]];
    $key = $mode === 'list' ? 'list' : 'id';
    for ($i = 0; $i < ($mode === 'list' ? 2 : 20); $i++) {
        $get($path);
    }
    [$u0, $s0] = usage();
    $t = hrtime(true);
    for ($i = 0; $i < $n; $i++) {
        $v = $get($path);
        if (!isset($v[$key])) {
            throw new RuntimeException("no $key in the answer");
        }
    }
    $wall = (hrtime(true) - $t) / 1e9;
    [$u1, $s1, $rss] = usage();
    echo json_encode(['n' => $n, 'wall_s' => $wall, 'user_s' => $u1 - $u0, 'sys_s' => $s1 - $s0,
        'maxrss_kb' => $rss]), "\n";
} elseif ($mode === 'batch') {
    [$n, $concurrency, $path] = [(int) $argv[3], (int) $argv[4], $argv[5]];
    $get($path); // the connection
    [$u0, $s0] = usage();
    $t = hrtime(true);
    if ($concurrency === 1) {
        for ($i = 0; $i < $n; $i++) {
            $v = $get($path);
            if (!isset($v['id'])) {
                throw new RuntimeException('no id in the answer');
            }
        }
    } else {
        foreach ($client->getAll(array_fill(0, $n, $path), $concurrency) as $v) {
            if ($v instanceof DciManager\Exception\DciException) {
                throw $v;
            }
            if (!isset($v['id'])) {
                throw new RuntimeException('no id in the answer');
            }
        }
    }
    $wall = (hrtime(true) - $t) / 1e9;
    [$u1, $s1, $rss] = usage();
    echo json_encode(['n' => $n, 'concurrency' => $concurrency, 'wall_s' => $wall, 'user_s' => $u1 - $u0,
        'sys_s' => $s1 - $s0, 'maxrss_kb' => $rss]), "\n";
} elseif ($mode === 'cold') {
    $v = $get($argv[3]);
    if (!isset($v['id'])) {
        throw new RuntimeException('no id in the answer');
    }
    echo json_encode(['import_s' => $loadS]), "\n";
} else {
    fwrite(STDERR, "unknown mode $mode\n");
    exit(2);
}
