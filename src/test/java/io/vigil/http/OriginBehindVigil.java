package io.vigil.http;

import io.vigil.test.RawHttp;
import io.vigil.test.TestOrigin;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.io.IOException;

/**
 * The fixture of the HTTP-mode tests that proxy to a {@link TestOrigin}: a fresh origin before each test, the Vigil
 * the test (or a subclass's own {@code @BeforeEach}, which JUnit runs after this one) starts in front of it with
 * {@link HttpConfigs}, and both closed after it, Vigil first.
 */
abstract class OriginBehindVigil
{
    /** The origin, started before each test. */
    TestOrigin origin;
    /** Vigil, once started; closed after the test when set. */
    VigilHarness vigil;

    @BeforeEach
    final void startTheOrigin() throws Exception
    {
        origin = TestOrigin.start();
    }

    @AfterEach
    final void closeVigilThenTheOrigin() throws Exception
    {
        if (vigil != null)
        {
            vigil.close();
        }
        origin.close();
    }

    /**
     * @return a new client connection to Vigil's listener "web".
     * @throws IOException when it cannot connect.
     */
    final RawHttp client() throws IOException
    {
        return new RawHttp(vigil.address("web"));
    }
}
