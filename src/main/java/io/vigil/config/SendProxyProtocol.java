package io.vigil.config;

/**
 * {@code send-proxy-protocol}: the PROXY protocol header Vigil writes first on each upstream connection of a tcp
 * listener, so the server learns the client's address.
 */
public enum SendProxyProtocol
{
    /** None. */
    OFF,
    /** Version 1, text. */
    V1,
    /** Version 2, binary. */
    V2
}
