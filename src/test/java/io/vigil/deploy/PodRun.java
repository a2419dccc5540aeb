package io.vigil.deploy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.vigil.test.Await;
import io.vigil.test.VigilProcess;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One pod of the DaemonSet, run on this machine the way the kubelet and a container runtime would run it, from the
 * rendered manifests: podman (with runc, as containerd runs it) starts the image with the container's args, user,
 * read-only root, capabilities, no-new-privileges and memory limit, in a private mount and pid namespace, sharing a
 * network namespace made for the test (hostNetwork: the "node" here has only loopback). The ConfigMap is a directory
 * laid out as the kubelet lays it out (..data symlink), mounted read-only at the mountPath. Cluster names in the
 * upstreams resolve to 127.0.0.1 through /etc/hosts, where a {@link NetnsPeer} serves echo upstreams and plays clients.
 * <p>
 * The kubelet's side is played by {@link #stopLikeKubelet}: preStop sleep, SIGTERM, SIGKILL at the grace period.
 * {@link #swapConfig} updates the ConfigMap as the kubelet does, for reload tests (issue 12).
 */
final class PodRun implements AutoCloseable
{
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);
    private static final AtomicInteger PODS = new AtomicInteger();

    private final Rendered pod;
    private final String name;
    private final Path configDir;
    private final List<AutoCloseable> cleanup = new ArrayList<>();
    private final BlockingQueue<String> peerLines = new LinkedBlockingQueue<>();
    private Process peer;
    private PrintStream peerIn;
    private int generation;

    private PodRun(final Rendered pod, final String name, final Path configDir)
    {
        this.pod = pod;
        this.name = name;
        this.configDir = configDir;
    }

    /**
     * @param pod    the rendered manifests (hostNetwork: the container shares the test's network namespace).
     * @param config the vigil.conf to ship in the ConfigMap (the manifests' own, or a variant).
     * @return the running pod, its listeners bound.
     * @throws Exception when any step fails; what was started is stopped.
     */
    static PodRun start(final Rendered pod, final String config) throws Exception
    {
        return start(pod, config, run -> { });
    }

    /**
     * @param pod             the rendered manifests.
     * @param config          the vigil.conf to ship in the ConfigMap.
     * @param beforeContainer run once the network, the peer and the ConfigMap exist, right before the container
     *                        starts: where the kubelet's probes begin.
     * @return the running pod, its listeners bound.
     * @throws Exception when any step fails; what was started is stopped.
     */
    static PodRun start(final Rendered pod, final String config, final Consumer<PodRun> beforeContainer)
        throws Exception
    {
        // one name per pod, not per JVM: a second pod in the same run must not find the first one's ConfigMap directory
        final String name = "vigil-pod-" + ProcessHandle.current().pid() + "-" + PODS.incrementAndGet();
        final Path dir = Paths.get("target", "pod", name).toAbsolutePath();
        final PodRun run = new PodRun(pod, name, dir.resolve("configmap"));
        try
        {
            run.startNetwork();
            run.startPeer(new VigilConf(config, "pod config"));
            run.swapConfig(config);
            beforeContainer.accept(run);
            run.startContainer(new VigilConf(config, "pod config"));
            return run;
        }
        catch (final Exception | AssertionError ex)
        {
            System.out.println(run.logs());
            run.close();
            throw ex;
        }
    }

    private void startNetwork()
    {
        run("ip", "netns", "add", name);
        cleanup.add(0, () -> run("ip", "netns", "del", name));
        run("ip", "netns", "exec", name, "ip", "link", "set", "lo", "up");
    }

    private void startPeer(final VigilConf conf) throws IOException
    {
        final List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", name));
        command.addAll(VigilProcess.javaCommand(NetnsPeer.class.getName()));
        for (final Integer port : new TreeSet<>(conf.upstreamServers().stream().map(Map.Entry::getValue).toList()))
        {
            command.add(port.toString());
        }
        peer = new ProcessBuilder(command).redirectErrorStream(true).start();
        cleanup.add(0, () -> peer.destroyForcibly().waitFor(10, TimeUnit.SECONDS));
        peerIn = new PrintStream(peer.getOutputStream(), true, StandardCharsets.UTF_8);
        final Thread reader = new Thread(() ->
        {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(peer.getInputStream(),
                StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = in.readLine()) != null)
                {
                    peerLines.add(line);
                }
            }
            catch (final IOException ex)
            {
                // the peer ended
            }
        }, "netns-peer-output");
        reader.setDaemon(true);
        reader.start();
        final String ready = nextPeerLine(Duration.ofSeconds(30));
        if (!"ready".equals(ready))
        {
            throw new AssertionError("the netns peer did not start: " + ready);
        }
    }

    /**
     * Writes a new version of the ConfigMap's file the way the kubelet's atomic writer does: a new timestamped
     * directory, a "..data" symlink swapped onto it by rename, the file itself a symlink through "..data".
     *
     * @param config the new vigil.conf.
     * @throws IOException when the directory cannot be written.
     */
    void swapConfig(final String config) throws IOException
    {
        final String key = pod.configKey();
        Files.createDirectories(configDir);
        final Path version = configDir.resolve("..2026_01_01_00_00_00." + String.format("%09d", ++generation));
        Files.createDirectories(version);
        Files.writeString(version.resolve(key), config);
        final Path data = configDir.resolve("..data");
        final Path previous = Files.isSymbolicLink(data) ? configDir.resolve(Files.readSymbolicLink(data)) : null;
        final Path next = configDir.resolve("..data_tmp");
        Files.deleteIfExists(next);
        Files.createSymbolicLink(next, version.getFileName());
        Files.move(next, data, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        if (!Files.isSymbolicLink(configDir.resolve(key)))
        {
            Files.createSymbolicLink(configDir.resolve(key), Paths.get("..data", key));
        }
        if (previous != null)
        {
            Files.delete(previous.resolve(key));
            Files.delete(previous);
        }
    }

    private void startContainer(final VigilConf conf)
    {
        final Container vigil = pod.vigil();
        final List<String> command = new ArrayList<>(Podman.command("run", "--detach", "--name", name,
            "--network", "ns:/run/netns/" + name,
            "--volume", configDir + ":" + pod.configMount().getMountPath() + ":ro"));
        command.addAll(containerOptions(pod));
        // the kubelet writes /etc/hosts; cluster DNS would answer these names
        conf.upstreamServers().forEach(server -> command.addAll(List.of("--add-host", server.getKey() + ":127.0.0.1")));
        command.add(vigil.getImage());
        command.addAll(vigil.getArgs());
        run(command.toArray(new String[0]));
        cleanup.add(0, () -> podman("rm", "--force", "--time", "0", name));
        for (final String listener : conf.listeners().keySet())
        {
            awaitLog("listening " + listener + " ", Duration.ofSeconds(30));
        }
    }

    /**
     * Runs the pod's container once, with no network and no config mount, and other arguments: for checks of the
     * image itself under the pod's security context and memory limit.
     *
     * @param pod     the rendered manifests.
     * @param options extra podman options (e.g. --env).
     * @param args    the container's arguments.
     * @return its output.
     */
    static String runOnce(final Rendered pod, final List<String> options, final String... args)
    {
        final List<String> command = new ArrayList<>(Podman.command("run", "--rm", "--network", "none"));
        command.addAll(containerOptions(pod));
        command.addAll(options);
        command.add(pod.vigil().getImage());
        command.addAll(List.of(args));
        return run(command.toArray(new String[0]));
    }

    /**
     * runc: crun refuses this machine's hybrid cgroup layout, and runc is what containerd runs under Kubernetes.
     *
     * @return podman options for the container's securityContext, resources, env and command.
     */
    private static List<String> containerOptions(final Rendered pod)
    {
        final Container vigil = pod.vigil();
        final SecurityContext security = vigil.getSecurityContext();
        final List<String> options = new ArrayList<>(List.of(
            "--user", security.getRunAsUser() + ":" + security.getRunAsGroup()));
        // podman asks for more processes and files than a process without CAP_SYS_RESOURCE may grant: ask for ours
        final long files = hardLimit("Max open files");
        final long processes = Math.min(32768, hardLimit("Max processes"));
        options.addAll(List.of("--ulimit", "nofile=" + files + ":" + files,
            "--ulimit", "nproc=" + processes + ":" + processes));
        if (Boolean.TRUE.equals(security.getReadOnlyRootFilesystem()))
        {
            // and no tmpfs on /tmp either: a read-only root with nothing writable, as the kubelet runs it
            options.addAll(List.of("--read-only", "--read-only-tmpfs=false"));
        }
        if (security.getCapabilities() != null)
        {
            if (security.getCapabilities().getDrop().contains("ALL"))
            {
                options.add("--cap-drop=all");
            }
            security.getCapabilities().getAdd().forEach(cap -> options.add("--cap-add=" + cap));
        }
        if (Boolean.FALSE.equals(security.getAllowPrivilegeEscalation()))
        {
            options.add("--security-opt=no-new-privileges");
        }
        final Quantity memory = vigil.getResources().getLimits().get("memory");
        if (memory != null)
        {
            options.addAll(List.of("--memory", Long.toString(memoryLimitBytes(pod))));
        }
        vigil.getEnv().forEach(env -> options.addAll(List.of("--env", env.getName() + "=" + env.getValue())));
        if (vigil.getCommand() != null && !vigil.getCommand().isEmpty())
        {
            options.add("--entrypoint=" + toJson(vigil.getCommand()));
        }
        return options;
    }

    /** @return the container's memory limit in bytes. */
    static long memoryLimitBytes(final Rendered pod)
    {
        return Quantity.getAmountInBytes(pod.vigil().getResources().getLimits().get("memory")).longValueExact();
    }

    /** @return the container's stdout and stderr so far. */
    String logs()
    {
        try
        {
            return podman("logs", name);
        }
        catch (final AssertionError ex)
        {
            return "(no logs: " + ex.getMessage() + ")";
        }
    }

    void awaitLog(final String text, final Duration timeout)
    {
        Await.until(() -> logs().contains(text), timeout, "\"" + text + "\" in the container's log");
    }

    /**
     * @param command a {@link NetnsPeer} command.
     * @return its one-line answer.
     */
    String peer(final String command)
    {
        peerIn.println(command);
        final String answer = nextPeerLine(Duration.ofSeconds(60));
        if (answer == null)
        {
            throw new AssertionError("no answer from the netns peer to \"" + command + "\"");
        }
        return answer;
    }

    private String nextPeerLine(final Duration timeout)
    {
        try
        {
            return peerLines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError(ex);
        }
    }

    /** Sends a signal to the container's main process (Vigil, pid 1 in its pid namespace). */
    void signal(final String signal)
    {
        podman("kill", "--signal", signal, name);
    }

    /**
     * The kubelet deleting the pod: the preStop sleep, then SIGTERM, then SIGKILL if the container is still running
     * when terminationGracePeriodSeconds (counted from the start of preStop) runs out.
     *
     * @param afterPreStop run between the preStop sleep and SIGTERM (e.g. traffic checks), or null.
     * @param afterSigterm run right after SIGTERM, given System.nanoTime() of the signal, while the grace period
     *                     keeps counting; or null.
     * @return how it ended.
     */
    Stop stopLikeKubelet(final Runnable afterPreStop, final java.util.function.LongConsumer afterSigterm)
    {
        final long start = System.nanoTime();
        final long graceNs = TimeUnit.SECONDS.toNanos(pod.pod().getTerminationGracePeriodSeconds());
        final var preStop = pod.vigil().getLifecycle().getPreStop();
        if (preStop != null && preStop.getSleep() != null)
        {
            final long until = start + TimeUnit.SECONDS.toNanos(preStop.getSleep().getSeconds());
            while (System.nanoTime() < until)
            {
                sleepMs(Math.max(1, TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime())));
            }
        }
        if (afterPreStop != null)
        {
            afterPreStop.run();
        }
        final long sigterm = System.nanoTime();
        signal("TERM");
        if (afterSigterm != null)
        {
            afterSigterm.accept(sigterm);
        }
        boolean killed = false;
        while (!"exited".equals(state()))
        {
            if (System.nanoTime() - start > graceNs)
            {
                signal("KILL");
                killed = true;
                Await.until(() -> "exited".equals(state()), Duration.ofSeconds(30), "the container exits on SIGKILL");
                break;
            }
            sleepMs(50);
        }
        final long exited = System.nanoTime();
        final int code = Integer.parseInt(podman("inspect", "--format", "{{.State.ExitCode}}", name).trim());
        return new Stop(code, killed, Duration.ofNanos(exited - sigterm), Duration.ofNanos(exited - start));
    }

    /**
     * @param exitCode       the container's exit code.
     * @param killed         whether the grace period ran out (SIGKILL).
     * @param sinceSigterm   from SIGTERM to exit.
     * @param sinceDeletion  from the start of preStop (the pod's deletion) to exit.
     */
    record Stop(int exitCode, boolean killed, Duration sinceSigterm, Duration sinceDeletion)
    {
    }

    /**
     * Fails unless the container stopped cleanly: no SIGKILL at the end of the grace period, exit code 0, Vigil's
     * "stopped" logged, and no JVM warning or error in the logs (e.g. hsperfdata on the read-only root, or an AOT
     * cache this runtime cannot use).
     *
     * @param stop     how it stopped.
     * @param graceSec the pod's grace period, for the message.
     */
    void assertStoppedCleanly(final Stop stop, final long graceSec)
    {
        assertFalse(stop.killed(), "SIGKILL: the grace period of " + graceSec + " s ran out\n" + logs());
        assertEquals(0, stop.exitCode(), logs());
        assertTrue(logs().contains("vigil: stopped"), logs());
        assertFalse(logs().contains("][warning]") || logs().contains("][error]"), "the JVM warned:\n" + logs());
    }

    private String state()
    {
        return podman("inspect", "--format", "{{.State.Status}}", name).trim();
    }

    private static long hardLimit(final String limit)
    {
        try
        {
            for (final String line : Files.readAllLines(Paths.get("/proc/self/limits")))
            {
                if (line.startsWith(limit))
                {
                    final String[] fields = line.substring(limit.length()).trim().split("\\s+");
                    return "unlimited".equals(fields[1]) ? 1_048_576 : Long.parseLong(fields[1]);
                }
            }
        }
        catch (final IOException ex)
        {
            throw new AssertionError(ex);
        }
        throw new AssertionError("no " + limit + " in /proc/self/limits");
    }

    private static String toJson(final List<String> words)
    {
        final StringBuilder json = new StringBuilder("[");
        for (final String word : words)
        {
            json.append(json.length() > 1 ? "," : "").append('"').append(word.replace("\"", "\\\"")).append('"');
        }
        return json.append(']').toString();
    }

    private static void sleepMs(final long ms)
    {
        try
        {
            Thread.sleep(ms);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError(ex);
        }
    }

    /**
     * @param args podman's arguments.
     * @return its output, run with this checkout's image store ({@link Podman}).
     */
    static String podman(final String... args)
    {
        return run(Podman.command(args).toArray(new String[0]));
    }

    /**
     * @param command a command line.
     * @return its output (stdout and stderr).
     * @throws AssertionError when it fails or takes longer than a minute.
     */
    static String run(final String... command)
    {
        try
        {
            final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            final String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish");
            }
            if (process.exitValue() != 0)
            {
                throw new AssertionError(String.join(" ", command) + " exited " + process.exitValue() + ": " + out);
            }
            return out;
        }
        catch (final IOException ex)
        {
            throw new AssertionError("cannot run " + command[0] + ": " + ex, ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError(ex);
        }
    }

    @Override
    public void close()
    {
        if (peerIn != null)
        {
            peerIn.println("quit");
        }
        for (final AutoCloseable step : cleanup)
        {
            try
            {
                step.close();
            }
            catch (final Exception | AssertionError ex)
            {
                System.out.println("cleanup of " + name + ": " + ex);
            }
        }
    }
}
