<?php

declare(strict_types=1);

namespace DciManager\Tests;

use DciManager\Exception\ApiException;
use DciManager\Exception\DciException;
use DciManager\KeyInfo;
use DciManager\LoginInfo;

/**
 * Issue #11: a server (or proxy) that echoes what it received — the request body and its
 * x-xsrf-token — in a 401 envelope, a redirect, an HTML 502 page or a 200 that is not JSON
 * (the emulator's `echo` fault) never makes a password, key or token appear in an exception:
 * its message, getBody(), getApiMessage(), getApiValue(), `var_export()`/`print_r()` or its
 * string form. Login and key results hide their secret from every printed form.
 */
final class SecretsTest extends EmulatorTestCase
{
    /** The echo forms and the HTTP status each answers with. */
    private const FORMS = ['unauthorized' => 401, 'redirect' => 302, 'html502' => 502, 'bad_json' => 200];

    /**
     * @return array<string, array{string, int}>
     */
    public static function forms(): array
    {
        $rows = [];
        foreach (self::FORMS as $form => $status) {
            $rows[$form] = [$form, $status];
        }

        return $rows;
    }

    /**
     * @dataProvider forms
     */
    public function testAnEchoedPasswordIsNeverShown(string $form, int $status): void
    {
        $password = 'Pw-' . bin2hex(random_bytes(8)) . '-Distinctive';
        $c = $this->client();
        $this->emu->fault(['kind' => 'echo', 'as' => $form, 'path' => 'public/token']);
        $error = null;
        try {
            $c->login('admin@example.com', $password);
        } catch (DciException $e) {
            $error = $e;
        }
        $this->assertEchoed($password, "login, echo as $form");
        self::assertNotNull($error, "login, echo as $form: no exception");
        self::assertSame($status, $error->getHttpStatus(), "login, echo as $form");
        self::assertNoSecret($password, $error, "login, echo as $form");
        self::assertNull($c->getToken());
    }

    /**
     * @dataProvider forms
     */
    public function testAnEchoedKeyIsNeverShown(string $form, int $status): void
    {
        $key = '7-' . bin2hex(random_bytes(8)) . '-distinctive-key';
        $c = $this->client();
        $this->emu->fault(['kind' => 'echo', 'as' => $form, 'path' => 'public/key']);
        $error = null;
        try {
            $c->loginWithKey($key);
        } catch (DciException $e) {
            $error = $e;
        }
        $this->assertEchoed($key, "key login, echo as $form");
        self::assertNotNull($error, "key login, echo as $form: no exception");
        self::assertSame($status, $error->getHttpStatus(), "key login, echo as $form");
        self::assertNoSecret($key, $error, "key login, echo as $form");
    }

    /**
     * An authenticated GET with a token only (no credentials, so a 401 is final): the echo
     * carries the x-xsrf-token header. Through get() and through request()'s getError() /
     * json().
     *
     * @dataProvider forms
     */
    public function testAnEchoedTokenIsNeverShown(string $form, int $status): void
    {
        $token = (string) $this->admin()->getToken();
        self::assertNotSame('', $token);
        $c = $this->client(['token' => $token]);

        $this->emu->fault(['kind' => 'echo', 'as' => $form, 'path' => 'server/2']);
        $error = null;
        try {
            $c->get('dci/v3/server/2');
        } catch (DciException $e) {
            $error = $e;
        }
        $this->assertEchoed($token, "GET, echo as $form");
        self::assertNotNull($error, "GET, echo as $form: no exception");
        self::assertSame($status, $error->getHttpStatus(), "GET, echo as $form");
        self::assertNoSecret($token, $error, "GET, echo as $form");

        // request() hands over the raw answer (the caller's to keep private); the error it
        // stands for, and a failed json(), carry no secret.
        $this->emu->fault(['kind' => 'echo', 'as' => $form, 'path' => 'server/2']);
        $response = $c->request('GET', 'dci/v3/server/2');
        self::assertSame($status, $response->getStatus());
        $error = $response->getError();
        if ($error === null) {
            try {
                $response->json();
            } catch (DciException $e) {
                $error = $e;
            }
        }
        self::assertNotNull($error, "request(), echo as $form: neither an error nor a failed json()");
        self::assertNoSecret($token, $error, "request(), echo as $form");
        ob_start();
        var_dump($response);
        self::assertStringNotContainsString($token, (string) ob_get_clean() . print_r($response, true));
    }

    public function testLoginAndKeyResultsHideTheirSecrets(): void
    {
        $admin = $this->client();
        $login = $admin->login('admin@example.com', 'secret');
        $key = $admin->createKey('client@example.com');
        $keyLogin = $this->client()->loginWithKey($key);
        foreach ([[$login, $login->getToken()], [$key, $key->getKey()], [$keyLogin, $keyLogin->getToken()]] as [$object, $secret]) {
            $label = get_class($object);
            self::assertNotSame('', $secret, $label);
            ob_start();
            var_dump($object);
            $text = (string) ob_get_clean()
                . print_r($object, true)
                . var_export($object, true)
                . json_encode($object)
                . print_r((array) $object, true)
                . print_r(get_object_vars($object), true)
                . print_r([$object], true);
            self::assertStringNotContainsString($secret, $text, "$label shows its secret");
            self::assertStringContainsString('(hidden)', print_r($object, true), $label);
            try {
                serialize($object);
                self::fail("$label was serialized");
            } catch (\LogicException $e) {
                self::assertStringNotContainsString($secret, $e->getMessage());
            }
        }
        self::assertInstanceOf(LoginInfo::class, $login);
        self::assertInstanceOf(KeyInfo::class, $key);
        self::assertSame($key->getKey(), (clone $key)->getKey(), 'a clone keeps the key');
    }

    /** The emulator did echo the secret (else the test would prove nothing). */
    private function assertEchoed(#[\SensitiveParameter] string $secret, string $label): void
    {
        $last = $this->emu->lastRequest();
        self::assertSame('echo', $last['fault'], "$label: the echo fault was served");
        $sent = $last['body'] . ' ' . ($last['headers']['x-xsrf-token'] ?? '');
        self::assertStringContainsString($secret, $sent, "$label: the secret was sent (and echoed)");
    }

    private static function assertNoSecret(#[\SensitiveParameter] string $secret, DciException $e, string $label): void
    {
        $texts = [
            'message' => $e->getMessage(),
            'getBody()' => $e->getBody(),
            '__toString()' => (string) $e,
            'var_export' => var_export($e, true),
            'print_r' => print_r($e, true),
            'trace' => $e->getTraceAsString(),
        ];
        if ($e instanceof ApiException) {
            $texts['getApiMessage()'] = $e->getApiMessage();
            $texts['getApiValue()'] = (string) json_encode($e->getApiValue());
        }
        foreach ($texts as $where => $text) {
            self::assertStringNotContainsString($secret, $text, "$label: the secret is in $where");
        }
    }
}

