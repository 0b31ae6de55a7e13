package dev.pgcdc.offsets;

import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.List;

import javax.sql.DataSource;

import dev.pgcdc.event.TableName;
import dev.pgcdc.event.TransactionBatch;
import dev.pgcdc.stream.BatchHandler;
import dev.pgcdc.stream.CdcConfigurationException;
import dev.pgcdc.stream.HandlerCallScope;
import org.jspecify.annotations.Nullable;
import org.postgresql.replication.LogSequenceNumber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.jdbc.BadSqlGrammarException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.TransactionStatus;
import org.springframework.transaction.support.DefaultTransactionDefinition;

/**
 * Exactly-once handler effects on the application's database: each transaction's handlers run
 * in one Spring transaction of the given {@link PlatformTransactionManager} (so a
 * {@code JdbcTemplate} or JPA on its {@link DataSource} takes part), begun at the transaction's
 * first batch and committed at its last one together with an update of the stream's row in the
 * offsets table. After any crash the stream starts from the stored position when that is ahead of
 * the slot's, and a transaction at or before it is skipped, so what the handlers wrote on that
 * database is written once.
 * <p>
 * Each handler call runs in a savepoint ({@link HandlerCallScope}): a call that throws is undone
 * before the error policy sees it, so a retry starts clean (also after a statement failed, which
 * aborts a PostgreSQL transaction) and a call skipped by {@code SKIP} leaves nothing behind while
 * the rest of the transaction and its position commit. A transaction that fails under
 * {@code STOP}, is cut off by a lost connection or is interrupted by a stop is rolled back with its
 * position. The row update only moves forward ({@code WHERE lsn < ?}): a consumer whose position
 * another one stored already rolls back instead of writing the effects twice.
 * <p>
 * The table ({@code stream_name}, {@code lsn} as a number, {@code lsn_text} as PostgreSQL
 * writes it, {@code updated_at}) is created if missing; its name is quoted, values are bound.
 */
public final class JdbcOffsetStore implements OffsetStore, HandlerCallScope {

	/** The offsets table's name by default ({@code cdc.offsets.table}). */
	public static final String DEFAULT_TABLE = "pgcdc_offsets";

	private static final Logger logger = LoggerFactory.getLogger(JdbcOffsetStore.class);

	private final PlatformTransactionManager transactionManager;

	private final JdbcTemplate jdbc;

	private final String table;

	private final String select;

	private final String insert;

	private final String update;

	private final TransactionDefinition definition = new DefaultTransactionDefinition(
			TransactionDefinition.PROPAGATION_REQUIRES_NEW);

	private volatile @Nullable String stream;

	/** The end of the last stored transaction, as a number; written by the reader (load) and the dispatcher. */
	private volatile long stored;

	// dispatcher thread only
	private @Nullable TransactionStatus transaction;

	private boolean skipping;

	/**
	 * @param transactionManager runs the handlers' transactions; it must manage {@code dataSource}
	 * @param dataSource the application's database, where the offsets table lives
	 * @param table the offsets table: {@code name} or {@code schema.name}, quoted parts keep their case
	 * @throws IllegalArgumentException if the table name cannot be read
	 */
	public JdbcOffsetStore(PlatformTransactionManager transactionManager, DataSource dataSource, String table) {
		this.transactionManager = transactionManager;
		this.jdbc = new JdbcTemplate(dataSource);
		this.table = quotedTable(table);
		this.select = "SELECT lsn FROM " + this.table + " WHERE stream_name = ?";
		this.insert = "INSERT INTO " + this.table + " (stream_name, lsn, lsn_text, updated_at) VALUES (?, ?, ?, ?)";
		this.update = "UPDATE " + this.table + " SET lsn = ?, lsn_text = ?, updated_at = ? WHERE stream_name = ? AND lsn < ?";
	}

