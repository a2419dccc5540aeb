package io.vigil.deploy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Everything a pod test needs inside the pod's network namespace ({@code ip netns exec}), where the test JVM
 * cannot open sockets: echo upstreams on the ports given as arguments, and clients driven by one command per line
 * on stdin, each answered by one line on stdout starting with "ok" or not.
 * <pre>
 *   echo HOST:PORT SESSIONS BYTES   that many concurrent sessions, each sending BYTES random bytes, all echoed exactly
 *   hold HOST:PORT                  open a session, one echoed round trip, and keep it
 *   poke                            one more echoed round trip on the held session
 *   connect HOST:PORT               can a new session be opened and echo? ("ok" or "refused ...")
 *   await-close MILLIS              until the proxy closes the held session: "ok closed MS" or "open"
 *   http HOST:PORT PATH             GET PATH: "ok STATUS"
 *   metric HOST:PORT PATH SAMPLE    GET PATH (Prometheus text): "ok VALUE" of the line starting with SAMPLE
 *   probe KIND HOST:PORT PATH PERIOD_MS TIMEOUT_MS FAILURES   a kubelet probe (startup, readiness, liveness)
 *   kubelet-start | kubelet | kubelet-stop       probe on schedule ({@link NetnsKubelet}) | its report | stop
 *   load HOST:PORT WORKERS BYTES PAUSE_MS        clients opening sessions while the kubelet says ready
 *                                                ({@link NetnsLoad})
 *   load-report | load-stop                      its counts | stop opening sessions, wait for those under way
 *   quit
 * </pre>
 */
public final class NetnsPeer
{
    private static final int TIMEOUT_MS = 10_000;

    private final PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    private final ExecutorService threads = Executors.newCachedThreadPool(r ->
    {
        final Thread thread = new Thread(r, "netns-peer");
        thread.setDaemon(true);
        return thread;
    });
    private final NetnsKubelet kubelet = new NetnsKubelet();
    private NetnsLoad load;
    private Socket held;

    private NetnsPeer()
    {
    }

