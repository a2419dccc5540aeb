package io.vigil.upstream;

import io.vigil.config.ConfigLoader;
import io.vigil.config.VigilConfig;
import io.vigil.stats.StatsLayout;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The balancing algorithms, driven with an explicit clock: distribution, ties, hashing stability, backup,
 * max-conns and nginx's passive failure window.
 */
class PeerPickerTest
{
    private static final long NOW = TimeUnit.SECONDS.toNanos(1000);

    private static UpstreamGroup group(final String balance, final String servers)
    {
        final VigilConfig config = ConfigLoader.parse(
            "vigil { listeners = [{ name = a, listen = \"127.0.0.1:0\", upstream = u }], " +
            "upstreams { u { " + balance + ", servers = [" + servers + "] } } }", "test");
        return new UpstreamGroup(config.upstreams().get("u"), true, new AtomicLong(), new StatsLayout());
    }

    private static String servers(final String... specs)
    {
        final StringBuilder b = new StringBuilder();
        for (final String spec : specs)
        {
            b.append(b.length() == 0 ? "" : ", ").append('"').append(spec).append('"');
        }
        return b.toString();
    }

    private static int indexOf(final UpstreamGroup group, final Peer peer)
    {
        final Peer[] peers = group.peers();
        for (int i = 0; i < peers.length; i++)
        {
            if (peers[i] == peer)
            {
                return i;
            }
        }
        return -1;
    }

    /** Pick and immediately end the session, so counts do not build up. */
    private static int pickAndRelease(final PeerPicker picker, final int hash)
    {
        final Peer peer = picker.next(0, hash, NOW);
        peer.release();
        return indexOf(picker.group(), peer);
    }

    @Test
    void shouldInterleaveByWeightLikeNginx()
    {
        final PeerPicker picker = group("balance = round-robin",
            servers("127.0.0.1:1 weight=5", "127.0.0.1:2", "127.0.0.1:3")).newPicker();
        final StringBuilder order = new StringBuilder();
        for (int i = 0; i < 7; i++)
        {
            order.append((char)('a' + pickAndRelease(picker, 0)));
        }
        assertEquals("aabacaa", order.toString());
    }

    @Test
    void shouldFollowWeightsWithRandomWithinTolerance()
    {
        final PeerPicker picker = group("balance = random",
            servers("127.0.0.1:1 weight=1", "127.0.0.1:2 weight=3")).newPicker();
        final int[] counts = new int[2];
        for (int i = 0; i < 40_000; i++)
        {
            counts[pickAndRelease(picker, 0)]++;
        }
        final double share = counts[1] / 40_000.0;
        assertTrue(Math.abs(share - 0.75) < 0.02, "weight 3 of 4 got " + share);
    }

    @Test
    void shouldSendToTheLeastLoadedRelativeToWeight()
    {
        final UpstreamGroup group = group("balance = least-conn",
            servers("127.0.0.1:1", "127.0.0.1:2 weight=2", "127.0.0.1:3"));
        final PeerPicker picker = group.newPicker();
        // hold sessions: peer 1 (weight 2) takes two for every one of the others
        final int[] held = new int[3];
        for (int i = 0; i < 40; i++)
        {
            held[indexOf(group, picker.next(0, 0, NOW))]++;
        }
        assertEquals(10, held[0]);
        assertEquals(20, held[1]);
        assertEquals(10, held[2]);
        // peer 2's sessions end: the next ones go there until it catches up
        for (int i = 0; i < 5; i++)
        {
            group.peers()[2].release();
        }
        for (int i = 0; i < 5; i++)
        {
            assertEquals(2, indexOf(group, picker.next(0, 0, NOW)), "session " + i + " goes to the emptied peer");
        }
    }

    @Test
    void shouldPreferTheLessLoadedOfTwoRandomChoices()
    {
        final UpstreamGroup group = group("balance = random-two", servers("127.0.0.1:1", "127.0.0.1:2"));
        final PeerPicker picker = group.newPicker();
        final Peer busy = group.peers()[0];
        for (int i = 0; i < 50; i++)
        {
            busy.tryAcquire();
        }
        for (int i = 0; i < 100; i++)
        {
            assertSame(group.peers()[1], picker.next(0, 0, NOW), "two choices always include the idle peer");
            group.peers()[1].release();
        }
    }

