package io.vigil.cli;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * POSIX signal handlers through {@code sun.misc.Signal} (module jdk.unsupported): they let Vigil drain and exit 0
 * on SIGTERM, where a shutdown hook would exit 143, and reload on SIGHUP. Reached by reflection, so the build can
 * treat every compiler warning as an error (javac's warning on that API cannot be suppressed otherwise).
 */
final class Signals
{
    private Signals()
    {
    }

    /**
     * Run {@code action} (on the JVM's signal thread) each time the signal arrives.
     *
     * @param name   the signal without "SIG", e.g. "TERM".
     * @param action what to do; must be quick.
     * @return false when the process was started with the signal ignored (nohup ignores SIGHUP, a shell's
     *         background job SIGINT): the JVM then keeps it ignored and installs nothing, and never says so.
     * @throws IllegalStateException when this JVM offers no signal handling.
     */
    static boolean on(final String name, final Runnable action)
    {
        try
        {
            final Class<?> signal = Class.forName("sun.misc.Signal");
            final Class<?> handler = Class.forName("sun.misc.SignalHandler");
            final Constructor<?> create = signal.getConstructor(String.class);
            final Method handle = signal.getMethod("handle", signal, handler);
            final Object proxy = Proxy.newProxyInstance(Signals.class.getClassLoader(), new Class<?>[] {handler},
                (self, method, args) ->
                {
                    switch (method.getName())
                    {
                        case "handle":
                            action.run();
                            return null;
                        case "hashCode":
                            return System.identityHashCode(self);
                        case "equals":
                            return self == args[0];
                        default:
                            return "vigil handler for SIG" + name;
                    }
                });
            final Object previous = handle.invoke(null, create.newInstance(name), proxy);
            return previous != handler.getField("SIG_IGN").get(null);
        }
        catch (final ReflectiveOperationException | RuntimeException ex)
        {
            throw new IllegalStateException("cannot handle SIG" + name + ": " + ex, ex);
        }
    }
}
