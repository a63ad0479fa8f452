<?php

declare(strict_types=1);

namespace DciManager\Tests;

use DciManager\Client;
use PHPUnit\Framework\TestCase;

/**
 * A test case with a fresh emulator per test ($this->emu), stopped in tearDown().
 */
abstract class EmulatorTestCase extends TestCase
{
    protected Emulator $emu;

    protected function setUp(): void
    {
        $this->emu = new Emulator();
    }

    protected function tearDown(): void
    {
        $this->emu->close();
    }

    /**
     * A client that trusts the emulator's CA.
     *
     * @param array<string, mixed> $options
     */
    protected function client(array $options = []): Client
    {
        return new Client($this->emu->url, $options + ['ca_file' => $this->emu->ca]);
    }

    /**
     * A client logged in as the emulator's admin.
     *
     * @param array<string, mixed> $options
     */
    protected function admin(array $options = []): Client
    {
        $c = $this->client($options);
        $c->login('admin@example.com', 'secret');

        return $c;
    }
}