    @Test
    void shouldKeepAClientOnItsPeerWithHashing()
    {
        for (final String consistent : new String[] {"false", "true"})
        {
            final PeerPicker picker = group("balance = hash, consistent = " + consistent,
                servers("127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3")).newPicker();
            final int[] counts = new int[3];
            for (int client = 0; client < 3000; client++)
            {
                final int hash = PeerPicker.clientHash(new InetSocketAddress("10.0.0." + (client % 250),
                    1000 + client), io.vigil.config.UpstreamConfig.HashKey.CLIENT_ADDRESS_PORT);
                final int first = pickAndRelease(picker, hash);
                assertEquals(first, pickAndRelease(picker, hash), "same key, same peer");
                counts[first]++;
            }
            for (final int count : counts)
            {
                assertTrue(count > 700 && count < 1300, "spread over 3 peers, consistent=" + consistent + ": " +
                    java.util.Arrays.toString(counts));
            }
        }
    }

    @Test
    void shouldMoveAboutOneNthOfKeysWhenAPeerIsRemovedWithConsistentHashing()
    {
        final String[] all = {"10.1.0.1:80", "10.1.0.2:80", "10.1.0.3:80", "10.1.0.4:80", "10.1.0.5:80"};
        final PeerPicker five = group("balance = hash, consistent = true", servers(all)).newPicker();
        final PeerPicker four = group("balance = hash, consistent = true",
            servers(all[0], all[1], all[2], all[3])).newPicker();
        final int keys = 20_000;
        int moved = 0;
        for (int key = 0; key < keys; key++)
        {
            final int hash = Chooser.mix(key);
            final Peer before = five.next(0, hash, NOW);
            before.release();
            final Peer after = four.next(0, hash, NOW);
            after.release();
            if (!before.name().equals(after.name()))
            {
                moved++;
                assertEquals(all[4], before.name(), "only keys of the removed peer move");
            }
        }
        final double fraction = moved / (double)keys;
        assertTrue(fraction > 0.12 && fraction < 0.28, "about 1/5 of keys moved: " + fraction);
    }

    @Test
    void shouldUseBackupsOnlyWhenNoPrimaryIsAvailable()
    {
        final UpstreamGroup group = group("balance = round-robin",
            servers("127.0.0.1:1 max-fails=1 fail-timeout=10s", "127.0.0.1:2 backup"));
        final PeerPicker picker = group.newPicker();
        final Peer primary = group.peers()[0];
        final Peer backup = group.peers()[1];
        for (int i = 0; i < 10; i++)
        {
            assertSame(primary, picker.next(0, 0, NOW));
            primary.release();
        }
        primary.onFailure(NOW);
        assertSame(backup, picker.next(0, 0, NOW + 1), "primary failed: backup takes over");
        backup.release();
        assertSame(primary, picker.next(0, 0, NOW + TimeUnit.SECONDS.toNanos(11)), "primary back after fail-timeout");
    }

    @Test
    void shouldRespectMaxConns()
    {
        final UpstreamGroup group = group("balance = round-robin",
            servers("127.0.0.1:1 max-conns=2", "127.0.0.1:2 max-conns=1"));
        final PeerPicker picker = group.newPicker();
        final Map<String, Integer> got = new HashMap<>();
        for (int i = 0; i < 3; i++)
        {
            final Peer peer = picker.next(0, 0, NOW);
            assertNotNull(peer, "session " + i);
            got.merge(peer.name(), 1, Integer::sum);
        }
        assertEquals(Map.of("127.0.0.1:1", 2, "127.0.0.1:2", 1), got);
        assertNull(picker.next(0, 0, NOW), "every peer is full");
        group.peers()[1].release();
        assertSame(group.peers()[1], picker.next(0, 0, NOW), "a freed slot is used again");
    }

    @Test
    void shouldSkipAPeerForFailTimeoutAfterMaxFailsThenLetOneSessionProbeIt()
    {
        final UpstreamGroup group = group("balance = round-robin",
            servers("127.0.0.1:1 max-fails=2 fail-timeout=5s", "127.0.0.1:2"));
        final Peer flaky = group.peers()[0];
        final long second = TimeUnit.SECONDS.toNanos(1);
        assertTrue(flaky.available(NOW));
        flaky.onFailure(NOW);
        assertTrue(flaky.available(NOW + second), "one failure of max-fails=2");
        flaky.onFailure(NOW + second);
        assertTrue(!flaky.available(NOW + 2 * second), "two failures inside fail-timeout: unavailable");
        assertTrue(!flaky.available(NOW + 6 * second), "until fail-timeout after the last failure");
        assertTrue(flaky.available(NOW + 6 * second + 1));
        flaky.onPicked(NOW + 7 * second);
        assertTrue(!flaky.available(NOW + 7 * second + 1), "one session probes it; the others wait");
        flaky.onSuccess();
        assertTrue(flaky.available(NOW + 7 * second + 2), "a success after the window resets the failures");
    }
}
