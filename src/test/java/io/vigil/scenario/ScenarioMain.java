package io.vigil.scenario;

/**
 * The main of a scenario's JVM, which runs inside a private network namespace: the scenario's verdict is its exit
 * code (0 with a PASS line, 1 with a FAIL line and the stack trace), which {@link ScenarioProcess} checks.
 */
final class ScenarioMain
{
    /** A scenario, from its network set-up to its last check. */
    interface Body
    {
        /**
         * @throws Exception (or an AssertionError) when the scenario does not hold.
         */
        void run() throws Exception;
    }

    private ScenarioMain()
    {
    }

    /**
     * Runs the scenario and exits: never returns.
     *
     * @param name names the scenario in the PASS or FAIL line.
     * @param body the scenario.
     */
    static void runAndExit(final String name, final Body body)
    {
        try
        {
            body.run();
            System.out.println("PASS " + name + " on Java " + Runtime.version().feature());
            System.exit(0);
        }
        catch (final Throwable ex)
        {
            System.out.println("FAIL " + name + ": " + ex);
            ex.printStackTrace(System.out);
            System.exit(1);
        }
    }
}
