<?php

declare(strict_types=1);

namespace DciManager\Tests;

use DciManager\Client;
use DciManager\Exception\ApiException;
use DciManager\Exception\InvalidArgumentException;
use DciManager\KeyInfo;
use DciManager\LoginInfo;
use DciManager\Response;

/**
 * Every Client method against the emulator.
 */
final class ClientTest extends EmulatorTestCase
{
    public function testVersionIsTheCrateVersion(): void
    {
        $cargo = (string) file_get_contents(Emulator::ROOT . '/Cargo.toml');
        self::assertMatchesRegularExpression('/\[workspace\.package\][^\[]*version = "([^"]+)"/s', $cargo);
        preg_match('/\[workspace\.package\][^\[]*version = "([^"]+)"/s', $cargo, $m);
        self::assertSame($m[1], Client::version());
    }

    public function testLoginWhoamiTokenAndLogout(): void
    {
        $c = $this->client();
        self::assertNull($c->getToken());
        self::assertSame($this->emu->url, $c->getBaseUrl());
        $c->login('admin@example.com', 'secret');
        $token = $c->getToken();
        self::assertIsString($token);
        self::assertStringStartsWith('3-', $token);

        $me = $c->whoami();
        self::assertSame('admin@example.com', $me['email']);
        self::assertSame(['@admin'], $me['roles']);
        $sent = $this->emu->lastRequest()['headers'];
        self::assertSame($token, $sent['x-xsrf-token']);
        self::assertSame("ses6=$token", $sent['cookie']);
        self::assertSame('true', $sent['isp-box-instance']);

        $c->logout();
        self::assertNull($c->getToken());
        self::assertSame(1, $this->emu->count('DELETE', "/api/auth/v4/token/$token"));
        $c->logout(); // without a token: nothing to do
        self::assertSame(1, $this->emu->count('DELETE', "/api/auth/v4/token/$token"));
    }

    public function testKeysAndSingleSignOn(): void
    {
        $admin = $this->admin();
        $key = $admin->createKey('client@example.com');
        self::assertInstanceOf(KeyInfo::class, $key);
        self::assertNotSame('', $key->getId());
        self::assertNotSame('', $key->getKey());
        self::assertSame(1, $this->emu->count('POST', '/api/auth/v4/user/client%40example.com/key'));
        self::assertSame('{}', $this->emu->lastRequest()['body']);
        $url = "{$this->emu->url}/auth/key-v4/{$key->getKey()}";
        self::assertSame($url, $admin->keyLoginUrl($key));
        self::assertSame($url, $admin->keyLoginUrl($key->getKey()));

        $customer = $this->client();
        $login = $customer->loginWithKey($key);
        self::assertInstanceOf(LoginInfo::class, $login);
        self::assertSame('24', $login->getId());
        self::assertSame($customer->getToken(), $login->getToken());
        self::assertSame('client@example.com', $customer->whoami()['email']);
        self::assertSame(1, $this->emu->stats()['key_logins']);
        $other = $this->client();
        $other->loginWithKey($admin->createKey(24)->getKey()); // by id, the key as a string
        self::assertSame('client@example.com', $other->whoami()['email']);
    }

    public function testLoginAnswersALoginInfo(): void
    {
        $c = $this->client();
        $info = $c->login('admin@example.com', 'secret');
        self::assertSame('3', $info->getId());
        self::assertTrue($info->isConfirmed());
        self::assertSame($c->getToken(), $info->getToken());
        $copy = clone $info;
        self::assertSame($info->getToken(), $copy->getToken());
        self::assertSame(0, $c->getReloginCount());
    }

    public function testDefaultsComeFromTheLibrary(): void
    {
        $d = Client::defaults();
        $native = \DciManager\Native::ffi()->dci_get_defaults();
        self::assertSame(
            ['timeout', 'connect_timeout', 'retries', 'backoff_factor', 'max_body_size', 'page_size'],
            array_keys($d)
        );
        self::assertSame($native->timeout_ms / 1000.0, $d['timeout']);
        self::assertSame($native->connect_timeout_ms / 1000.0, $d['connect_timeout']);
        self::assertSame($native->retries, $d['retries']);
        self::assertSame($native->backoff_factor, $d['backoff_factor']);
        self::assertSame($native->max_body_size, $d['max_body_size']);
        self::assertSame($native->page_size, $d['page_size']);
        // Options not given are null ("the library's default") and not passed on.
        $options = $this->client()->__debugInfo()['options'];
        self::assertNull($options['timeout']);
        self::assertNull($options['retries']);
        self::assertArrayNotHasKey('token', $options);
        self::assertArrayNotHasKey('password', $options);
    }

