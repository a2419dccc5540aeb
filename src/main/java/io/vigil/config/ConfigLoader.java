package io.vigil.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.vigil.net.HostPort;

import java.io.File;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a HOCON file over the jar's {@code reference.conf} into an immutable {@link VigilConfig}. Every value
 * is checked here, once, so nothing is decided per connection; any refusal is a {@link ConfigError} naming the
 * file, line and key. Each listener is layered over {@code vigil.listener-defaults} and each upstream over
 * {@code vigil.upstream-defaults} (nginx's create + merge). This class reads the file and the root keys; the
 * blocks have readers of their own: {@link UpstreamsLoader} (with {@link ServerLines}), {@link ListenersLoader}
 * (with {@link SniRoutesLoader}), and {@link ConfigValues} for the values they share.
 */
public final class ConfigLoader
{
    private static final Set<String> ADMIN_KEYS = Set.of("listen", "allow-remote-changes");

    private ConfigLoader()
    {
    }

    /**
     * @param file a HOCON file.
     * @return the validated configuration.
     * @throws ConfigError on any bad value, naming file, line and key.
     */
    public static VigilConfig load(final File file)
    {
        if (!file.isFile())
        {
            throw new ConfigError(file + ": cannot read configuration file (missing or not a file)");
        }
        if (file.length() > IncludedFiles.MAX_BYTES)
        {
            throw new ConfigError(file + ": larger than any configuration (over " + (IncludedFiles.MAX_BYTES >> 20) +
                " MiB)");
        }
        // a bare name has no parent directory, and Typesafe Config then looks for its includes on the class path
        final File parsed = file.getParentFile() == null ? file.getAbsoluteFile() : file;
        final Config user;
        try
        {
            final MissingIncludes includes = new MissingIncludes(parsed.getPath(), null);
            user = ConfigFactory.parseFile(parsed, ConfigParseOptions.defaults()
                .setSyntax(ConfigSyntax.CONF).setAllowMissing(false).setIncluder(includes));
            includes.throwIfRefused();
        }
        catch (final MissingIncludes.Named ex)
        {
            throw new ConfigError(ex.refusal());
        }
        catch (final ConfigException ex)
        {
            throw refusal(ex, file.getPath());
        }
        catch (final RuntimeException parserFailed)
        {
            throw ParserCrash.refusal(readBack(file), file.getPath(), parserFailed);
        }
        return build(user, file.getPath(), HostPort.SYSTEM_LOOKUP);
    }

    /**
     * @param text        HOCON text.
     * @param description how to name the source in messages.
     * @return the validated configuration.
     * @throws ConfigError on any bad value.
     */
    public static VigilConfig parse(final String text, final String description)
    {
        return parse(text, description, HostPort.SYSTEM_LOOKUP);
    }

    /**
     * {@link #parse(String, String)} resolving host names with the given lookup: tests and fuzzers load
     * arbitrary configurations without asking DNS.
     */
    static VigilConfig parse(final String text, final String description, final HostPort.NameLookup lookup)
    {
        final Config user;
        try
        {
            final MissingIncludes includes = new MissingIncludes(description, text);
            user = ConfigFactory.parseString(text, ConfigParseOptions.defaults().setOriginDescription(description)
                .setIncluder(includes));
            includes.throwIfRefused();
        }
        catch (final MissingIncludes.Named ex)
        {
            throw new ConfigError(ex.refusal());
        }
        catch (final ConfigException ex)
        {
            throw refusal(ex, description);
        }
        catch (final RuntimeException parserFailed)
        {
            throw ParserCrash.refusal(text, description, parserFailed);
        }
        return build(user, description, lookup);
    }

    private static String readBack(final File file)
    {
        try
        {
            return java.nio.file.Files.readString(file.toPath());
        }
        catch (final java.io.IOException | RuntimeException unreadable)
        {
            return null;
        }
    }

    private static VigilConfig build(final Config user, final String source, final HostPort.NameLookup lookup)
    {
        // our own class loader: a reload runs on a thread a signal handler started, which has no context class loader
        final Config reference = ConfigFactory.defaultReference(ConfigLoader.class.getClassLoader());
        final Config merged;
        try
        {
            merged = user.withFallback(reference).resolve();
        }
        catch (final ConfigException.BugOrBroken ex)
        {
            throw UnresolvableSubstitution.refusal(user.root(), source, ex);
        }
        catch (final ConfigException ex)
        {
            throw refusal(ex, source);
        }
        // read from the resolved tree only: the user's own may still hold substitutions, which throw when touched
        final ConfigValue vigil = merged.root().get("vigil");
        // the user's unresolved tree still knows the line of a substitution
        final ConfigValue written = user.root().get("vigil");
        final String holder = ConfigNode.describe(written != null ? written.origin() : user.root().origin());
        if (vigil.valueType() != ConfigValueType.OBJECT)
        {
            throw new ConfigError(ConfigNode.describe(vigil.origin(), holder), "vigil", "expected an object");
        }
        final ConfigNode root = new ConfigNode(((ConfigObject)vigil).toConfig(), "vigil", vigil.origin(), holder);
        // every key the reference has is known, so the unknown ones are the user's
        root.rejectUnknownKeys((ConfigObject)vigil, reference.getObject("vigil").keySet());

        final int cores = Runtime.getRuntime().availableProcessors();
        final int loopsWritten = root.integer("event-loops", 0, 1024);
        final int eventLoops = loopsWritten == 0 ? cores : loopsWritten;
        final long shutdownDelayNs = root.durationNs("shutdown-delay", 0);
        final long shutdownTimeoutNs = root.durationNs("shutdown-timeout", 0);
        final boolean watchConfig = root.bool("watch-config");
        final long loopStallTimeoutNs = root.durationNs("loop-stall-timeout", 0);
        final IdleConfig idle = idle(root);
        final long maxBufferMemory = maxBufferMemory(root);
        final LogFormat logFormat = ConfigValues.format(root, "log-format");
        final AdminConfig admin = admin(root);

        final Config listenerDefaults = root.object("listener-defaults").toConfig();
        final Config upstreamDefaults = root.object("upstream-defaults").toConfig();
        final Map<String, UpstreamConfig> upstreams = UpstreamsLoader.upstreams(root, upstreamDefaults, lookup);
        final List<ListenerConfig> listeners = ListenersLoader.listeners(root, listenerDefaults, upstreams, lookup);
        return new VigilConfig(source, eventLoops, shutdownDelayNs, shutdownTimeoutNs, watchConfig,
            loopStallTimeoutNs, idle, maxBufferMemory, logFormat, admin, List.copyOf(listeners), Map.copyOf(upstreams));
    }

    /**
     * A parse or resolve failure as a ConfigError. Typesafe Config names the file and line in its message, except
     * for a value substituted from an environment variable or a system property: then at least the file is named.
     */
    private static ConfigError refusal(final ConfigException ex, final String source)
    {
        final ConfigOrigin origin = ex.origin();
        return new ConfigError(origin != null && origin.lineNumber() > 0 ? ex.getMessage() :
            source + ": " + ex.getMessage());
    }

    private static IdleConfig idle(final ConfigNode root)
    {
        final IdleConfig.Strategy strategy = ConfigValues.choice(root, "idle-strategy", IdleConfig.Strategy.class);
        final long spinNs = root.durationNs("idle-spin", Long.MIN_VALUE);
        if (spinNs < IdleConfig.MIN_SPIN_NS || spinNs > IdleConfig.MAX_SPIN_NS)
        {
            throw root.error("idle-spin", "must be 1us..1s");
        }
        return new IdleConfig(strategy, spinNs);
    }

    private static long maxBufferMemory(final ConfigNode root)
    {
        if ("auto".equals(root.config().getValue("max-buffer-memory").unwrapped()))
        {
            return 0;
        }
        return root.longBytes("max-buffer-memory", 64 * 1024, Long.MAX_VALUE);
    }

    private static AdminConfig admin(final ConfigNode root)
    {
        final ConfigObject written = root.object("admin");
        final ConfigNode node = new ConfigNode(root.config().getConfig("admin"), root.key("admin"), written.origin(),
            root.location());
        node.rejectUnknownKeys(written, ADMIN_KEYS);
        final String listen = node.string("listen");
        if (listen.equals("off") || listen.equals("false"))
        {
            return AdminConfig.OFF;
        }
        try
        {
            return new AdminConfig(HostPort.parseListen(listen), node.bool("allow-remote-changes"));
        }
        catch (final IllegalArgumentException ex)
        {
            throw node.error("listen", ex.getMessage());
        }
    }

}
