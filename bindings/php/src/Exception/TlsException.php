<?php

declare(strict_types=1);

namespace DciManager\Exception;

/**
 * The TLS handshake failed: untrusted certificate (pass `ca_file`), wrong host name...
 * (`DCI_ERROR_TLS`).
 */
class TlsException extends DciException
{
}