    /**
     * @param args ports to serve an echo upstream on, on 127.0.0.1.
     * @throws Exception when a command cannot run at all.
     */
    public static void main(final String[] args) throws Exception
    {
        final NetnsPeer peer = new NetnsPeer();
        for (final String port : args)
        {
            peer.echoServer(Integer.parseInt(port));
        }
        peer.out.println("ready");
        final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null && !line.equals("quit"))
        {
            try
            {
                peer.out.println(peer.command(line.trim().split(" ")));
            }
            catch (final IOException | RuntimeException ex)
            {
                peer.out.println("fail " + ex);
            }
        }
        System.exit(0);
    }

    private String command(final String[] words) throws Exception
    {
        switch (words[0])
        {
            case "echo":
                return echo(address(words[1]), Integer.parseInt(words[2]), Integer.parseInt(words[3]));
            case "hold":
                held = connect(address(words[1]));
                roundTrip(held, 100);
                return "ok hold";
            case "poke":
                roundTrip(held, 100);
                return "ok poke";
            case "connect":
                try (Socket socket = connect(address(words[1])))
                {
                    roundTrip(socket, 10);
                    return "ok connect";
                }
                catch (final IOException ex)
                {
                    return "refused " + ex;
                }
            case "await-close":
                return awaitClose(Integer.parseInt(words[1]));
            case "http":
                return http(address(words[1]), words[2]);
            case "metric":
                return metric(address(words[1]), words[2], words[3]);
            case "probe":
                kubelet.add(new NetnsKubelet.Probe(words[1], address(words[2]), words[3], Long.parseLong(words[4]),
                    Integer.parseInt(words[5]), Integer.parseInt(words[6])));
                return "ok probe " + words[1];
            case "kubelet-start":
                kubelet.start();
                return "ok kubelet";
            case "kubelet":
                return kubelet.report();
            case "kubelet-stop":
                kubelet.stop();
                return kubelet.report();
            case "load":
                load = new NetnsLoad(address(words[1]), Integer.parseInt(words[3]), Long.parseLong(words[4]),
                    kubelet::ready);
                load.start(Integer.parseInt(words[2]), threads);
                return "ok load";
            case "load-report":
                return load.report();
            case "load-stop":
                return load.stop();
            default:
                return "fail unknown command " + words[0];
        }
    }

    private void echoServer(final int port) throws IOException
    {
        final ServerSocket server = new ServerSocket();
        server.bind(new InetSocketAddress("127.0.0.1", port));
        threads.execute(() ->
        {
            while (true)
            {
                try
                {
                    final Socket socket = server.accept();
                    threads.execute(() -> echoOne(socket));
                }
                catch (final IOException ex)
                {
                    return;
                }
            }
        });
    }

    private static void echoOne(final Socket socket)
    {
        try (socket)
        {
            socket.getInputStream().transferTo(socket.getOutputStream());
            socket.shutdownOutput();
        }
        catch (final IOException ex)
        {
            // the proxy or the client went away: nothing to echo
        }
    }

    private String echo(final InetSocketAddress target, final int sessions, final int bytes) throws Exception
    {
        final List<Future<?>> results = new ArrayList<>();
        for (int i = 0; i < sessions; i++)
        {
            final long seed = i;
            results.add(threads.submit(() ->
            {
                try (Socket socket = connect(target))
                {
                    final byte[] sent = new byte[bytes];
                    new Random(seed).nextBytes(sent);
                    final Future<?> writer = threads.submit(() ->
                    {
                        final OutputStream o = socket.getOutputStream();
                        for (int off = 0; off < sent.length; off += 4096)
                        {
                            o.write(sent, off, Math.min(4096, sent.length - off));
                        }
                        socket.shutdownOutput(); // half-close: the echo then ends the session cleanly
                        return null;
                    });
                    final byte[] received = socket.getInputStream().readAllBytes();
                    writer.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
                    if (!Arrays.equals(sent, received))
                    {
                        throw new IOException("session " + seed + ": sent " + sent.length + " bytes, got back " +
                            received.length + (received.length == sent.length ? " different" : ""));
                    }
                }
                return null;
            }));
        }
        for (final Future<?> result : results)
        {
            result.get(TIMEOUT_MS * 2L, TimeUnit.MILLISECONDS);
        }
        return "ok echo " + sessions + " x " + bytes;
    }

    private static Socket connect(final InetSocketAddress target) throws IOException
    {
        final Socket socket = new Socket();
        socket.connect(target, TIMEOUT_MS);
        socket.setSoTimeout(TIMEOUT_MS);
        return socket;
    }

    private static void roundTrip(final Socket socket, final int bytes) throws IOException
    {
        final byte[] sent = new byte[bytes];
        new Random().nextBytes(sent);
        socket.getOutputStream().write(sent);
        final byte[] received = socket.getInputStream().readNBytes(bytes);
        if (!Arrays.equals(sent, received))
        {
            throw new IOException("round trip: sent " + bytes + " bytes, got back " + received.length);
        }
    }

    private String awaitClose(final int millis) throws IOException
    {
        final long start = System.nanoTime();
        held.setSoTimeout(millis);
        final InputStream in = held.getInputStream();
        try
        {
            final int read = in.read();
            final long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            return read < 0 ? "ok closed " + ms : "fail unexpected byte after " + ms + " ms";
        }
        catch (final SocketTimeoutException ex)
        {
            return "open";
        }
        catch (final IOException ex)
        {
            return "ok closed " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " (" + ex + ")";
        }
    }

    private static String http(final InetSocketAddress target, final String path) throws IOException
    {
        try (Socket socket = connect(target))
        {
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: pod\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
            final String status = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                StandardCharsets.US_ASCII)).readLine();
            return status == null ? "fail no response" : "ok " + status.split(" ")[1];
        }
    }

    private static String metric(final InetSocketAddress target, final String path, final String sample)
        throws IOException
    {
        try (Socket socket = connect(target))
        {
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: pod\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
            final String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            for (final String line : response.split("\n"))
            {
                if (line.startsWith(sample + " "))
                {
                    return "ok " + line.substring(sample.length() + 1).trim();
                }
            }
            return "fail no sample " + sample + " in " + response.length() + " bytes";
        }
    }

    private static InetSocketAddress address(final String hostPort)
    {
        final int colon = hostPort.lastIndexOf(':');
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }
}
