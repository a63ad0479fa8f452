<?php

declare(strict_types=1);

namespace DciManager\Tests;

use DciManager\Client;
use DciManager\Exception\ConnectException;
use DciManager\Exception\DciException;
use DciManager\Exception\InvalidArgumentException;
use DciManager\Exception\TlsException;
use PHPUnit\Framework\TestCase;

/**
 * Real networks (issue 18), against the parts `scripts/net-fixture.sh` starts once for the
 * class: the emulator with the self-signed certificate the platform installs with, an open
 * tinyproxy, one that requires Basic credentials (each logging what it tunnelled), and the
 * options `ca_file`, `pinned_pubkey`, `proxy`, `no_proxy`, `Client::serverPin()` and the
 * `getTlsPin()` fact. Proxies from the environment are set with putenv(), which the library
 * reads (the C environment) when a client is made.
 */
final class NetworksTest extends TestCase
{
    /** The variables a proxy is taken from; cleared for each test, restored after it. */
    private const PROXY_VARS = [
        'https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY', 'all_proxy', 'ALL_PROXY', 'no_proxy', 'NO_PROXY',
    ];

    private static ?string $dir = null;

    /** @var array<string, string> DCI_NET_* from the fixture's env file */
    private static array $net = [];

    /** @var array<string, string|false> the proxy variables before the test */
    private array $saved = [];

    public static function setUpBeforeClass(): void
    {
        $dir = sys_get_temp_dir() . '/dci-php-net-' . bin2hex(random_bytes(6));
        self::$dir = $dir;
        register_shutdown_function([self::class, 'stopFixture']); // also after a fatal error
        [$rc, , $stderr] = Subprocess::run([self::script(), 'start', $dir]);
        if ($rc !== 0 || !is_file("$dir/env")) {
            throw new \RuntimeException("scripts/net-fixture.sh start failed ($rc): $stderr");
        }
        foreach (file("$dir/env", FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES) ?: [] as $line) {
            [$name, $value] = explode('=', $line, 2);
            self::$net[$name] = $value;
        }
    }

    public static function tearDownAfterClass(): void
    {
        self::stopFixture();
    }

    /** Stops the fixture's processes and removes its directory; idempotent. */
    public static function stopFixture(): void
    {
        if (self::$dir !== null) {
            Subprocess::run([self::script(), 'stop', self::$dir]);
            self::$dir = null;
        }
    }

    protected function setUp(): void
    {
        foreach (self::PROXY_VARS as $name) {
            $this->saved[$name] = getenv($name);
            putenv($name);
        }
    }

    protected function tearDown(): void
    {
        foreach ($this->saved as $name => $value) {
            putenv($value === false ? $name : "$name=$value");
        }
    }

    public function testTheSelfSignedCertificateIsRefusedWithItsPinThenTrustedAsTheCaFile(): void
    {
        $refused = new Client(self::net('DCI_NET_URL'));
        try {
            $refused->login('admin@example.com', 'secret');
            self::fail('no exception');
        } catch (TlsException $e) {
            self::assertSame('tls', $e->getKind());
            self::assertSame(self::net('DCI_NET_PIN'), $e->getTlsPin());
            self::assertStringContainsString('127.0.0.1', $e->getMessage());
            self::assertStringContainsString(self::net('DCI_NET_PIN'), $e->getMessage());
            self::assertSame('tls', $e->getPhase());
            self::assertFalse($e->isRequestSent());
        }

        $trusted = new Client(self::net('DCI_NET_URL'), ['ca_file' => self::net('DCI_NET_CERT')]);
        self::assertSame('3', $trusted->login('admin@example.com', 'secret')->getId());
        self::assertSame('admin@example.com', $trusted->whoami()['email']);
    }

    public function testServerPinLearnsThePinWithoutTrusting(): void
    {
        self::assertSame(self::net('DCI_NET_PIN'), Client::serverPin(self::net('DCI_NET_URL')));
        try {
            Client::serverPin('http://127.0.0.1:1');
            self::fail('no exception');
        } catch (InvalidArgumentException $e) {
            self::assertSame('url', $e->getArgument());
            self::assertNull($e->getTlsPin());
        }
    }

