<?php

declare(strict_types=1);

namespace DciManager\Exception;

/**
 * libdcimanager cannot be loaded: not found in any place looked at (all named in the
 * message), FFI missing or restricted by `ffi.enable`, or a second, different library
 * requested in the same process.
 */
class LibraryException extends DciException
{
}