    public function testPaginateAndQuote(): void
    {
        $c = $this->admin();
        self::assertSame("'it\\'s'", Client::quote("it's"));
        $where = 'owner_email EQ ' . Client::quote('client@example.com');
        $this->emu->clearLog();
        $pages = $c->paginate('dci/v3/server', $where, 'id desc', 50);
        self::assertSame(0, $this->emu->stats()['requests'], 'nothing sent before the first item');
        $ids = [];
        foreach ($pages as $server) {
            self::assertSame('client@example.com', $server['owner_email']);
            $ids[] = $server['id'];
        }
        self::assertCount(300, $ids);
        self::assertSame(1000, $ids[0]);
        self::assertSame(300, $pages->getReturn());
        self::assertSame(6, $this->emu->count('GET', '/api/dci/v3/server'));

        // Stopping early frees the library's iterator (finally): no further page is asked for.
        $this->emu->clearLog();
        foreach ($c->paginate('dci/v3/server', null, null, 10) as $i => $server) {
            if ($i === 14) {
                break;
            }
        }
        self::assertSame(2, $this->emu->count('GET', '/api/dci/v3/server'));
        $this->expectException(InvalidArgumentException::class);
        $c->paginate('dci/v3/server', null, null, -1);
    }

    public function testCreateTokenThenUseIt(): void
    {
        $admin = $this->admin();
        $when = new \DateTimeImmutable('2030-01-31 03:00:00', new \DateTimeZone('+03:00'));
        $long = $admin->createToken($when, 'ci');
        self::assertNotSame($admin->getToken(), $long);
        self::assertEquals(
            ['expires_at' => '2030-01-31 00:00:00', 'description' => 'ci'],
            json_decode($this->emu->lastRequest()['body'], true)
        );
        $admin->createToken('2031-01-01 00:00:00');
        self::assertEquals(
            ['expires_at' => '2031-01-01 00:00:00', 'description' => ''],
            json_decode($this->emu->lastRequest()['body'], true)
        );

        $other = $this->client(['token' => $long]);
        self::assertSame($long, $other->getToken());
        self::assertSame('admin@example.com', $other->whoami()['email']);

        $third = $this->client();
        $third->setToken($long);
        self::assertSame('admin@example.com', $third->whoami()['email']);
        $this->expectException(InvalidArgumentException::class);
        $third->setToken("bad\r\ntoken");
    }

    public function testSetTokenTtlAsIntOrString(): void
    {
        $c = $this->admin();
        $c->setTokenTtl(999);
        self::assertSame(['value' => '999'], json_decode($this->emu->lastRequest()['body'], true));
        $c->setTokenTtl('60');
        self::assertSame(['value' => '60'], json_decode($this->emu->lastRequest()['body'], true));
    }

    public function testGetPostDeleteDecodeArrays(): void
    {
        $c = $this->admin();
        self::assertSame('srv2.example.com', $c->get('dci/v3/server/2')['domain']);

        $page = $c->get('dci/v3/server', ['limit' => '0,5', 'where' => "(location_id EQ 2) AND domain CP '%.example.com'"]);
        self::assertCount(5, $page['list']);
        foreach ($page['list'] as $server) {
            self::assertSame(2, $server['location_id']);
        }
        $query = $this->emu->lastRequest()['query'];
        self::assertStringContainsString('limit=0%2C5', $query);
        self::assertStringContainsString('where=%28location_id%20EQ%202%29%20AND%20domain%20CP%20%27%25.example.com%27', $query);
        self::assertSame(3, $c->get('dci/v3/server/3?x=1', ['y' => true])['id']);
        self::assertSame('x=1&y=true', $this->emu->lastRequest()['query']);

        self::assertSame(['id' => 2, 'task' => 1], $c->post('dci/v3/server/2/power_reset'));
        self::assertSame('{}', $this->emu->lastRequest()['body']);
        $c->post('dci/v3/server/2/power_reset', []);
        self::assertSame('{}', $this->emu->lastRequest()['body']);
        self::assertSame([], $c->post('dci/v3/setting/operation_change_boot_order', ['value' => 'true']));
        self::assertSame('{"value":"true"}', $this->emu->lastRequest()['body']);
        $user = $c->post('dci/v3/user', (object) [
            'email' => 'new@example.com', 'full_name' => 'New', 'password' => 'pw-123456',
            'phone_number' => '', 'role' => 'user',
        ]);
        self::assertSame(25, $user['id']);

        $other = $this->admin();
        $token = $other->getToken();
        self::assertSame([], $c->delete("auth/v4/token/$token"));
        self::assertSame(1, $this->emu->count('DELETE', "/api/auth/v4/token/$token"));
    }

