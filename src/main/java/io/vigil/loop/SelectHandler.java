package io.vigil.loop;

import java.nio.channels.SelectionKey;

/**
 * What a {@link SelectionKey}'s attachment does when the key is selected. Called on the owning loop's thread.
 */
public interface SelectHandler
{
    /**
     * @param key the selected key; its {@code readyOps()} say what is ready.
     */
    void onSelect(SelectionKey key);

    /**
     * The handler threw while handling a key: close whatever it owns. Must not throw.
     *
     * @param ex what was thrown.
     */
    void onFailure(Exception ex);
}
