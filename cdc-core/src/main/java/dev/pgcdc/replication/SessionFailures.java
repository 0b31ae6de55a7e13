package dev.pgcdc.replication;

import java.sql.SQLException;

import dev.pgcdc.pgoutput.PgOutputException;
import dev.pgcdc.stream.CdcConfigurationException;
import org.jspecify.annotations.Nullable;

/**
 * Decides what an error that ended a session (or the attempt to open one) means for the
 * reconnect loop: try again, try again in text format, or fail for good. Pure: the loop owns
 * the state changes and counters.
 */
final class SessionFailures {

	/** What to do after a failure. */
	enum Verdict {

		/** Connect again after the back-off (the connection, the server or the slot may come back). */
		RETRY,

		/** Connect again, asking for text values: a column without a binary decoder appeared. */
		RETRY_IN_TEXT,

		/** Retrying cannot fix it: FAILED. */
		FAIL

	}

	/**
	 * @param verdict what to do
	 * @param error the error to report: for {@code FAIL} worded as a fix where it is a configuration problem
	 * @param connectionProblem whether the server could not be reached or went away
	 */
	record Outcome(Verdict verdict, Throwable error, boolean connectionProblem) {
	}

	private final StreamSettings settings;

	SessionFailures(StreamSettings settings) {
		this.settings = settings;
	}

	/**
	 * @param ex what ended the session or the attempt to open one
	 * @param streaming whether a session had been streaming (once streaming, only a vanished
	 * publication or slot is beyond a reconnect)
	 * @return what to do
	 */
	Outcome classify(Throwable ex, boolean streaming) {
		if (ex instanceof BinaryFormat.UnsupportedColumnException) {
			return new Outcome(Verdict.RETRY_IN_TEXT, ex, false);
		}
		if (ex instanceof CdcConfigurationException || ex instanceof PgOutputException || ex instanceof Error) {
			return new Outcome(Verdict.FAIL, ex, false);
		}
		if (ex instanceof SQLException sql) {
			if (SqlErrors.isConnectionProblem(sql)) {
				return new Outcome(Verdict.RETRY, sql, true);
			}
			CdcConfigurationException configuration = configurationProblem(sql, streaming,
					streaming ? "while streaming" : "at start-up");
			if (configuration != null) {
				return new Outcome(Verdict.FAIL, configuration, false);
			}
		}
		// anything else may pass (a restarting server, a slot still being released, a copy the
		// driver gave up on, a server in recovery): worth another session
		return new Outcome(Verdict.RETRY, ex, false);
	}

	/**
	 * @param ex an error from the first attempt, made by {@code start()}
	 * @return the error as a configuration problem to throw from {@code start()}, or {@code null}
	 * to leave it to the reconnect loop
	 */
	@Nullable CdcConfigurationException atStartup(SQLException ex) {
		return SqlErrors.isConnectionProblem(ex) ? null : configurationProblem(ex, false, "at start-up");
	}

	private @Nullable CdcConfigurationException configurationProblem(SQLException ex, boolean streaming,
			String during) {
		return (!streaming || "42704".equals(ex.getSQLState())) ? SqlErrors.explain(ex, this.settings, during) : null;
	}

}