    public function testAPinDecidesWithVerificationOff(): void
    {
        $url = self::net('DCI_NET_URL');
        $pin = self::net('DCI_NET_PIN');
        $other = self::net('DCI_NET_OTHER_PIN');
        $pinned = new Client($url, ['verify' => false, 'pinned_pubkey' => $pin]);
        self::assertSame('3', $pinned->login('admin@example.com', 'secret')->getId());
        // Several pins, joined by ';' or as a list: one matching is enough.
        foreach (["$other;$pin", [$other, $pin]] as $pins) {
            $c = new Client($url, ['verify' => false, 'pinned_pubkey' => $pins]);
            self::assertSame('3', $c->login('admin@example.com', 'secret')->getId());
        }

        $wrong = new Client($url, ['verify' => false, 'pinned_pubkey' => $other]);
        try {
            $wrong->login('admin@example.com', 'secret');
            self::fail('no exception');
        } catch (TlsException $e) {
            self::assertSame($pin, $e->getTlsPin(), 'the pin of the key presented, not the one expected');
            self::assertSame('tls', $e->getPhase());
            self::assertFalse($e->isRequestSent());
        }

        // Verification on: the certificate must verify too.
        try {
            (new Client($url, ['pinned_pubkey' => $pin]))->login('admin@example.com', 'secret');
            self::fail('no exception');
        } catch (TlsException $e) {
            self::assertSame($pin, $e->getTlsPin());
        }
        $both = new Client($url, ['pinned_pubkey' => $pin, 'ca_file' => self::net('DCI_NET_CERT')]);
        self::assertSame('3', $both->login('admin@example.com', 'secret')->getId());

        foreach (['sha256//not-base64', '', [], [1], ['a' => $pin]] as $bad) {
            try {
                new Client($url, ['pinned_pubkey' => $bad]);
                self::fail('no exception for ' . var_export($bad, true));
            } catch (InvalidArgumentException $e) {
                self::assertSame('pinned_pubkey', $e->getArgument());
            }
        }
    }

    public function testAnExplicitProxyWithCredentialsCarriesTheTunnelAndHidesThem(): void
    {
        $log = self::net('DCI_NET_AUTH_PROXY_LOG');
        $before = self::tunnels($log);
        $c = new Client(self::net('DCI_NET_URL'), [
            'ca_file' => self::net('DCI_NET_CERT'),
            'proxy' => self::net('DCI_NET_AUTH_PROXY'),
        ]);
        self::assertSame('3', $c->login('admin@example.com', 'secret')->getId());
        self::assertGreaterThan($before, self::tunnels($log), "the proxy's log shows the tunnel");

        // The client's dumps show the proxy without its credentials.
        $bare = self::net('DCI_NET_AUTH_PROXY_BARE');
        self::assertSame(
            str_replace('http://', 'http://(hidden)@', $bare),
            $c->__debugInfo()['options']['proxy']
        );
        ob_start();
        var_dump($c);
        $dumps = (string) ob_get_clean() . print_r($c, true) . var_export($c, true)
            . print_r((array) $c, true) . print_r(get_object_vars($c), true) . json_encode($c);
        self::assertStringNotContainsString('proxy-pass', $dumps);
        self::assertStringContainsString('127.0.0.1', print_r($c, true));
    }

    public function testAProxyThatRequiresCredentialsIsAConnectErrorNamingIt(): void
    {
        $bare = self::net('DCI_NET_AUTH_PROXY_BARE');
        $c = new Client(self::net('DCI_NET_URL'), ['ca_file' => self::net('DCI_NET_CERT'), 'proxy' => $bare]);
        try {
            $c->login('admin@example.com', 'secret');
            self::fail('no exception');
        } catch (ConnectException $e) {
            self::assertSame('connect', $e->getKind());
            self::assertSame('connect', $e->getPhase());
            self::assertFalse($e->isRequestSent());
            self::assertLessThanOrEqual(1, $e->getAttempts(), 'a 407 is not retried');
            self::assertStringContainsString($bare, $e->getMessage());
            self::assertStringContainsString('requires credentials', $e->getMessage());
            self::assertStringNotContainsString('proxy-pass', $e->getMessage());
            self::assertNull($e->getTlsPin());
        }

        // A malformed proxy URL is refused at once; its password is in no text of the error,
        // even with arguments kept in traces.
        $ignoreArgs = ini_set('zend.exception_ignore_args', '0');
        try {
            new Client(self::net('DCI_NET_URL'), ['proxy' => 'gopher://dci:proxy-pass@127.0.0.1:1']);
            self::fail('no exception');
        } catch (InvalidArgumentException $e) {
            self::assertSame('proxy', $e->getArgument());
            self::assertNoText('proxy-pass', $e);
        } finally {
            ini_set('zend.exception_ignore_args', (string) $ignoreArgs);
        }
    }

