package io.carbide.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;

/**
 * A command that talks to a manager: which one and as whom ({@link Target}), and how it prints
 * ({@link Output}). Each subclass is one command.
 */
abstract class ManagerCommand implements Callable<Integer> {

    @Mixin
    Target target;

    @Mixin
    Output output;
}
