<?php

declare(strict_types=1);

namespace DciManager\Tests;

use DciManager\Client;
use DciManager\Exception\UnauthorizedException;

/**
 * Issue #11 (PHP-FPM): a cached token plus credentials. The client uses the token, and logs in
 * with the credentials only when that token has expired — once.
 */
final class SessionTest extends EmulatorTestCase
{
    private const EMAIL = 'admin@example.com';

    private const PASSWORD = 'secret';

    public function testACachedTokenWithCredentialsLogsInOnceWhenItExpires(): void
    {
        $cached = $this->client()->login(self::EMAIL, self::PASSWORD)->getToken();
        $c = $this->client(['token' => $cached, 'email' => self::EMAIL, 'password' => self::PASSWORD]);
        self::assertSame($cached, $c->getToken(), 'the token is kept when the credentials are set');

        $logins = $this->emu->stats()['logins'];
        self::assertSame(2, $c->get('dci/v3/server/2')['id']);
        self::assertSame($logins, $this->emu->stats()['logins'], 'a valid token: no login');
        self::assertSame(0, $c->getReloginCount());

        self::assertGreaterThan(0, $this->emu->expireTokens());
        $before = $this->emu->stats()['logins'];
        self::assertSame(2, $c->get('dci/v3/server/2')['id']);
        self::assertSame($before + 1, $this->emu->stats()['logins'], 'exactly one login');
        self::assertSame(1, $c->getReloginCount());
        $renewed = $c->getToken();
        self::assertNotNull($renewed);
        self::assertNotSame($cached, $renewed);
        self::assertSame(3, $c->get('dci/v3/server/3')['id']);
        self::assertSame(1, $c->getReloginCount());
    }

    public function testCredentialsWithoutATokenLogInBeforeTheFirstRequest(): void
    {
        $c = $this->client(['email' => self::EMAIL, 'password' => self::PASSWORD]);
        self::assertNull($c->getToken());
        self::assertSame(0, $this->emu->stats()['logins'], 'nothing sent by the constructor');
        self::assertSame('admin@example.com', $c->whoami()['email']);
        self::assertSame(1, $this->emu->stats()['logins']);
        self::assertSame(1, $c->getReloginCount());
        self::assertNotNull($c->getToken());
    }

    public function testSetTokenForgetsCredentialsAndSetCredentialsKeepsTheToken(): void
    {
        $token = (string) $this->client()->login(self::EMAIL, self::PASSWORD)->getToken();
        $c = $this->client();
        $c->login(self::EMAIL, self::PASSWORD);
        $c->setToken($token); // forgets the login's credentials
        $this->emu->expireTokens();
        try {
            $c->get('dci/v3/server/2');
            self::fail('renewed without credentials');
        } catch (UnauthorizedException $e) {
            self::assertSame(401, $e->getHttpStatus());
        }

        $fresh = (string) $this->client()->login(self::EMAIL, self::PASSWORD)->getToken();
        $c->setToken($fresh);
        $c->setCredentials(self::EMAIL, self::PASSWORD);
        self::assertSame($fresh, $c->getToken());
        $this->emu->expireTokens();
        self::assertSame(2, $c->get('dci/v3/server/2')['id']);
        self::assertNotSame($fresh, $c->getToken());
    }

    /**
     * The README's PHP-FPM pattern: each "request" builds a client from the cached token and
     * the credentials, and writes the token back when it changed.
     */
    public function testThePhpFpmPattern(): void
    {
        $cache = []; // stands for APCu or a file
        $writes = 0;
        $handle = function () use (&$cache, &$writes): int {
            $c = new Client($this->emu->url, [
                'ca_file' => $this->emu->ca,
                'token' => $cache['dci_token'] ?? null,
                'email' => self::EMAIL,
                'password' => self::PASSWORD,
            ]);
            $id = $c->get('dci/v3/server/2')['id'];
            $token = $c->getToken();
            if ($token !== null && $token !== ($cache['dci_token'] ?? null)) {
                $cache['dci_token'] = $token;
                $writes++;
            }

            return $id;
        };
        for ($i = 0; $i < 3; $i++) {
            self::assertSame(2, $handle());
        }
        self::assertSame(1, $this->emu->stats()['logins'], 'one login for three requests');
        self::assertSame(1, $writes);
        $this->emu->expireTokens();
        for ($i = 0; $i < 3; $i++) {
            self::assertSame(2, $handle());
        }
        self::assertSame(2, $this->emu->stats()['logins'], 'one more login after the expiry');
        self::assertSame(2, $writes);
    }
}
