package dev.pgcdc.autoconfigure;

import java.util.function.IntConsumer;

import dev.pgcdc.CdcStreamStateChangedEvent;
import dev.pgcdc.replication.StreamState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.ExitCodeGenerator;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.LivenessState;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationListener;

/**
 * Makes a {@code FAILED} stream visible to whatever runs the process, the Boot way: the
 * application's liveness becomes {@link LivenessState#BROKEN} (so a liveness probe restarts
 * it) and back to {@link LivenessState#CORRECT} once the stream streams again; the exit code
 * is 1 while the stream is failed ({@link ExitCodeGenerator}, used by
 * {@link SpringApplication#exit}); and with {@code cdc.exit-on-failure=true} the application
 * closes and the JVM exits with that code, so a supervisor that restarts failed processes
 * restarts it (a worker without a web server would otherwise end with status 0 once the
 * stream's threads have ended).
 */
class StreamFailureReaction implements ApplicationListener<CdcStreamStateChangedEvent>, ExitCodeGenerator {

	/** The exit code of an application whose stream failed. */
	static final int FAILED_EXIT_CODE = 1;

	private static final Logger logger = LoggerFactory.getLogger(StreamFailureReaction.class);

	private final ApplicationContext context;

	private final boolean exitOnFailure;

	private final IntConsumer exit;

	private volatile boolean failed;

	/**
	 * @param context the application, for its liveness and for closing it
	 * @param exitOnFailure whether a failed stream ends the application
	 * @param exit ends the JVM with a status ({@code System::exit}; replaced in tests)
	 */
	StreamFailureReaction(ApplicationContext context, boolean exitOnFailure, IntConsumer exit) {
		this.context = context;
		this.exitOnFailure = exitOnFailure;
		this.exit = exit;
	}

	@Override
	public void onApplicationEvent(CdcStreamStateChangedEvent event) {
		if (event.getCurrent() == StreamState.FAILED) {
			this.failed = true;
			AvailabilityChangeEvent.publish(this.context, LivenessState.BROKEN);
			if (this.exitOnFailure) {
				exit();
			}
		}
		else if (this.failed && event.getCurrent() == StreamState.STREAMING) {
			this.failed = false;
			AvailabilityChangeEvent.publish(this.context, LivenessState.CORRECT);
		}
	}

	private void exit() {
		logger.error("CDC stream failed and cdc.exit-on-failure is set: closing the application, exit code {}",
				FAILED_EXIT_CODE);
		// not on the thread that reports states: closing the application stops the stream,
		// which waits for that thread
		Thread exiting = new Thread(() -> this.exit.accept(SpringApplication.exit(this.context)), "pgcdc-exit");
		// not a daemon (the thread reporting states is not either): the JVM must not end with status 0
		// once closing has ended the stream's threads, before this one calls exit
		exiting.setDaemon(false);
		exiting.start();
	}

	@Override
	public int getExitCode() {
		return this.failed ? FAILED_EXIT_CODE : 0;
	}

}
