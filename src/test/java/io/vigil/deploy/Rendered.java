package io.vigil.deploy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.openshift.api.model.monitoring.v1.PodMonitor;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * One rendering of deploy/kubernetes (an overlay, maybe with a component), strictly parsed, with the lookups the
 * cross-checks need: Vigil's container, the config file it is started with and the ConfigMap that holds it.
 */
final class Rendered
{
    static final String CONTAINER = "vigil";

    private final String name;
    private final List<HasMetadata> objects;

    private Rendered(final String name, final List<HasMetadata> objects)
    {
        this.name = name;
        this.objects = objects;
    }

    /** @param overlay a directory under deploy/kubernetes. */
    static Rendered overlay(final String overlay)
    {
        return new Rendered(overlay, StrictKube.parse(Kustomize.render(Kustomize.ROOT.resolve(overlay)), overlay));
    }

    /** @return the overlay with the component added. */
    static Rendered overlayWithComponent(final String overlay, final String component)
    {
        final String name = overlay + " + " + component;
        return new Rendered(name, StrictKube.parse(Kustomize.renderWithComponent(overlay, component), name));
    }

    @Override
    public String toString()
    {
        return name;
    }

    List<HasMetadata> objects()
    {
        return objects;
    }

    <T extends HasMetadata> List<T> all(final Class<T> type)
    {
        return objects.stream().filter(type::isInstance).map(type::cast).collect(Collectors.toList());
    }

    private <T extends HasMetadata> T one(final Class<T> type)
    {
        final List<T> found = all(type);
        if (found.size() != 1)
        {
            throw new AssertionError(name + ": expected one " + type.getSimpleName() + ", found " + found.size());
        }
        return found.get(0);
    }

    DaemonSet daemonSet()
    {
        return one(DaemonSet.class);
    }

    PodSpec pod()
    {
        return daemonSet().getSpec().getTemplate().getSpec();
    }

    Container vigil()
    {
        return pod().getContainers().stream().filter(c -> CONTAINER.equals(c.getName())).findFirst()
            .orElseThrow(() -> new AssertionError(name + ": no container named " + CONTAINER));
    }

    Optional<PodMonitor> podMonitor()
    {
        final List<PodMonitor> monitors = all(PodMonitor.class);
        return monitors.isEmpty() ? Optional.empty() : Optional.of(monitors.get(0));
    }

    /** @return the file given to {@code -c} in the container's args. */
    Path configPath()
    {
        final List<String> args = vigil().getArgs();
        final int c = args.indexOf("-c");
        if (c < 0 || c + 1 >= args.size())
        {
            throw new AssertionError(name + ": container args " + args + " name no config file (-c FILE)");
        }
        return Paths.get(args.get(c + 1));
    }

    /** @return the volume mount that holds the config file. */
    VolumeMount configMount()
    {
        return vigil().getVolumeMounts().stream()
            .filter(m -> configPath().startsWith(Paths.get(m.getMountPath())))
            .findFirst()
            .orElseThrow(() -> new AssertionError(name + ": no volume mount holds " + configPath()));
    }

    /** @return the ConfigMap behind {@link #configMount()}. */
    ConfigMap configMap()
    {
        final String volumeName = configMount().getName();
        final Volume volume = pod().getVolumes().stream().filter(v -> volumeName.equals(v.getName())).findFirst()
            .orElseThrow(() -> new AssertionError(name + ": no volume " + volumeName));
        if (volume.getConfigMap() == null)
        {
            throw new AssertionError(name + ": volume " + volumeName + " is not a ConfigMap");
        }
        final String configMapName = volume.getConfigMap().getName();
        return all(ConfigMap.class).stream().filter(m -> configMapName.equals(m.getMetadata().getName()))
            .findFirst().orElseThrow(() -> new AssertionError(name + ": no ConfigMap " + configMapName));
    }

    /** @return the config file's key in the ConfigMap (the file name; no items remapping is used). */
    String configKey()
    {
        return Paths.get(configMount().getMountPath()).relativize(configPath()).toString();
    }

    /** @return the vigil.conf the container is started with. */
    VigilConf vigilConf()
    {
        final String text = configMap().getData() == null ? null : configMap().getData().get(configKey());
        if (text == null)
        {
            throw new AssertionError(name + ": ConfigMap " + configMap().getMetadata().getName() + " has no key " +
                configKey() + " for " + configPath());
        }
        return new VigilConf(text, name + " ConfigMap " + configMap().getMetadata().getName() + " " + configKey());
    }

    /** @return the container port a probe or endpoint names, by name or number. */
    int containerPort(final IntOrString port)
    {
        if (port.getIntVal() != null)
        {
            return port.getIntVal();
        }
        return vigil().getPorts().stream().filter(p -> port.getStrVal().equals(p.getName()))
            .map(ContainerPort::getContainerPort).findFirst()
            .orElseThrow(() -> new AssertionError(name + ": no container port named " + port.getStrVal()));
    }
}
