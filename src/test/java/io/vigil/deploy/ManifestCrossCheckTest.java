package io.vigil.deploy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.openshift.api.model.monitoring.v1.PodMetricsEndpoint;
import io.fabric8.openshift.api.model.monitoring.v1.PodMonitor;
import io.vigil.cli.CloudLimits;
import io.vigil.cli.TerminationGrace;
import io.vigil.config.KeepAliveSyntax;
import io.vigil.net.KeepAlive;
import io.vigil.config.ListenerConfig;
import io.vigil.config.VigilConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * What no schema catches: the manifests and the vigil.conf they ship must agree with each other and with what
 * Vigil does, in every rendering an operator can apply. (The image's side, user and entrypoint, is checked against
 * the built image in {@code ImageConfigIT}; {@code vigil check} on the ConfigMap's config in {@code ConfigMapCheckIT}.)
 */
class ManifestCrossCheckTest
{
    /** IANA_SVC_NAME, the API server's rule for port names. */
    private static final Pattern PORT_NAME = Pattern.compile("^(?=.{1,15}$)(?=.*[a-z])[a-z0-9]+(-[a-z0-9]+)*$");
    private static final Pattern DNS_LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$");

    /** Rendered once for all checks: kubectl takes a moment. */
    private static List<Rendered> renderings;

    static synchronized Stream<Rendered> renderings()
    {
        if (renderings != null)
        {
            return renderings.stream();
        }
        renderings = new ArrayList<>();
        for (final String overlay : Kustomize.OVERLAYS)
        {
            renderings.add(Rendered.overlay(overlay));
            for (final String component : Kustomize.COMPONENTS)
            {
                renderings.add(Rendered.overlayWithComponent(overlay, component));
            }
        }
        return renderings.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void shouldProbeTheAdminListenerOfTheConfig(final Rendered rendered)
    {
        final InetSocketAddress admin = rendered.vigilConf().adminListen();
        assertNotNull(admin, rendered + ": vigil.conf has no admin.listen, which the probes need");
        assertTrue(admin.getAddress().isAnyLocalAddress(),
            rendered + ": the kubelet probes the pod's address, but admin.listen binds only " + admin);
        final Container vigil = rendered.vigil();
        assertProbe(rendered, "startupProbe", vigil.getStartupProbe(), Set.of("/healthz", "/readyz"), admin);
        assertProbe(rendered, "readinessProbe", vigil.getReadinessProbe(), Set.of("/readyz"), admin);
        assertProbe(rendered, "livenessProbe", vigil.getLivenessProbe(), Set.of("/healthz"), admin);
    }

    private static void assertProbe(final Rendered rendered, final String which, final Probe probe,
        final Set<String> paths, final InetSocketAddress admin)
    {
        assertNotNull(probe, rendered + ": no " + which);
        final HTTPGetAction get = probe.getHttpGet();
        assertNotNull(get, rendered + ": " + which + " is not an httpGet on the admin listener");
        assertEquals(admin.getPort(), rendered.containerPort(get.getPort()), rendered + ": " + which + " port");
        assertTrue(paths.contains(get.getPath()), rendered + ": " + which + " path " + get.getPath() + " not in " +
            paths);
        assertTrue(get.getScheme() == null || "HTTP".equals(get.getScheme()), rendered + ": admin speaks plain HTTP");
        assertNull(get.getHost(), rendered + ": " + which + " must probe the pod's own address");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void shouldGiveTheGracePeriodForPreStopShutdownDelayAndShutdownTimeout(final Rendered rendered)
    {
        final VigilConf conf = rendered.vigilConf();
        final var preStop = rendered.vigil().getLifecycle() == null ? null :
            rendered.vigil().getLifecycle().getPreStop();
        assertNotNull(preStop, rendered + ": no preStop hook");
        assertNotNull(preStop.getSleep(), rendered + ": preStop is not a sleep (the image has no shell)");
        final long preStopSec = preStop.getSleep().getSeconds();
        final long needed = preStopSec + conf.shutdownDelaySec() + conf.shutdownTimeoutSec() +
            TerminationGrace.EXIT_MARGIN_SEC;
        final Long grace = rendered.pod().getTerminationGracePeriodSeconds();
        assertNotNull(grace, rendered + ": terminationGracePeriodSeconds not set (default 30)");
        assertTrue(grace >= needed, rendered + ": terminationGracePeriodSeconds " + grace + " < preStop " +
            preStopSec + " + shutdown-delay " + conf.shutdownDelaySec() + " + shutdown-timeout " +
            conf.shutdownTimeoutSec() + " + " + TerminationGrace.EXIT_MARGIN_SEC + " s to exit");
        // and check's own rule agrees (check --termination-grace, as deploy/kubernetes/README.md runs it)
        final List<String> warnings = TerminationGrace.warnings(vigilConfig(rendered),
            new TerminationGrace.Pod(grace, preStopSec));
        assertEquals(List.of(), warnings, rendered + ": vigil check --termination-grace " + grace + " --pre-stop " +
            preStopSec);
        assertTrue(conf.shutdownDelaySec() > 0 || preStopSec > 0, rendered + ": nothing holds the pod open " +
            "while endpoints and load balancers drop it");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void shouldFailReadinessWithinTheShutdownDelay(final Rendered rendered)
    {
        // the kubelet sees the 503s after failureThreshold periods and a timeout at most; until then endpoints and
        // load balancers that follow it still send new connections, which Vigil accepts only during shutdown-delay
        final Probe readiness = rendered.vigil().getReadinessProbe();
        final long noticedSec = (long)readiness.getPeriodSeconds() * readiness.getFailureThreshold() +
            readiness.getTimeoutSeconds();
        assertTrue(rendered.vigilConf().shutdownDelaySec() >= noticedSec, rendered + ": shutdown-delay " +
            rendered.vigilConf().shutdownDelaySec() + " s ends before the kubelet can see readiness fail (" +
            readiness.getPeriodSeconds() + " s x " + readiness.getFailureThreshold() + " + " +
            readiness.getTimeoutSeconds() + " s timeout)");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void shouldMountTheConfigMapAsADirectoryThatVigilWatches(final Rendered rendered)
    {
        assertNull(rendered.configMount().getSubPath(), rendered + ": a subPath mount never sees ConfigMap updates");
        assertNull(rendered.configMount().getSubPathExpr(), rendered + ": a subPath mount never sees updates");
        assertTrue(Boolean.TRUE.equals(rendered.configMount().getReadOnly()), rendered + ": mount read-only");
        assertTrue(rendered.vigilConf().watchConfig(), rendered + ": watch-config = true, or edits never apply");
        final var source = rendered.pod().getVolumes().stream()
            .filter(v -> v.getName().equals(rendered.configMount().getName())).findFirst().orElseThrow();
        assertTrue(source.getConfigMap().getItems() == null || source.getConfigMap().getItems().isEmpty(),
            rendered + ": items remap keys; the file must be the key");
        assertNotEquals(Boolean.TRUE, rendered.configMap().getImmutable(),
            rendered + ": an immutable ConfigMap cannot be edited, so nothing would ever reload");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void shouldDeclareEveryPortVigilBindsAndNoOther(final Rendered rendered)
    {
        final List<Integer> bound = rendered.vigilConf().boundPorts();
        final List<Integer> declared = rendered.vigil().getPorts().stream().map(ContainerPort::getContainerPort)
            .toList();
        assertEquals(Set.copyOf(bound), Set.copyOf(declared), rendered + ": containerPorts vs ports in vigil.conf");
        for (final ContainerPort port : rendered.vigil().getPorts())
        {
            assertTrue(PORT_NAME.matcher(Objects.toString(port.getName(), "")).matches(),
                rendered + ": port name " + port.getName() + " is not an IANA service name (the API server refuses)");
            if (Boolean.TRUE.equals(rendered.pod().getHostNetwork()) && port.getHostPort() != null)
            {
                assertEquals(port.getContainerPort(), port.getHostPort(),
                    rendered + ": with hostNetwork, hostPort must equal containerPort");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void shouldBindPortsBelow1024OnlyWithNetBindService(final Rendered rendered)
    {
        final SecurityContext security = rendered.vigil().getSecurityContext();
        final List<String> added = security.getCapabilities() == null || security.getCapabilities().getAdd() == null ?
            List.of() : security.getCapabilities().getAdd();
        final boolean privilegedPort = rendered.vigilConf().boundPorts().stream().anyMatch(port -> port < 1024);
        assertEquals(privilegedPort, added.contains("NET_BIND_SERVICE"), rendered + ": NET_BIND_SERVICE exactly " +
            "when Vigil binds a port below 1024 (hostPort needs no capability: the node's NAT binds)");
        assertTrue(added.stream().allMatch("NET_BIND_SERVICE"::equals), rendered + ": no other capability: " + added);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void shouldRunAsANonRootUserOnAReadOnlyRootWithNoCapabilities(final Rendered rendered)
    {
        final SecurityContext security = rendered.vigil().getSecurityContext();
        assertNotNull(security, rendered + ": no container securityContext");
        assertEquals(Boolean.TRUE, security.getRunAsNonRoot(), rendered + ": runAsNonRoot");
        assertNotNull(security.getRunAsUser(), rendered + ": runAsUser (numeric, the image's user)");
        assertTrue(security.getRunAsUser() > 0, rendered + ": runAsUser");
        assertEquals(Boolean.TRUE, security.getReadOnlyRootFilesystem(), rendered + ": readOnlyRootFilesystem");
        assertEquals(Boolean.FALSE, security.getAllowPrivilegeEscalation(), rendered + ": allowPrivilegeEscalation");
        assertEquals(List.of("ALL"), security.getCapabilities().getDrop(), rendered + ": drop ALL");
        assertTrue(security.getPrivileged() == null || !security.getPrivileged(), rendered + ": privileged");
        final PodSpec pod = rendered.pod();
        assertEquals("RuntimeDefault", pod.getSecurityContext().getSeccompProfile().getType(), rendered + ": seccomp");
        assertEquals(Boolean.FALSE, pod.getAutomountServiceAccountToken(), rendered + ": Vigil needs no API token");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void shouldRollOneNodeAtATimeWithoutSurge(final Rendered rendered)
    {
        final var strategy = rendered.daemonSet().getSpec().getUpdateStrategy();
        assertEquals("RollingUpdate", strategy.getType(), rendered + ": updateStrategy");
        assertEquals(1, strategy.getRollingUpdate().getMaxUnavailable().getIntVal(), rendered + ": maxUnavailable");
        // a surge pod would need the same host port on the same node: the rollout would wait forever
        assertEquals(0, strategy.getRollingUpdate().getMaxSurge().getIntVal(), rendered + ": maxSurge");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void shouldKeepWhatTheApiServerChecksBeyondTheSchema(final Rendered rendered)
    {
        final DaemonSet daemonSet = rendered.daemonSet();
        final Map<String, String> labels = daemonSet.getSpec().getTemplate().getMetadata().getLabels();
        daemonSet.getSpec().getSelector().getMatchLabels().forEach((key, value) ->
            assertEquals(value, labels.get(key), rendered + ": selector " + key + " must match the template labels"));
        for (final HasMetadata object : rendered.objects())
        {
            assertTrue(DNS_LABEL.matcher(object.getMetadata().getName()).matches(),
                rendered + ": " + object.getKind() + " name " + object.getMetadata().getName());
        }
        final String namespace = rendered.all(Namespace.class).get(0).getMetadata().getName();
        rendered.objects().stream().filter(o -> !(o instanceof Namespace)).forEach(o -> assertEquals(namespace,
            o.getMetadata().getNamespace(), rendered + ": " + o.getKind() + " " + o.getMetadata().getName()));
        assertEquals(daemonSet.getSpec().getTemplate().getSpec().getServiceAccountName(),
            rendered.all(io.fabric8.kubernetes.api.model.ServiceAccount.class).get(0).getMetadata().getName(),
            rendered + ": serviceAccountName");
        assertEquals(Map.of("kubernetes.io/os", "linux"), rendered.pod().getNodeSelector(),
            rendered + ": nodeSelector");
        final var resources = rendered.vigil().getResources();
        for (final Map<String, Quantity> quantities : List.of(resources.getRequests(), resources.getLimits()))
        {
            quantities.forEach((name, quantity) -> assertTrue(Quantity.getAmountInBytes(quantity).signum() > 0,
                rendered + ": resource " + name + " " + quantity));
        }
        assertNotNull(resources.getLimits().get("memory"),
            rendered + ": a memory limit (the JVM sizes its heap by it)");
        if (Boolean.TRUE.equals(rendered.pod().getHostNetwork()))
        {
            assertEquals("ClusterFirstWithHostNet", rendered.pod().getDnsPolicy(),
                rendered + ": with hostNetwork only ClusterFirstWithHostNet resolves cluster names");
        }
        else
        {
            assertTrue(rendered.vigil().getPorts().stream().anyMatch(p -> p.getHostPort() != null) ||
                rendered.toString().startsWith("base"), rendered + ": neither hostNetwork nor a hostPort");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void shouldPointPrometheusAtTheMetricsEndpoint(final Rendered rendered)
    {
        final int adminPort = rendered.vigilConf().adminListen().getPort();
        final Map<String, String> annotations = rendered.daemonSet().getSpec().getTemplate().getMetadata()
            .getAnnotations();
        assertEquals("true", annotations.get("prometheus.io/scrape"), rendered + ": prometheus.io/scrape");
        assertEquals(Integer.toString(adminPort), annotations.get("prometheus.io/port"), rendered + ": port");
        assertEquals("/metrics", annotations.get("prometheus.io/path"), rendered + ": path");
        if (rendered.podMonitor().isEmpty())
        {
            return;
        }
        final PodMonitor monitor = rendered.podMonitor().get();
        final Map<String, String> labels = rendered.daemonSet().getSpec().getTemplate().getMetadata().getLabels();
        monitor.getSpec().getSelector().getMatchLabels().forEach((key, value) ->
            assertEquals(value, labels.get(key), rendered + ": PodMonitor selects pods by " + key));
        assertEquals(rendered.daemonSet().getMetadata().getNamespace(), monitor.getMetadata().getNamespace(),
            rendered + ": a PodMonitor without namespaceSelector sees its own namespace only");
        for (final PodMetricsEndpoint endpoint : monitor.getSpec().getPodMetricsEndpoints())
        {
            final int port = rendered.vigil().getPorts().stream().filter(p -> p.getName().equals(endpoint.getPort()))
                .mapToInt(ContainerPort::getContainerPort).findFirst()
                .orElseThrow(() -> new AssertionError(rendered + ": PodMonitor port " + endpoint.getPort()));
            assertEquals(adminPort, port, rendered + ": PodMonitor port");
            assertEquals("/metrics", endpoint.getPath(), rendered + ": PodMonitor path");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void shouldKeepIdleClientsThroughCloudLoadBalancersAsTheSeedAdvises(final Rendered rendered)
    {
        final VigilConf conf = rendered.vigilConf();
        final KeepAlive seed = KeepAliveSyntax.parse("120:30:5");
        for (final Map.Entry<String, KeepAlive> listener : conf.listenerKeepAlives().entrySet())
        {
            final KeepAlive keepAlive = listener.getValue();
            assertTrue(keepAlive.enabled(), rendered + ": listener " + listener.getKey() + " has no keepalive");
            // at least as aggressive as the seed's Kubernetes advice, field by field
            assertTrue(keepAlive.idleSec() > 0 && keepAlive.idleSec() <= seed.idleSec() &&
                keepAlive.intervalSec() > 0 && keepAlive.intervalSec() <= seed.intervalSec() &&
                keepAlive.count() > 0 && keepAlive.count() <= seed.count(),
                rendered + ": listener " + listener.getKey() + " so-keepalive " + keepAlive +
                " is laxer than 120:30:5");
        }
        // and check's own rule agrees: no listener loses idle connections through a known cloud balancer
        final VigilConfig config = vigilConfig(rendered);
        final KeepAlive linuxDefaults = new KeepAlive(KeepAlive.Mode.ON, 7200, 75, 9);
        final List<String> warnings = CloudLimits.warnings(config, linuxDefaults, CloudLimits.KNOWN);
        if (!warnings.isEmpty())
        {
            fail(rendered + ": " + warnings);
        }
        assertEquals(conf.listeners().keySet(), Set.copyOf(config.listeners().stream().map(ListenerConfig::name)
            .toList()), rendered + ": listeners");
    }

    /** @return the ConfigMap's vigil.conf as Vigil loads it, cluster names standing in as 127.0.0.1. */
    private static VigilConfig vigilConfig(final Rendered rendered)
    {
        return io.vigil.config.ConfigLoader.parse(rendered.vigilConf().text()
            .replaceAll("\"[a-z0-9.-]+\\.svc\\.cluster\\.local:", "\"127.0.0.1:"), rendered + " vigil.conf");
    }
}
