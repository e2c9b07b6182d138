package io.carbide.deployment.internal;

import java.lang.reflect.Proxy;
import java.util.Map;

/**
 * Stand-ins for the framework's and the node's services in unit tests: an interface answered by
 * method name. Each stand-in is equal only to itself and names its type in messages.
 */
final class Stand {

    /** What a stand-in answers to one call: by method name and arguments (never null). */
    interface Answer {
        Object answer(String method, Object[] args) throws Exception;
    }

    private Stand() {
    }

    @SuppressWarnings("unchecked")
    static <T> T in(Class<?> type, Answer answer) {
        return (T) Proxy.newProxyInstance(Stand.class.getClassLoader(), new Class<?>[] {type},
                (self, method, args) -> switch (method.getName()) {
                    case "equals" -> self == args[0];
                    case "hashCode" -> System.identityHashCode(self);
                    case "toString" -> type.getSimpleName();
                    default -> answer.answer(method.getName(), args == null ? new Object[0] : args);
                });
    }

    /** A stand-in answering each named method with a fixed value, and every other with null. */
    static <T> T in(Class<?> type, Map<String, Object> answers) {
        return in(type, (method, args) -> answers.get(method));
    }
}
