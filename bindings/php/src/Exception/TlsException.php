<?php

declare(strict_types=1);

namespace DciManager\Exception;

/**
 * The TLS handshake failed: untrusted certificate (pass `ca_file`), wrong host name, a key
 * that matches none of the `pinned_pubkey` pins... (`DCI_ERROR_TLS`). The message says why
 * and names the host; {@see DciException::getTlsPin()} is the pin of the key the server
 * presented.
 */
class TlsException extends DciException
{
}
