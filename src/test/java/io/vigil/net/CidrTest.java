package io.vigil.net;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CidrTest
{
    private static boolean contains(final String block, final String address) throws Exception
    {
        return Cidr.parse(block).contains(InetAddress.getByName(address));
    }

    @Test
    void shouldMatchPartialBytePrefixes() throws Exception
    {
        assertTrue(contains("192.0.2.128/25", "192.0.2.200"));
        assertFalse(contains("192.0.2.128/25", "192.0.2.100"));
        assertTrue(contains("10.64.0.0/10", "10.127.255.255"));
        assertFalse(contains("10.64.0.0/10", "10.128.0.0"));
        assertTrue(contains("2001:db8::/33", "2001:db8:7fff::1"));
        assertFalse(contains("2001:db8::/33", "2001:db8:8000::1"));
        assertTrue(contains("0.0.0.0/0", "203.0.113.9"));
        assertFalse(contains("0.0.0.0/0", "::1"));
        assertTrue(contains("127.0.0.0/8", "::ffff:127.0.0.5"));
    }

    @Test
    void shouldRefuseWhatIsNotABlock()
    {
        for (final String bad : new String[] {
            "", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0/8", "host/8", "1.2.3.4/-1"})
        {
            assertThrows(IllegalArgumentException.class, () -> Cidr.parse(bad), bad);
        }
        assertEquals("10.0.0.0/8", Cidr.parse(" 10.0.0.0/8 ").toString());
    }
}
