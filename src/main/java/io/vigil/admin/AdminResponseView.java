package io.vigil.admin;

/**
 * What an action taken through the admin listener (a reload) reports back: an HTTP status and a line of text.
 * Immutable.
 *
 * @param status  the status.
 * @param message the text.
 */
public record AdminResponseView(int status, String message)
{
    AdminResponse toResponse()
    {
        return AdminResponse.text(status, message.endsWith("\n") ? message : message + "\n");
    }
}