    public function testRequestReturnsAResponseForAnyAnswer(): void
    {
        $c = $this->admin();
        $ok = $c->request('GET', 'dci/v3/server/3');
        self::assertInstanceOf(Response::class, $ok);
        self::assertSame(200, $ok->getStatus());
        self::assertTrue($ok->isOk());
        self::assertNull($ok->getError());
        self::assertSame(3, $ok->json()['id']);
        self::assertSame($ok->json(), json_decode($ok->getBody(), true));
        self::assertSame($ok, $ok->throwIfError());

        $posted = $c->request('POST', 'dci/v3/server/2/power_reset');
        self::assertSame(2, $posted->json()['id']);
        self::assertSame('{}', $this->emu->lastRequest()['body']);

        $missing = $c->request('GET', 'dci/v3/nope');
        self::assertSame(404, $missing->getStatus());
        self::assertFalse($missing->isOk());
        $error = $missing->getError();
        self::assertInstanceOf(ApiException::class, $error);
        self::assertSame(1106, $error->getApiCode());
        self::assertSame(404, $error->getHttpStatus());
        self::assertSame(1, $error->getAttempts());
        self::assertSame(1, $missing->getAttempts());
        self::assertStringStartsWith('application/json', (string) $missing->getHeader('Content-Type'));
        self::assertNull($missing->getHeader('x-no-such-header'));
        try {
            $missing->throwIfError();
            self::fail('no exception');
        } catch (ApiException $e) {
            self::assertSame(404, $e->getHttpStatus());
        }
    }

    public function testEncodeComponent(): void
    {
        self::assertSame('a%20b%2B%28c%29%27d~', Client::encode("a b+(c)'d~"));
    }

    public function testNoSecretInDumpsMessagesOrTraces(): void
    {
        $c = $this->admin();
        $token = (string) $c->getToken();
        $long = $c->createToken('2030-01-01 00:00:00');
        $withToken = $this->client(['token' => $long]);
        foreach ([$c, $withToken] as $client) {
            ob_start();
            var_dump($client);
            print_r($client);
            var_export($client);
            echo json_encode($client);
            $text = (string) ob_get_clean();
            self::assertStringNotContainsString($token, $text);
            self::assertStringNotContainsString($long, $text);
            self::assertStringNotContainsString('secret', $text);
            self::assertStringContainsString($this->emu->url, $text);
        }
        self::assertSame('active', $c->__debugInfo()['session']);
        self::assertSame('none', $this->client()->__debugInfo()['session']);

        $old = ini_set('zend.exception_ignore_args', '0');
        try {
            $this->client()->login('admin@example.com', 'wrong-password-1234');
            self::fail('no exception');
        } catch (\Throwable $e) {
            $text = $e->getMessage() . $e . $e->getTraceAsString() . print_r($e->getTrace(), true);
            self::assertStringNotContainsString('wrong-password-1234', $text);
        } finally {
            ini_set('zend.exception_ignore_args', (string) $old);
        }
        try {
            $c->setToken("{$token} with spaces");
            self::fail('no exception');
        } catch (InvalidArgumentException $e) {
            self::assertStringNotContainsString($token, $e->getMessage());
        }
    }

    public function testClientsCannotBeClonedOrSerialized(): void
    {
        $c = $this->client();
        try {
            $copy = clone $c;
            self::fail('cloned');
        } catch (\LogicException $e) {
            self::assertStringContainsString('cloned', $e->getMessage());
        }
        $this->expectException(\LogicException::class);
        serialize($c);
    }

    public function testOptionsAreChecked(): void
    {
        try {
            $this->client(['verfy' => false, 'timeout' => 1, 'retry' => 3]);
            self::fail('no exception');
        } catch (InvalidArgumentException $e) {
            self::assertStringContainsString("'verfy'", $e->getMessage());
            self::assertStringContainsString("'retry'", $e->getMessage());
            self::assertStringNotContainsString("'timeout'", explode('(known', $e->getMessage())[0]);
        }
        $bad = [
            ['verify' => '/etc/ssl/ca.pem'],
            ['timeout' => -1],
            ['timeout' => INF],
            ['retries' => 1.5],
            ['retries' => -1],
            ['backoff_factor' => -0.1],
            ['ca_file' => ''],
            ['token' => 42],
            ['email' => 'admin@example.com'],
            ['password' => 'secret'],
            ['max_body_size' => -1],
        ];
        foreach ($bad as $options) {
            try {
                $this->client($options);
                self::fail('accepted ' . json_encode($options));
            } catch (InvalidArgumentException $e) {
                self::assertSame('DCI_ERROR_INVALID_ARGUMENT', $e->getStatusName());
            }
        }
        $c = $this->client(['timeout' => 0.5, 'connect_timeout' => null, 'retries' => 0, 'backoff_factor' => 0]);
        $c->login('admin@example.com', 'secret');
        self::assertSame(0, $c->__debugInfo()['options']['retries']);
    }

    public function testInsecureModeSkipsVerification(): void
    {
        $c = new Client($this->emu->url, ['verify' => false]);
        $c->login('admin@example.com', 'secret');
        self::assertSame('admin@example.com', $c->whoami()['email']);
    }

    public function testLoginVariants201AndNumericIds(): void
    {
        $emu = new Emulator(['--login-status', '201', '--numeric-ids']);
        try {
            $c = new Client($emu->url, ['ca_file' => $emu->ca]);
            $c->login('client@example.com', 'client-secret');
            self::assertSame('client@example.com', $c->whoami()['email']);
            self::assertStringStartsWith('24-', (string) $c->getToken());
        } finally {
            $emu->close();
        }
    }
}
