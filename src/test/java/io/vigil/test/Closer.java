package io.vigil.test;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;

/**
 * Closes what a test opened, newest first, even when the test failed half-way: in a try-with-resources block, or
 * after each test as an extension ({@code @RegisterExtension final Closer closer = new Closer();}).
 */
public final class Closer implements AutoCloseable, AfterEachCallback
{
    private final List<AutoCloseable> resources = new ArrayList<>();

    /**
     * @param resource something to close at the end of the test.
     * @param <T>      its type.
     * @return the resource.
     */
    public <T extends AutoCloseable> T keep(final T resource)
    {
        resources.add(resource);
        return resource;
    }

    @Override
    public void afterEach(final ExtensionContext context) throws Exception
    {
        close();
    }

    @Override
    public void close() throws Exception
    {
        Exception first = null;
        for (int i = resources.size() - 1; i >= 0; i--)
        {
            try
            {
                resources.get(i).close();
            }
            catch (final Exception ex)
            {
                first = first == null ? ex : first;
            }
        }
        resources.clear();
        if (first != null)
        {
            throw first;
        }
    }
}
