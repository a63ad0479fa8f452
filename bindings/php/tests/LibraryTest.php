<?php

declare(strict_types=1);

namespace DciManager\Tests;

use DciManager\Client;
use DciManager\Exception\LibraryException;
use DciManager\Native;
use PHPUnit\Framework\TestCase;

/**
 * Where the library is looked for: the explicit option, DCIMANAGER_LIB, the repository's
 * target/release, the system library path; and an error that names every place.
 */
final class LibraryTest extends TestCase
{
    private ?string $tmp = null;

    /** @var string|false */
    private $savedEnv = false;

    protected function setUp(): void
    {
        $this->savedEnv = getenv(Native::ENV);
    }

    protected function tearDown(): void
    {
        putenv($this->savedEnv === false ? Native::ENV : Native::ENV . '=' . $this->savedEnv);
        if ($this->tmp !== null) {
            exec('rm -rf ' . escapeshellarg($this->tmp));
        }
    }

    private static function repoLibrary(): string
    {
        return (string) realpath(Emulator::ROOT . '/target/release/libdcimanager.so');
    }

    public function testTheRepositoryBuildIsFoundWithAnAbsolutePath(): void
    {
        putenv(Native::ENV);
        self::assertSame(self::repoLibrary(), Native::findLibrary());
        self::assertStringStartsWith('/', Native::findLibrary());
        self::assertSame(self::repoLibrary(), Native::findLibrary(Emulator::ROOT . '/target/release/../release/libdcimanager.so'));
        self::assertFileExists(Native::headerPath());
    }

    public function testAnExplicitPathOrTheVariableMustBeRight(): void
    {
        putenv(Native::ENV);
        try {
            Native::findLibrary('/nonexistent/libdcimanager.so');
            self::fail('no exception');
        } catch (LibraryException $e) {
            self::assertStringContainsString("option 'library': /nonexistent/libdcimanager.so (no such file)", $e->getMessage());
        }
        putenv(Native::ENV . '=/nonexistent/env/libdcimanager.so');
        try {
            Native::findLibrary();
            self::fail('no exception');
        } catch (LibraryException $e) {
            self::assertStringContainsString("option 'library': not set", $e->getMessage());
            self::assertStringContainsString(Native::ENV . ': /nonexistent/env/libdcimanager.so (no such file)', $e->getMessage());
        }
        putenv(Native::ENV . '=' . self::repoLibrary());
        self::assertSame(self::repoLibrary(), Native::findLibrary());
    }

    public function testOneLibraryPerProcess(): void
    {
        Native::ffi();
        $this->expectException(LibraryException::class);
        $this->expectExceptionMessage('already loaded');
        new Client('https://dci.example.com', ['library' => PHP_BINARY]);
    }

    /**
     * A copy of the package outside the repository, with no library anywhere: the error
     * names every place looked at; then the system library path (LD_LIBRARY_PATH) works.
     */
    public function testTheErrorNamesEveryPlaceAndTheSystemPathWorks(): void
    {
        $this->tmp = sys_get_temp_dir() . '/dci-php-copy-' . bin2hex(random_bytes(6));
        mkdir($this->tmp . '/repo/bindings/php', 0755, true);
        $pkg = $this->tmp . '/repo/bindings/php'; // a checkout without a build
        exec(sprintf(
            'cp -r %s %s %s %s',
            escapeshellarg(dirname(__DIR__) . '/src'),
            escapeshellarg(dirname(__DIR__) . '/include'),
            escapeshellarg(dirname(__DIR__) . '/autoload.php'),
            escapeshellarg($pkg)
        ));
        $script = 'require $argv[1]; try { new DciManager\Client("https://x.example"); echo DciManager\Native::libraryPath(); } '
            . 'catch (DciManager\Exception\LibraryException $e) { echo $e->getMessage(); exit(3); }';
        [$rc, $stdout] = Subprocess::run([PHP_BINARY, '-r', $script, "$pkg/autoload.php"], ['LD_LIBRARY_PATH' => '']);
        self::assertSame(3, $rc, $stdout);
        self::assertStringContainsString("option 'library': not set", $stdout);
        self::assertStringContainsString(Native::ENV . ': not set', $stdout);
        self::assertStringContainsString("the repository's build: {$this->tmp}/repo/target/release/libdcimanager.so (no such file)", $stdout);
        self::assertStringContainsString('the system library path: libdcimanager.so (', $stdout);

        [$rc, $stdout] = Subprocess::run(
            [PHP_BINARY, '-r', $script, "$pkg/autoload.php"],
            ['LD_LIBRARY_PATH' => dirname(self::repoLibrary())]
        );
        self::assertSame(0, $rc, $stdout);
        self::assertSame('libdcimanager.so', $stdout);
    }
}