    public function testAProxyFromTheEnvironmentAndTheWaysAround(): void
    {
        $url = self::net('DCI_NET_URL');
        $ca = self::net('DCI_NET_CERT');
        $log = self::net('DCI_NET_HTTP_PROXY_LOG');
        $before = self::tunnels($log);
        putenv('https_proxy=' . self::net('DCI_NET_HTTP_PROXY'));
        $c = new Client($url, ['ca_file' => $ca]);
        self::assertSame('3', $c->login('admin@example.com', 'secret')->getId());
        self::assertGreaterThan($before, self::tunnels($log), "the open proxy's log shows the tunnel");

        // A dead proxy in the environment: refused, named; '' means none whatever it says.
        $dead = 'http://127.0.0.1:1';
        putenv("https_proxy=$dead");
        try {
            (new Client($url, ['ca_file' => $ca, 'retries' => 0]))->login('admin@example.com', 'secret');
            self::fail('no exception');
        } catch (ConnectException $e) {
            self::assertSame('connect', $e->getPhase());
            self::assertStringContainsString($dead, $e->getMessage());
        }
        $direct = new Client($url, ['ca_file' => $ca, 'proxy' => '']);
        self::assertSame('3', $direct->login('admin@example.com', 'secret')->getId());

        // The bypass list: the option (a string or a list), or no_proxy from the environment,
        // which an explicit '' replaces.
        foreach (['localhost,127.0.0.1', ['localhost', '127.0.0.1']] as $hosts) {
            $around = new Client($url, ['ca_file' => $ca, 'no_proxy' => $hosts]);
            self::assertSame('3', $around->login('admin@example.com', 'secret')->getId());
        }
        putenv('no_proxy=127.0.0.0/8');
        $around = new Client($url, ['ca_file' => $ca]);
        self::assertSame('3', $around->login('admin@example.com', 'secret')->getId());
        $this->expectException(ConnectException::class);
        (new Client($url, ['ca_file' => $ca, 'no_proxy' => '', 'retries' => 0]))->login('admin@example.com', 'secret');
    }

    public function testBadProxyOptionsAreRefusedBeforeAnything(): void
    {
        foreach ([['proxy', 5], ['proxy', ['http://127.0.0.1:1']], ['no_proxy', 5], ['no_proxy', [1]]] as [$name, $value]) {
            try {
                new Client(self::net('DCI_NET_URL'), [$name => $value]);
                self::fail("no exception for $name");
            } catch (InvalidArgumentException $e) {
                self::assertSame($name, $e->getArgument());
            }
        }
    }

    private static function script(): string
    {
        return Emulator::ROOT . '/scripts/net-fixture.sh';
    }

    private static function net(string $name): string
    {
        if (!isset(self::$net[$name]) || self::$net[$name] === '') {
            throw new \RuntimeException("the fixture wrote no $name");
        }

        return self::$net[$name];
    }

    /** How many tunnels to the emulator a proxy's log shows. */
    private static function tunnels(string $log): int
    {
        $port = substr((string) strrchr(self::net('DCI_NET_URL'), ':'), 1);

        return substr_count((string) @file_get_contents($log), "CONNECT 127.0.0.1:$port HTTP/1.1");
    }

    /**
     * The secret is in no text of the exception: its message, string form, trace, and the
     * arguments its trace keeps for the package's own frames (those of PHPUnit's frames hold
     * the runner's state, earlier failures included, and are left out).
     */
    private static function assertNoText(string $secret, DciException $e): void
    {
        $args = [];
        foreach ($e->getTrace() as $frame) {
            $class = $frame['class'] ?? '';
            if (strncmp($class, 'DciManager\\', 11) === 0 && strncmp($class, 'DciManager\\Tests\\', 17) !== 0) {
                $args[] = $frame['args'] ?? [];
            }
        }
        self::assertNotSame([], $args, "the trace has the package's frames");
        $texts = [
            'message' => $e->getMessage(),
            '__toString()' => (string) $e,
            'trace' => $e->getTraceAsString(),
            "the trace's arguments" => var_export($args, true),
        ];
        foreach ($texts as $where => $text) {
            self::assertStringNotContainsString($secret, $text, "the secret is in $where");
        }
    }
}
