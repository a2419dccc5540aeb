package io.vigil.proxyproto;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProxyHeaderParserTest
{
    private static final byte[] PAYLOAD = "GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII);

    /** Feed as a socket reader would: never more than maxRead at once, at most {@code chunk} per read. */
    static ProxyHeaderParser parse(final byte[] input, final int chunk)
    {
        final ProxyHeaderParser parser = new ProxyHeaderParser();
        int at = 0;
        while (parser.status() == ProxyHeaderParser.NEED_MORE && at < input.length)
        {
            final int n = Math.min(Math.min(parser.maxRead(), chunk), input.length - at);
            assertTrue(n >= 1, "maxRead must be at least 1 while more is needed");
            final ByteBuffer piece = ByteBuffer.wrap(input, at, n);
            parser.feed(piece);
            assertTrue(!piece.hasRemaining() || parser.status() == ProxyHeaderParser.INVALID,
                "every byte maxRead allowed belongs to the header");
            at += n;
        }
        return parser;
    }

    static byte[] join(final byte[]... parts)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (final byte[] part : parts)
        {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    static byte[] ascii(final String text)
    {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] v2(final int command, final int family, final byte[] addresses, final byte[] tlvs)
    {
        final ByteBuffer b = ByteBuffer.allocate(16 + addresses.length + tlvs.length);
        b.put(ProxyHeaderParser.V2_SIGNATURE).put((byte)(0x20 | command)).put((byte)family)
            .putShort((short)(addresses.length + tlvs.length)).put(addresses).put(tlvs);
        return b.array();
    }

    private static void assertHeader(
        final byte[] header, final String source, final int sourcePort, final String destination, final int destPort)
        throws Exception
    {
        for (final int chunk : new int[] {1, 2, 3, 7, 16, 1000})
        {
            final ProxyHeaderParser parser = parse(join(header, PAYLOAD), chunk);
            assertEquals(ProxyHeaderParser.DONE, parser.status(), "chunk " + chunk);
            assertEquals(header.length, parser.consumed(), "consumed exactly the header, chunk " + chunk);
            assertEquals(new InetSocketAddress(InetAddress.getByName(source), sourcePort), parser.sourceAddress());
            assertEquals(new InetSocketAddress(InetAddress.getByName(destination), destPort),
                parser.destinationAddress());
        }
    }

    private static void assertLocal(final byte[] header)
    {
        for (final int chunk : new int[] {1, 5, 1000})
        {
            final ProxyHeaderParser parser = parse(join(header, PAYLOAD), chunk);
            assertEquals(ProxyHeaderParser.DONE, parser.status());
            assertEquals(header.length, parser.consumed());
            assertEquals(0, parser.family());
            assertNull(parser.sourceAddress());
        }
    }

    private static void assertInvalid(final byte[] header)
    {
        for (final int chunk : new int[] {1, 1000})
        {
            final ProxyHeaderParser parser = parse(header, chunk);
            assertEquals(ProxyHeaderParser.INVALID, parser.status(), new String(header, StandardCharsets.ISO_8859_1));
            assertEquals(0, parser.maxRead());
            assertEquals(ProxyHeaderParser.INVALID, parser.feed(ByteBuffer.wrap(ascii("PROXY UNKNOWN\r\n"))));
        }
    }

    @Test
    void shouldReadV1Tcp4() throws Exception
    {
        assertHeader(ascii("PROXY TCP4 192.168.0.1 10.0.0.2 56324 443\r\n"), "192.168.0.1", 56324, "10.0.0.2", 443);
        assertHeader(ascii("PROXY TCP4 1.2.3.4 5.6.7.8 0 1\r\n"), "1.2.3.4", 0, "5.6.7.8", 1);
        assertHeader(ascii("PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n"),
            "255.255.255.255", 65535, "255.255.255.255", 65535);
    }

    @Test
    void shouldReadV1Tcp6() throws Exception
    {
        assertHeader(ascii("PROXY TCP6 ::1 ::1 1 2\r\n"), "::1", 1, "::1", 2);
        assertHeader(ascii("PROXY TCP6 2001:db8::7 fe80::1:2 5000 80\r\n"), "2001:db8::7", 5000, "fe80::1:2", 80);
        assertHeader(ascii("PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:" +
            "ffff:ffff 65535 65535\r\n"), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535,
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535);
        assertHeader(ascii("PROXY TCP6 ::ffff:10.1.2.3 :: 9 10\r\n"), "10.1.2.3", 9, "::", 10);
        assertHeader(ascii("PROXY TCP6 1:2:3:4:5:6:7:8 1:: 9 10\r\n"), "1:2:3:4:5:6:7:8", 9, "1::", 10);
    }

    @Test
    void shouldReadV1Unknown()
    {
        assertLocal(ascii("PROXY UNKNOWN\r\n"));
        assertLocal(ascii("PROXY UNKNOWN ffff:f::1 ffff:f::2 65535 65535\r\n"));
    }

    @Test
    void shouldReadV2() throws Exception
    {
        final byte[] v4 = {127, 0, 0, 9, 10, 0, 0, 1, (byte)0xC0, 0x01, 0x01, (byte)0xBB};
        assertHeader(v2(1, 0x11, v4, new byte[0]), "127.0.0.9", 49153, "10.0.0.1", 443);
        final byte[] tlvs = {0x04, 0x00, 0x03, 'a', 'b', 'c', (byte)0xEE, 0x00, 0x00};
        assertHeader(v2(1, 0x11, v4, tlvs), "127.0.0.9", 49153, "10.0.0.1", 443);
        final byte[] v6 = new byte[36];
        v6[15] = 1;
        v6[16] = 0x20;
        v6[17] = 0x01;
        v6[31] = 2;
        v6[32] = 0x12;
        v6[33] = 0x34;
        v6[35] = 80;
        assertHeader(v2(1, 0x21, v6, new byte[300]), "::1", 0x1234, "2001::2", 80);
    }

    @Test
    void shouldUseTheSocketAddressForV2LocalUnspecAndUnix()
    {
        assertLocal(v2(0, 0x00, new byte[0], new byte[0]));
        assertLocal(v2(0, 0x11, new byte[12], new byte[0]));
        assertLocal(v2(0, 0x11, new byte[0], new byte[0]));
        assertLocal(v2(1, 0x00, new byte[0], new byte[5]));
        assertLocal(v2(1, 0x31, new byte[216], new byte[0]));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "GET / HTTP/1.1\r\n", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\r\n",
        "PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n", "PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n", "PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n",
        "PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n", "PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n",
        "PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n", "PROXY TCP4 ::1 ::1 1 2\r\n", "PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n",
        "PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n", "PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n",
        "PROXY TCP6 1:::2 ::1 1 2\r\n", "PROXY TCP6 1::2::3 ::1 1 2\r\n", "PROXY TCP6 1:2:3:4:5:6:7:8:9 ::1 1 2\r\n",
        "PROXY TCP6 12345::1 ::1 1 2\r\n", "PROXY TCP6 :1 ::1 1 2\r\n", "PROXY TCP6 1: ::1 1 2\r\n",
        "PROXY UNKNOWNX\r\n", "PROXY \r\n", "proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n",
        "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\u00e9\r\n",
        "PROXY UNKNOWN 1\r2\r\n"
    })
    void shouldRefuseBrokenV1(final String text)
    {
        assertInvalid(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void shouldRefuseAV1LineLongerThan107Bytes()
    {
        final byte[] line = ascii("PROXY UNKNOWN " + "x".repeat(91) + "\r\n");
        assertEquals(107, line.length);
        assertLocal(line);
        assertInvalid(ascii("PROXY UNKNOWN " + "x".repeat(92) + "\r\n"));
    }

    @Test
    void shouldRefuseBrokenV2()
    {
        final byte[] good = v2(1, 0x11, new byte[12], new byte[0]);
        for (final int[] change : new int[][] {{0, 0x0C}, {11, 0x0B}, {12, 0x11}, {12, 0x22}, {12, 0x31}, {13, 0x41},
            {13, 0x13}})
        {
            final byte[] bad = good.clone();
            bad[change[0]] = (byte)change[1];
            assertInvalid(bad);
        }
        assertInvalid(v2(1, 0x11, new byte[11], new byte[0])); // shorter than an IPv4 address block
        assertInvalid(v2(1, 0x21, new byte[35], new byte[0]));
        assertInvalid(v2(1, 0x31, new byte[215], new byte[0]));
    }

    @Test
    void shouldNeverAskForMoreThanTheShortestHeaderLeft()
    {
        // the first read takes no more than the shortest header, so a v1 UNKNOWN leaves the payload unread
        assertEquals(15, new ProxyHeaderParser().maxRead());
        final ProxyHeaderParser parser = parse(join(ascii("PROXY UNKNOWN\r\n"), PAYLOAD), 1000);
        assertEquals(15, parser.consumed());
        // after "PROXY TCP4 1.2.3" the rest is at least ".4 1.1.1.1 1 1\r\n"
        final ProxyHeaderParser partial = parse(ascii("PROXY TCP4 1.2.3"), 1000);
        assertEquals(ProxyHeaderParser.NEED_MORE, partial.status());
        assertEquals(ascii(".4 1.1.1.1 1 1\r\n").length, partial.maxRead());
        // and after "PROXY TCP6 ::1 ::2 1" at least "\r\n"
        assertEquals(2, parse(ascii("PROXY TCP6 ::1 ::2 1 2"), 1000).maxRead());
    }
}
