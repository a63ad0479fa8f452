<?php

declare(strict_types=1);

namespace DciManager;

/**
 * The answer to a login ({@see Client::login()}, {@see Client::loginWithKey()}): the user's
 * id, the platform's `confirmed` flag and the session token now in use by the client.
 *
 * The token is a secret and is kept out of the object's properties: `var_dump()`,
 * `print_r()`, `var_export()`, `(array)` casts, `get_object_vars()` and `json_encode()`
 * never show it, and a LoginInfo cannot be serialized (a `\LogicException`: cache the token
 * itself, see the README's PHP-FPM pattern). Only {@see LoginInfo::getToken()} returns it.
 */
final class LoginInfo
{
    /** @var \WeakMap<object, string>|null the tokens by key object, outside every object's properties */
    private static ?\WeakMap $tokens = null;

    private string $id;

    private bool $confirmed;

    /** The key of the token in self::$tokens; a clone shares it (and the token). */
    private object $ref;

    /**
     * @param string $id        the user's id as text
     * @param bool   $confirmed the platform's `confirmed` flag
     * @param string $token     the session token (a secret)
     *
     * @internal login results come from Client::login() and Client::loginWithKey()
     */
    public function __construct(string $id, bool $confirmed, #[\SensitiveParameter] string $token)
    {
        $this->id = $id;
        $this->confirmed = $confirmed;
        $this->ref = new \stdClass();
        self::$tokens ??= new \WeakMap();
        self::$tokens[$this->ref] = $token;
    }

    /**
     * The user's id as text (whether the platform sent a string or a number), e.g. "3".
     */
    public function getId(): string
    {
        return $this->id;
    }

    /**
     * The platform's `confirmed` flag (false when absent).
     */
    public function isConfirmed(): bool
    {
        return $this->confirmed;
    }

    /**
     * The session token the login gave, now used by the client. A secret: do not log it.
     */
    public function getToken(): string
    {
        return self::$tokens[$this->ref] ?? '';
    }

    /**
     * What `var_dump()`/`print_r()` show: the id and the flag, never the token.
     *
     * @return array{id: string, confirmed: bool, token: string}
     */
    public function __debugInfo(): array
    {
        return ['id' => $this->id, 'confirmed' => $this->confirmed, 'token' => '(hidden)'];
    }

    /**
     * A LoginInfo cannot be serialized: it holds a secret.
     *
     * @throws \LogicException always
     *
     * @return array<string, mixed>
     */
    public function __serialize(): array
    {
        throw new \LogicException('a DciManager\LoginInfo cannot be serialized (it holds the session token)');
    }

    /**
     * A LoginInfo cannot be unserialized.
     *
     * @param array<string, mixed> $data
     *
     * @throws \LogicException always
     */
    public function __unserialize(array $data): void
    {
        throw new \LogicException('a DciManager\LoginInfo cannot be unserialized');
    }
}
