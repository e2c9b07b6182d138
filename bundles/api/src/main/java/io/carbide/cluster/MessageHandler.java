package io.carbide.cluster;

/**
 * Receives the messages of one type. Register it as a service with the property
 * {@value #TYPE} set to the message type (whiteboard). Messages from one sender arrive in the
 * order it sent them. Several handlers may take one type: each receives the one-way messages of
 * that type, and the first one registered answers its requests.
 */
public interface MessageHandler {

    /** Service property naming the message type this handler takes. */
    String TYPE = "carbide.message.type";

    /**
     * Handles a message.
     *
     * @return the reply when the sender made a request, or null for none; ignored for one-way sends
     * @throws Exception to fail the sender's request with the exception's message
     */
    ClusterMessage handle(ClusterMember from, ClusterMessage message) throws Exception;
}
