package io.vigil.deploy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.openshift.api.model.monitoring.v1.PodMonitor;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads Kubernetes YAML the way the API server's strict field validation does ({@code kubectl apply
 * --validate=strict}): into the real API types (fabric8's model, generated from Kubernetes' own Go types), where
 * an unknown or misspelled field, a duplicate field, a string where a number belongs (or the other way round) and
 * an unknown kind or apiVersion are errors naming where they are.
 * <p>
 * fabric8's types keep unknown fields in an "additional properties" map instead of refusing them; the introspector
 * below takes that map away, so Jackson refuses them as it would for any other class.
 */
final class StrictKube
{
    /** The kinds deploy/kubernetes may contain, by apiVersion/kind. */
    private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
        "apps/v1/DaemonSet", DaemonSet.class,
        "v1/ConfigMap", ConfigMap.class,
        "v1/Namespace", Namespace.class,
        "v1/ServiceAccount", ServiceAccount.class,
        "monitoring.coreos.com/v1/PodMonitor", PodMonitor.class);

    private static final YAMLMapper YAML = YAMLMapper.builder(new YAMLFactory())
        .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
        .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
        .build();

    private static final ObjectMapper STRICT = strictMapper();

    private StrictKube()
    {
    }

    /**
     * @param yaml   one or more YAML documents.
     * @param source where they came from, for messages.
     * @return each document as its API type.
     * @throws IllegalArgumentException naming the source, the document and the field on the first error.
     */
    static List<HasMetadata> parse(final String yaml, final String source)
    {
        final List<HasMetadata> objects = new ArrayList<>();
        int index = 0;
        try (var documents = YAML.readValues(YAML.createParser(yaml), JsonNode.class))
        {
            while (documents.hasNextValue())
            {
                final JsonNode document = documents.nextValue();
                index++;
                if (document == null || document.isNull() || document.isMissingNode())
                {
                    continue;
                }
                objects.add(toType(document, source + " document " + index));
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            if (ex instanceof IllegalArgumentException && ex.getMessage().startsWith(source))
            {
                throw (IllegalArgumentException)ex;
            }
            throw new IllegalArgumentException(source + " document " + (index + 1) + ": " + ex.getMessage(), ex);
        }
        return objects;
    }

    private static HasMetadata toType(final JsonNode document, final String where)
    {
        final String apiVersion = document.path("apiVersion").asText("");
        final String kind = document.path("kind").asText("");
        final Class<? extends HasMetadata> type = KINDS.get(apiVersion + "/" + kind);
        if (type == null)
        {
            throw new IllegalArgumentException(where + ": unknown apiVersion/kind \"" + apiVersion + "/" + kind +
                "\" (known: " + KINDS.keySet() + ")");
        }
        try
        {
            return STRICT.treeToValue(document, type);
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException(where + " (" + kind + " " +
                document.path("metadata").path("name").asText("?") + "): " + ex.getMessage(), ex);
        }
    }

    private static ObjectMapper strictMapper()
    {
        final JsonMapper mapper = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .annotationIntrospector(new NoAdditionalProperties())
            .build();
        // Go's JSON decoding: a string field takes only a string, a number only a number, a bool only a bool
        for (final LogicalType scalar : List.of(LogicalType.Textual, LogicalType.Integer, LogicalType.Float,
            LogicalType.Boolean))
        {
            for (final CoercionInputShape shape : CoercionInputShape.values())
            {
                mapper.coercionConfigFor(scalar).setCoercion(shape, CoercionAction.Fail);
            }
        }
        mapper.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.String, CoercionAction.TryConvert);
        mapper.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.EmptyString,
            CoercionAction.TryConvert);
        mapper.coercionConfigFor(LogicalType.Integer).setCoercion(CoercionInputShape.Integer,
            CoercionAction.TryConvert);
        mapper.coercionConfigFor(LogicalType.Float).setCoercion(CoercionInputShape.Float, CoercionAction.TryConvert);
        mapper.coercionConfigFor(LogicalType.Float).setCoercion(CoercionInputShape.Integer, CoercionAction.TryConvert);
        return mapper;
    }

    /** fabric8's {@code @JsonAnySetter} would swallow unknown fields: ignore it, so they are refused. */
    private static final class NoAdditionalProperties extends JacksonAnnotationIntrospector
    {
        private static final long serialVersionUID = 1L;

        @Override
        public Boolean hasAnySetter(final Annotated annotated)
        {
            return Boolean.FALSE;
        }

        @Override
        public Boolean hasAnyGetter(final Annotated annotated)
        {
            return Boolean.FALSE;
        }
    }
}
