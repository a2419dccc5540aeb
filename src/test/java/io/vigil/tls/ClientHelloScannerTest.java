package io.vigil.tls;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClientHelloScannerTest
{
    private static int scanWhole(final ClientHelloScanner scanner, final byte[] bytes)
    {
        return scanner.scan(ByteBuffer.wrap(bytes), 0, bytes.length);
    }

    private static int scanByteByByte(final ClientHelloScanner scanner, final byte[] bytes)
    {
        final ByteBuffer buffer = ByteBuffer.wrap(bytes);
        int result = ClientHelloScanner.NEED_MORE;
        for (int i = 0; i < bytes.length && result == ClientHelloScanner.NEED_MORE; i++)
        {
            result = scanner.scan(buffer, i, i + 1);
        }
        return result;
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void shouldFindTheServerNameOfARealClientHello(final String protocol)
    {
        final byte[] hello = TlsHellos.clientHello("Api.Example.com", protocol);
        final ClientHelloScanner scanner = new ClientHelloScanner(ClientHelloScanner.DEFAULT_MAX_BYTES);
        assertEquals(ClientHelloScanner.SERVER_NAME, scanWhole(scanner, hello));
        assertEquals("api.example.com", scanner.serverName());
        assertTrue(scanner.bytesScanned() <= hello.length);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 7, 100})
    void shouldFindTheServerNameAcrossRecordsAndReads(final int fragment)
    {
        final byte[] hello = TlsHellos.recut(TlsHellos.clientHello("web.example.com", "TLSv1.3"), fragment);
        final ClientHelloScanner scanner = new ClientHelloScanner(ClientHelloScanner.DEFAULT_MAX_BYTES);
        assertEquals(ClientHelloScanner.SERVER_NAME, scanByteByByte(scanner, hello));
        assertEquals("web.example.com", scanner.serverName());
    }

    @Test
    void shouldSayNoServerNameForAHelloWithoutOne()
    {
        final byte[] hello = TlsHellos.clientHello(null, "TLSv1.3");
        final ClientHelloScanner scanner = new ClientHelloScanner(ClientHelloScanner.DEFAULT_MAX_BYTES);
        assertEquals(ClientHelloScanner.NO_SERVER_NAME, scanByteByByte(scanner, hello));
        assertNull(scanner.serverName());
        // the last extension's length says nothing can follow: its content is not needed for the answer
        assertTrue(scanner.bytesScanned() <= hello.length, "never past the hello");
    }

    @Test
    void shouldSayNotTlsOnTheFirstByte()
    {
        final ClientHelloScanner scanner = new ClientHelloScanner(ClientHelloScanner.DEFAULT_MAX_BYTES);
        final byte[] http = "GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        assertEquals(ClientHelloScanner.NOT_TLS, scanWhole(scanner, http));
        assertEquals(1, scanner.bytesScanned());
    }

    @Test
    void shouldNeedMoreForAPartialHello()
    {
        final byte[] hello = TlsHellos.clientHello("a.example.com", "TLSv1.3");
        final ClientHelloScanner scanner = new ClientHelloScanner(ClientHelloScanner.DEFAULT_MAX_BYTES);
        assertEquals(ClientHelloScanner.NEED_MORE, scanWhole(scanner, Arrays.copyOf(hello, 60)));
    }

    @Test
    void shouldStopAtItsBound()
    {
        // the server name extension pushed past 200 bytes by a long session id is out of reach of a 200-byte bound
        final byte[] hello = TlsHellos.recut(TlsHellos.clientHello("far.example.com", "TLSv1.3"), 3);
        final ClientHelloScanner scanner = new ClientHelloScanner(200);
        assertEquals(ClientHelloScanner.TOO_LARGE, scanWhole(scanner, hello));
        assertEquals(200, scanner.bytesScanned());
    }

    @Test
    void shouldRefuseLengthsThatOverrunTheirEnclosingField()
    {
        final byte[] hello = TlsHellos.clientHello("x.example.com", "TLSv1.3");
        final byte[] bad = hello.clone();
        bad[5 + 4 + 34] = (byte)33; // session id longer than 32
        assertEquals(ClientHelloScanner.MALFORMED,
            scanWhole(new ClientHelloScanner(ClientHelloScanner.DEFAULT_MAX_BYTES), bad));
        final byte[] longRecord = hello.clone();
        longRecord[3] = (byte)0x40;
        longRecord[4] = 1; // 16385 > 2^14
        assertEquals(ClientHelloScanner.MALFORMED,
            scanWhole(new ClientHelloScanner(ClientHelloScanner.DEFAULT_MAX_BYTES), longRecord));
        final byte[] wrongType = hello.clone();
        wrongType[5] = 2; // a ServerHello
        assertEquals(ClientHelloScanner.MALFORMED,
            scanWhole(new ClientHelloScanner(ClientHelloScanner.DEFAULT_MAX_BYTES), wrongType));
    }
}
