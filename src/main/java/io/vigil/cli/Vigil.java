package io.vigil.cli;

import io.vigil.config.ConfigError;
import io.vigil.config.ConfigLoader;
import io.vigil.config.VigilConfig;
import io.vigil.net.KernelKeepAlive;
import io.vigil.session.SessionObserver;

import java.io.File;
import java.io.PrintStream;
import java.util.List;

/**
 * Command-line entry point: {@code run}, {@code check}, {@code --help}, {@code --version}.
 * Exit codes: 0 success, 1 configuration or startup error, 2 usage error, 70 an event loop died.
 */
public final class Vigil
{
    /** Default configuration file, relative to the working directory. */
    public static final String DEFAULT_CONFIG = "conf/vigil.conf";

    static final int EXIT_OK = 0;
    static final int EXIT_CONFIG = 1;
    static final int EXIT_USAGE = 2;
    static final int EXIT_FATAL = 70; // EX_SOFTWARE: an event loop died; a supervisor should restart Vigil

    private static final String USAGE = String.join(System.lineSeparator(),
        "usage: vigil [run] [-c FILE]      run the proxy in the foreground (default FILE: " + DEFAULT_CONFIG + ")",
        "       vigil check [-c FILE]      validate FILE and print each listener's dead-peer detection budget",
        "             [--lb-idle-timeout T|azure-lb|aws-nlb|gcp]  warn about listeners whose idle connections a load",
        "                                  balancer with this idle timeout drops (default: every one of the three)",
        "             [--termination-grace T [--pre-stop T]]  warn when the pod's terminationGracePeriodSeconds",
        "                                  (T, its preStop hook's time inside it) cannot cover Vigil's stop",
        "       vigil --version            print the version",
        "       vigil --help               print this help",
        "",
        "SIGTERM or SIGINT stops accepting, lets sessions finish for vigil.shutdown-timeout, then exits 0.");

    private Vigil()
    {
    }

    /**
     * @param args command line.
     */
    public static void main(final String[] args)
    {
        System.exit(execute(args, System.out, System.err));
    }

    static int execute(final String[] args, final PrintStream out, final PrintStream err)
    {
        return execute(args, out, err, SessionObserver.NONE);
    }

    /**
     * @param observer session hooks, for tests that run Vigil as a process with a hook installed.
     */
    static int execute(final String[] args, final PrintStream out, final PrintStream err,
        final SessionObserver observer)
    {
        String command = "run";
        String file = defaultConfig();
        List<CloudLimits.LoadBalancer> loadBalancers = CloudLimits.KNOWN;
        String grace = null;
        String preStop = null;
        int i = 0;
        if (args.length > 0 && !args[0].startsWith("-"))
        {
            command = args[0];
            i = 1;
        }
        for (; i < args.length; i++)
        {
            switch (args[i])
            {
                case "-h":
                case "--help":
                    out.println(USAGE);
                    return EXIT_OK;
                case "-v":
                case "--version":
                    out.println("vigil " + version());
                    return EXIT_OK;
                case "-c":
                case "--config":
                    if (i + 1 == args.length)
                    {
                        return usageError(err, args[i] + " needs a file");
                    }
                    file = args[++i];
                    break;
                case "--lb-idle-timeout":
                    try
                    {
                        loadBalancers = List.of(CloudLimits.parse(i + 1 < args.length ? args[++i] : ""));
                    }
                    catch (final IllegalArgumentException ex)
                    {
                        return usageError(err, ex.getMessage());
                    }
                    break;
                case "--termination-grace":
                    grace = i + 1 < args.length ? args[++i] : "";
                    break;
                case "--pre-stop":
                    preStop = i + 1 < args.length ? args[++i] : "";
                    break;
                default:
                    return usageError(err, "unknown argument \"" + args[i] + "\"");
            }
        }
        switch (command)
        {
            case "help":
                out.println(USAGE);
                return EXIT_OK;
            case "version":
                out.println("vigil " + version());
                return EXIT_OK;
            case "check":
                final TerminationGrace.Pod pod;
                try
                {
                    pod = pod(grace, preStop);
                }
                catch (final IllegalArgumentException ex)
                {
                    return usageError(err, ex.getMessage());
                }
                return check(new File(file), loadBalancers, pod, out, err);
            case "run":
                return RunCommand.run(new File(file), out, err, observer);
            default:
                return usageError(err, "unknown command \"" + command + "\"");
        }
    }

    private static int usageError(final PrintStream err, final String problem)
    {
        err.println("vigil: " + problem);
        err.println(USAGE);
        return EXIT_USAGE;
    }

    /** @return the pod {@code --termination-grace} and {@code --pre-stop} describe, or null without them. */
    private static TerminationGrace.Pod pod(final String grace, final String preStop)
    {
        if (grace == null)
        {
            if (preStop != null)
            {
                throw new IllegalArgumentException("--pre-stop needs --termination-grace");
            }
            return null;
        }
        return TerminationGrace.parse(grace, preStop);
    }

    private static int check(final File file, final List<CloudLimits.LoadBalancer> loadBalancers,
        final TerminationGrace.Pod pod, final PrintStream out, final PrintStream err)
    {
        try
        {
            final VigilConfig config = ConfigLoader.load(file);
            CheckReport.print(config, KernelKeepAlive.systemDefaults(), out);
            CloudLimits.print(config, KernelKeepAlive.systemDefaults(), loadBalancers, out);
            if (pod != null)
            {
                TerminationGrace.warnings(config, pod).forEach(warning -> out.println("WARN " + warning));
            }
            return EXIT_OK;
        }
        catch (final ConfigError ex)
        {
            err.println("vigil: configuration error: " + ex.getMessage());
            return EXIT_CONFIG;
        }
    }

    private static String defaultConfig()
    {
        // bin/vigil sets vigil.home so the default config is found from any working directory
        final String home = System.getProperty("vigil.home");
        return home != null ? new File(home, DEFAULT_CONFIG).getPath() : DEFAULT_CONFIG;
    }

    static String version()
    {
        final String version = Vigil.class.getPackage().getImplementationVersion();
        return version != null ? version : "dev";
    }
}
