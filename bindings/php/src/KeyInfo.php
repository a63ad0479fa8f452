<?php

declare(strict_types=1);

namespace DciManager;

/**
 * A single sign-on key made by {@see Client::createKey()}: its id and the key, valid for one
 * hour. Pass the object itself to {@see Client::keyLoginUrl()} or
 * {@see Client::loginWithKey()}.
 *
 * The key is a secret and is kept out of the object's properties: `var_dump()`, `print_r()`,
 * `var_export()`, `(array)` casts, `get_object_vars()` and `json_encode()` never show it, and
 * a KeyInfo cannot be serialized (a `\LogicException`). Only {@see KeyInfo::getKey()} returns
 * it. The library's copy is wiped as soon as PHP has its own.
 */
final class KeyInfo
{
    /** @var \WeakMap<object, string>|null the keys by key object, outside every object's properties */
    private static ?\WeakMap $keys = null;

    private string $id;

    /** The key of the secret in self::$keys; a clone shares it (and the secret). */
    private object $ref;

    /**
     * @param string $id  the key's id as text
     * @param string $key the key (a secret)
     *
     * @internal keys come from Client::createKey()
     */
    public function __construct(string $id, #[\SensitiveParameter] string $key)
    {
        $this->id = $id;
        $this->ref = new \stdClass();
        self::$keys ??= new \WeakMap();
        self::$keys[$this->ref] = $key;
    }

    /**
     * The key's id as text, e.g. "1".
     */
    public function getId(): string
    {
        return $this->id;
    }

    /**
     * The key. A secret valid for an hour: do not log it; redirect the user to
     * {@see Client::keyLoginUrl()} instead of showing it.
     */
    public function getKey(): string
    {
        return self::$keys[$this->ref] ?? '';
    }

    /**
     * What `var_dump()`/`print_r()` show: the id, never the key.
     *
     * @return array{id: string, key: string}
     */
    public function __debugInfo(): array
    {
        return ['id' => $this->id, 'key' => '(hidden)'];
    }

    /**
     * A KeyInfo cannot be serialized: it holds a secret.
     *
     * @throws \LogicException always
     *
     * @return array<string, mixed>
     */
    public function __serialize(): array
    {
        throw new \LogicException('a DciManager\KeyInfo cannot be serialized (it holds the key)');
    }

    /**
     * A KeyInfo cannot be unserialized.
     *
     * @param array<string, mixed> $data
     *
     * @throws \LogicException always
     */
    public function __unserialize(array $data): void
    {
        throw new \LogicException('a DciManager\KeyInfo cannot be unserialized');
    }
}
