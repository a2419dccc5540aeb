package io.vigil.cli;

import io.vigil.config.VigilConfig;
import io.vigil.net.KeepAlive;

import java.io.PrintStream;

/**
 * Lets tests in other packages print a check report with a given kernel keepalive default.
 */
public final class CheckReportAccess
{
    private CheckReportAccess()
    {
    }

    /**
     * @param config the configuration.
     * @param system the kernel's keepalive defaults to assume.
     * @param out    where to print.
     */
    public static void print(final VigilConfig config, final KeepAlive system, final PrintStream out)
    {
        CheckReport.print(config, system, out);
    }
}
