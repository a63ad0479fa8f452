<?php

declare(strict_types=1);

namespace DciManager;

use FFI\CData;

/**
 * The PHP code the library calls during a call — each client's interrupt check and log
 * callback — and the per-client state they read.
 *
 * Two rules of PHP FFI shape it:
 *  - PHP keeps every closure it turns into a C function pointer, and that pointer, until the
 *    end of the request: one callback per client would pile up (with whatever the closure
 *    holds) in a long-running worker. So each callback is made once per process, and a
 *    client passes its state as the `user` pointer: an `int64_t[4]` of its own, read here
 *    (the interrupt() count, whether one of its calls is in the library, the count when
 *    that call began, its key in the logger registry).
 *  - A throw out of an FFI callback is a fatal error, and with `pcntl_async_signals(true)`
 *    PHP runs pending signal handlers as the very first instruction of a PHP function C
 *    calls. So each callback declares no parameter and no `use` (either would come before
 *    the `try`), reads its arguments with func_get_args() inside the `try`, and catches
 *    everything. What a signal handler threw is kept, stops the call (the interrupt check
 *    returns 1) and is thrown when the call returns ({@see Native::check()}).
 *
 * @internal
 */
final class Callbacks
{
    /** State slot: how many times Client::interrupt() was called. */
    private const INTERRUPTS = 0;

    /** State slot: 1 while one of the client's calls is in the library. */
    private const BUSY = 1;

    /** State slot: the INTERRUPTS count when that call began. */
    private const SEEN = 2;

    /** State slot: the client's key in self::$loggers. */
    private const ID = 3;

    /** The library's log levels (`dci_log_level`) by their PSR-3 names. */
    public const LOG_LEVELS = ['debug' => 1, 'info' => 2, 'warning' => 3];

    /** `dci_interrupt_check[1]`: the interrupt check of every client. */
    private static ?CData $check = null;

    /** `dci_log_fn[1]`: the log callback of every client with a logger. */
    private static ?CData $log = null;

    /**
     * @var array<int, \WeakReference<object>> the PSR-3 loggers, by client key; weak, as the
     *                                          client holds its logger (which may hold the
     *                                          client: a cycle PHP's collector can free)
     */
    private static array $loggers = [];

    private static int $lastId = 0;

    /** What a signal handler threw during the call in progress (the last, if several). */
    private static ?\Throwable $thrown = null;

    private function __construct()
    {
    }

    /** A new client's state (see the class documentation). */
    public static function newState(): CData
    {
        $state = Native::ffi()->new('int64_t[4]');
        $state[self::ID] = ++self::$lastId;

        return $state;
    }

    /**
     * Marks the start of a client's call into the library (one that may wait, and so run
     * the callbacks): interrupts from now on stop it.
     *
     * @throws \LogicException when one of the client's calls is in the library already: a
     *                         signal handler or a logger run during it calls the client
     */
    public static function enter(CData $state): void
    {
        self::refuseIfBusy($state);
        $state[self::SEEN] = $state[self::INTERRUPTS];
        $state[self::BUSY] = 1;
    }

    /** Marks the end of the call begun with {@see Callbacks::enter()}. */
    public static function leave(CData $state): void
    {
        $state[self::BUSY] = 0;
    }

    /**
     * Refuses a call on a client from code run during one of its own calls (a signal handler,
     * a logger), which the library forbids: it could wait for the call it runs in.
     *
     * @throws \LogicException when one of the client's calls is in the library
     */
    public static function refuseIfBusy(CData $state): void
    {
        if ($state[self::BUSY] !== 0) {
            throw new \LogicException(
                'a DciManager\Client cannot be used by a signal handler or logger that runs during one of its '
                . 'calls; call interrupt() there, or use another client'
            );
        }
    }

    /** Whether one of the client's calls is in the library. */
    public static function isBusy(CData $state): bool
    {
        return $state[self::BUSY] !== 0;
    }

    /** Counts a Client::interrupt(), so that the check stops the call at once. */
    public static function interrupted(CData $state): void
    {
        $state[self::INTERRUPTS] = $state[self::INTERRUPTS] + 1;
    }

