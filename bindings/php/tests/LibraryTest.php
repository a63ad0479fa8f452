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
        self::assertStringContainsString('the system library path: ' . Native::SONAME . ' (', $stdout);
        self::assertStringContainsString('the system library path: libdcimanager.so (', $stdout);

        // Installed (`make install`, the Debian package): the loader finds the SONAME.
        $lib = $this->tmp . '/lib';
        mkdir($lib);
        copy(self::repoLibrary(), $lib . '/' . Native::SONAME);
        [$rc, $stdout] = Subprocess::run([PHP_BINARY, '-r', $script, "$pkg/autoload.php"], ['LD_LIBRARY_PATH' => $lib]);
        self::assertSame(0, $rc, $stdout);
        self::assertSame(Native::SONAME, $stdout);
    }

    /** DCIMANAGER_LIB may name the directory that holds the library. */
    public function testTheVariableMayNameADirectory(): void
    {
        $this->tmp = sys_get_temp_dir() . '/dci-php-dir-' . bin2hex(random_bytes(6));
        mkdir($this->tmp);
        putenv(Native::ENV . '=' . $this->tmp);
        try {
            Native::findLibrary();
            self::fail('no exception');
        } catch (LibraryException $e) {
            self::assertStringContainsString(
                Native::ENV . ': ' . $this->tmp . ' (a directory without ' . Native::SONAME . ' or libdcimanager.so)',
                $e->getMessage()
            );
        }
        copy(self::repoLibrary(), $this->tmp . '/' . Native::SONAME);
        self::assertSame(realpath($this->tmp) . '/' . Native::SONAME, Native::findLibrary());
        putenv(Native::ENV . '=' . dirname(self::repoLibrary()));
        self::assertSame(dirname(self::repoLibrary()) . '/' . Native::SONAME, Native::findLibrary());
    }

    /** The SONAME the package asks the loader for is the one the header (and the build) has. */
    public function testTheSonameIsTheHeaders(): void
    {
        $header = (string) file_get_contents(Emulator::ROOT . '/include/dcimanager.h');
        self::assertSame(1, preg_match('/#define DCI_SONAME "([^"]+)"/', $header, $m));
        self::assertSame($m[1], Native::SONAME);
    }
}
