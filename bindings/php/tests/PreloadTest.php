<?php

declare(strict_types=1);

namespace DciManager\Tests;

use DciManager\Native;

/**
 * The production path: opcache.preload runs bindings/php/preload.php under
 * ffi.enable=preload, and requests use FFI::scope("DCIMANAGER"). Each case runs php-cli in a
 * subprocess.
 */
final class PreloadTest extends EmulatorTestCase
{
    private const PRELOAD = __DIR__ . '/../preload.php';

    private const FIXTURE = __DIR__ . '/fixtures/preloaded.php';

    private ?string $tmp = null;

    protected function tearDown(): void
    {
        if ($this->tmp !== null) {
            array_map('unlink', glob($this->tmp . '/*') ?: []);
            rmdir($this->tmp);
        }
        parent::tearDown();
    }

    /**
     * The documented command: FFI::load() from preload.php. PHP refuses FFI::load() when
     * preloading runs as root (it then requires opcache.preload_user, which FFI::load()
     * does not support), so as root the subprocess runs as nobody.
     */
    public function testPreloadWithFfiLoad(): void
    {
        $prefix = [];
        if (function_exists('posix_geteuid') && posix_geteuid() === 0) {
            $prefix = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
            [$rc] = Subprocess::run([...$prefix, PHP_BINARY, '-r', 'exit(is_readable($argv[1]) ? 0 : 1);', self::FIXTURE]);
            if ($rc !== 0) {
                self::markTestSkipped('running as root, and the checkout is not readable by nobody (setpriv)');
            }
            chmod((string) $this->emu->ca, 0644);
        }
        $out = $this->runFixture($prefix, []);
        self::assertSame('preload', $out['ffi_enable']);
    }

    /**
     * The path for a PHP-FPM master started as root: php.ini's ffi.preload loads a header
     * written by Native::writePreloadHeader() (bin/dcimanager-ffi-header), and preload.php
     * preloads the classes under opcache.preload_user.
     */
    public function testPreloadWithFfiPreloadHeader(): void
    {
        $this->tmp = sys_get_temp_dir() . '/dci-php-preload-' . bin2hex(random_bytes(6));
        mkdir($this->tmp, 0755);
        $header = $this->tmp . '/dcimanager.h';
        [$rc, $stdout, $stderr] = Subprocess::run([
            PHP_BINARY, __DIR__ . '/../bin/dcimanager-ffi-header', $header,
        ]);
        self::assertSame(0, $rc, $stderr);
        self::assertStringContainsString('FFI_LIB', $stdout);
        $text = (string) file_get_contents($header);
        self::assertStringStartsWith("#define FFI_SCOPE \"DCIMANAGER\"\n#define FFI_LIB \"/", $text);
        self::assertSame(0644, fileperms($header) & 0777);

        $ini = ['-d', 'ffi.preload=' . $header];
        if (function_exists('posix_geteuid') && posix_geteuid() === 0) {
            $ini = [...$ini, '-d', 'opcache.preload_user=' . posix_getpwuid(0)['name']];
        }
        $this->runFixture([], $ini);
    }

    public function testWithoutPreloadTheLibraryIsLoadedWithCdef(): void
    {
        self::assertFalse(Native::isPreloaded());
        self::assertSame(Native::findLibrary(), Native::libraryPath());
    }

    public function testRestrictedFfiSaysWhatToDo(): void
    {
        [$rc, $stdout] = Subprocess::run([
            PHP_BINARY, '-d', 'ffi.enable=0', '-r',
            'require $argv[1]; try { new DciManager\Client("https://x.example"); } '
            . 'catch (DciManager\Exception\LibraryException $e) { echo $e->getMessage(); exit(3); }',
            __DIR__ . '/../autoload.php',
        ]);
        self::assertSame(3, $rc);
        self::assertStringContainsString('ffi.enable=0', $stdout);
        self::assertStringContainsString('opcache.preload', $stdout);
    }

    /**
     * Runs the fixture with preload.php and checks what it reports.
     *
     * @param list<string> $prefix command prefix (e.g. setpriv)
     * @param list<string> $ini    more -d options
     *
     * @return array<string, mixed>
     */
    private function runFixture(array $prefix, array $ini): array
    {
        [$rc, $stdout, $stderr] = Subprocess::run([
            ...$prefix, PHP_BINARY,
            '-d', 'opcache.enable_cli=1',
            '-d', 'opcache.preload=' . realpath(self::PRELOAD),
            '-d', 'ffi.enable=preload',
            ...$ini,
            self::FIXTURE, $this->emu->url, (string) $this->emu->ca,
        ]);
        self::assertSame(0, $rc, "stdout: $stdout\nstderr: $stderr");
        $out = json_decode($stdout, true, 512, JSON_THROW_ON_ERROR);
        self::assertTrue($out['preloaded'], 'FFI::scope("DCIMANAGER") was used');
        self::assertSame('preloaded (FFI scope DCIMANAGER)', $out['library']);
        self::assertSame('admin@example.com', $out['email']);
        self::assertSame(2, $out['server']);
        self::assertSame(0, $out['autoloaders'], 'no autoloader at run time');
        foreach (['DciManager\Client', 'DciManager\Native', 'DciManager\Response', 'DciManager\Exception\TlsException'] as $class) {
            self::assertContains($class, $out['preloaded_classes']);
        }

        return $out;
    }
}