    /**
     * What a signal handler threw during the call that just returned, once; null if none.
     */
    public static function takeThrown(): ?\Throwable
    {
        $thrown = self::$thrown;
        self::$thrown = null;

        return $thrown;
    }

    /**
     * Sends a client's events to a PSR-3 logger (until {@see Callbacks::forget()}); the
     * client keeps the logger alive.
     */
    public static function setLogger(CData $state, object $logger): void
    {
        self::$loggers[$state[self::ID]] = \WeakReference::create($logger);
    }

    /** Forgets what was kept for a client (its logger); for its destructor. */
    public static function forget(CData $state): void
    {
        unset(self::$loggers[$state[self::ID]]);
    }

    /**
     * The interrupt check (`dci_client_set_interrupt_check`, with the client's state as
     * `user`), for clients in a process with the pcntl extension. The library calls it on
     * the calling thread only while a call waits, at least every 100 ms. When
     * `pcntl_async_signals()` is on, it runs the pending signal handlers
     * (`pcntl_signal_dispatch()`). It returns 1 — the call stops with
     * {@see \DciManager\Exception\InterruptedException} — when Client::interrupt() was
     * called since the call began, or a handler threw (that exception comes out of the call
     * instead); else 0.
     */
    public static function interruptCheck(): CData
    {
        if (self::$check === null) {
            $slot = Native::ffi()->new('dci_interrupt_check[1]');
            $slot[0] = static function (): int {
                try {
                    return self::check(\func_get_args()[0] ?? null);
                } catch (\Throwable $e) {
                    self::$thrown = $e; // no jump, no call: no handler can run here

                    return 1;
                }
            };
            self::$check = $slot;
        }

        return self::$check[0];
    }

    /**
     * The log callback (`dci_client_set_log_callback`, with the client's state as
     * `user_data`): the event goes to the client's PSR-3 logger, its facts as context. A
     * logger that throws is ignored, never breaking the call.
     */
    public static function logFunction(): CData
    {
        if (self::$log === null) {
            $slot = Native::ffi()->new('dci_log_fn[1]');
            $slot[0] = static function (): void {
                try {
                    $args = \func_get_args(); // pending signal handlers run before this
                } catch (\Throwable $e) {
                    self::$thrown = $e; // no jump, no call: no handler can run here

                    return;
                }
                try {
                    self::log(...$args);
                } catch (\Throwable $e) {
                    // A logger that fails must not break the call.
                }
            };
            self::$log = $slot;
        }

        return self::$log[0];
    }

    /** The interrupt check's work: 1 to stop the call. */
    private static function check(?CData $user): int
    {
        if ($user === null) {
            return 0;
        }
        // With async signals PHP has run the pending handlers already, as this callback's
        // first instruction; dispatching again costs nothing and does not depend on that.
        // Without them, handlers run where the application dispatches them, not here.
        if (\pcntl_async_signals()) {
            \pcntl_signal_dispatch();
        }
        $state = Native::ffi()->cast('int64_t*', $user);

        return self::$thrown !== null || $state[self::INTERRUPTS] !== $state[self::SEEN] ? 1 : 0;
    }

    /**
     * One event to the client's logger.
     *
     * @param CData|null          $user    the client's state
     * @param int                 $level   the `dci_log_level`
     * @param CData|string|null   $event   the event's name (unused: it is in the facts)
     * @param CData|string|null   $message the message
     * @param CData|string|null   $fields  the facts as a JSON object
     */
    private static function log(?CData $user, int $level, mixed $event, mixed $message, mixed $fields): void
    {
        if ($user === null) {
            return;
        }
        $logger = (self::$loggers[Native::ffi()->cast('int64_t*', $user)[self::ID]] ?? null)?->get();
        if ($logger === null) {
            return;
        }
        $context = json_decode(self::text($fields), true);
        $name = array_search($level, self::LOG_LEVELS, true);
        $logger->log(is_string($name) ? $name : 'info', self::text($message), is_array($context) ? $context : []);
    }

    /** A borrowed C string as PHP text ("" for NULL). */
    private static function text(mixed $s): string
    {
        if (is_string($s)) {
            return $s;
        }

        return $s instanceof CData && !\FFI::isNull($s) ? \FFI::string($s) : '';
    }
}