	/**
	 * @param text a table name as given ({@code pgcdc_offsets}, {@code app.offsets}, {@code "Offsets"})
	 * @return it quoted for SQL: schema-qualified only when the text names a schema, so an
	 * unqualified name follows the connection's {@code search_path}
	 * @throws IllegalArgumentException if it cannot be read
	 */
	static String quotedTable(String text) {
		TableName parsed = TableName.parse(text);
		boolean qualified = false;
		boolean quoted = false;
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			if (c == '"') {
				quoted = !quoted;
			}
			else if (c == '.' && !quoted) {
				qualified = true;
			}
		}
		return qualified ? parsed.quoted() : TableName.quote(parsed.name());
	}

	/** @return the offsets table as written in SQL (quoted) */
	public String table() {
		return this.table;
	}

	/** @return the statement that creates the offsets table, for users who create it themselves */
	public String createTableStatement() {
		return "CREATE TABLE IF NOT EXISTS " + this.table + " (stream_name varchar(255) PRIMARY KEY,"
				+ " lsn bigint NOT NULL, lsn_text varchar(32) NOT NULL, updated_at timestamp with time zone NOT NULL)";
	}

	@Override
	public LogSequenceNumber load(String stream) throws SQLException {
		try {
			List<Long> rows;
			try {
				rows = this.jdbc.queryForList(this.select, Long.class, stream);
			}
			catch (BadSqlGrammarException ex) {
				// most likely absent: tried first, as creating needs a privilege reading does not
				createTable();
				rows = this.jdbc.queryForList(this.select, Long.class, stream);
			}
			long position = rows.isEmpty() ? 0 : rows.get(0);
			if (rows.isEmpty()) {
				insertRow(stream);
			}
			this.stream = stream;
			this.stored = Math.max(this.stored, position);
			return LogSequenceNumber.valueOf(position);
		}
		catch (TransientDataAccessException | DataAccessResourceFailureException ex) {
			throw new SQLException("Cannot read the stream's position from " + this.table + ": " + ex.getMessage(),
					"08006", ex);
		}
		catch (DataAccessException ex) {
			throw new CdcConfigurationException("Cannot read the stream's position from the offsets table " + this.table
					+ " (cdc.offsets.table): " + ex.getMostSpecificCause().getMessage() + ". It needs the columns of: "
					+ createTableStatement() + "; and the application's user needs SELECT, INSERT and UPDATE on it", ex);
		}
	}

	private void createTable() {
		try {
			this.jdbc.execute(createTableStatement());
			logger.info("Created the offsets table {}", this.table);
		}
		catch (DataAccessException ex) {
			throw new CdcConfigurationException("Cannot create the offsets table " + this.table + " (cdc.offsets.table): "
					+ ex.getMostSpecificCause().getMessage() + ". Create it yourself: " + createTableStatement()
					+ "; or let the application's user create it (GRANT CREATE ON SCHEMA ...)", ex);
		}
	}

	private void insertRow(String stream) {
		try {
			this.jdbc.update(this.insert, stream, 0L, "0/0", now());
		}
		catch (DuplicateKeyException ex) {
			// another instance of the application inserted it meanwhile
		}
	}

	@Override
	public void deliver(TransactionBatch batch, @Nullable LogSequenceNumber end, BatchHandler handler) throws Exception {
		if (batch.first()) {
			abandon();
			// stored already: a transaction whose commit record starts before the stored end, a non-transactional
			// message (xid 0) whose position, the end of its record, is not past it
			long position = LogSequenceNumber.valueOf(batch.lsn()).asLong();
			this.skipping = (batch.xid() == 0) ? position <= this.stored : position < this.stored;
			if (this.skipping) {
				logger.debug("Skipping transaction {} (lsn {}): stored in {} already", batch.xid(), batch.lsn(), this.table);
			}
			else {
				this.transaction = this.transactionManager.getTransaction(this.definition);
			}
		}
		if (this.skipping) {
			this.skipping = (end == null);
			return;
		}
		TransactionStatus status = this.transaction;
		if (status == null) {
			throw new IllegalStateException("Batch of transaction " + batch.xid() + " (lsn " + batch.lsn()
					+ ") without its first batch");
		}
		try {
			handler.handle(batch);
			if (end != null) {
				this.transaction = null;
				if (store(end)) {
					this.transactionManager.commit(status);
					this.stored = end.asLong();
				}
				else {
					this.transactionManager.rollback(status);
				}
			}
		}
		catch (Throwable ex) {
			this.transaction = null;
			rollback(status, ex);
			throw ex;
		}
	}

	/**
	 * Move the stream's row to the transaction's end, in the handlers' transaction.
	 * @return whether to commit: {@code false} when the row is there already (another consumer stored it)
	 */
	private boolean store(LogSequenceNumber end) {
		String name = requireStream();
		Timestamp now = now();
		if (this.jdbc.update(this.update, end.asLong(), end.asString(), now, name, end.asLong()) == 1) {
			return true;
		}
		List<Long> rows = this.jdbc.queryForList(this.select, Long.class, name);
		if (rows.isEmpty()) {
			// deleted while streaming: written anew
			this.jdbc.update(this.insert, name, end.asLong(), end.asString(), now);
			return true;
		}
		this.stored = Math.max(this.stored, rows.get(0));
		logger.warn("Stream {}: {} holds position {} at or past this transaction's end {}; another consumer handled it,"
				+ " rolling back this one's work", name, this.table, LogSequenceNumber.valueOf(rows.get(0)).asString(),
				end.asString());
		return false;
	}

	@Override
	public void abandon() {
		TransactionStatus status = this.transaction;
		this.transaction = null;
		this.skipping = false;
		if (status != null) {
			logger.debug("Rolling back the handlers' work of a transaction that will not complete");
			rollback(status, null);
		}
	}

	/**
	 * Run one handler call in a savepoint of the transaction in progress, rolled back to when the
	 * call throws.
	 */
	@Override
	public void run(HandlerCall call) throws Exception {
		TransactionStatus status = this.transaction;
		if (status == null) {
			call.invoke();
			return;
		}
		Object savepoint = status.createSavepoint();
		try {
			call.invoke();
		}
		catch (Throwable ex) {
			status.rollbackToSavepoint(savepoint);
			status.releaseSavepoint(savepoint);
			throw ex;
		}
		status.releaseSavepoint(savepoint);
	}

	/** @return the end of the last transaction stored by or known to this store, {@code 0/0} before any */
	public LogSequenceNumber stored() {
		return LogSequenceNumber.valueOf(this.stored);
	}

	private void rollback(TransactionStatus status, @Nullable Throwable cause) {
		if (status.isCompleted()) {
			return;
		}
		try {
			this.transactionManager.rollback(status);
		}
		catch (RuntimeException ex) {
			if (cause != null) {
				cause.addSuppressed(ex);
			}
			else {
				logger.debug("Rolling back failed", ex);
			}
		}
	}

	private String requireStream() {
		String name = this.stream;
		if (name == null) {
			throw new IllegalStateException("The offsets store was not loaded for a stream");
		}
		return name;
	}

	private static Timestamp now() {
		return new Timestamp(System.currentTimeMillis());
	}

	@Override
	public String toString() {
		return "JdbcOffsetStore[" + this.table + "]";
	}

}
