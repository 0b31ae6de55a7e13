package dev.pgcdc.replication;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import dev.pgcdc.pgoutput.PgOutputMessage;
import dev.pgcdc.pgoutput.PgOutputMessage.StreamAbort;
import dev.pgcdc.pgoutput.PgOutputMessage.StreamCommit;
import dev.pgcdc.pgoutput.PgOutputMessage.StreamStart;
import dev.pgcdc.pgoutput.PgOutputMessage.StreamStop;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the chunks of in-progress transactions that the server streams ({@code streaming}
 * on) in temporary files until they commit, so only committed changes are delivered while
 * memory stays bounded. A Stream Abort drops the transaction (or one of its
 * subtransactions); a Stream Commit hands the spooled messages back, in WAL order, for
 * delivery as an ordinary transaction.
 */
final class TransactionSpool implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(TransactionSpool.class);

	/** Replays one committed transaction's messages. */
	@FunctionalInterface
	interface Replay {

		/**
		 * @param commit the Stream Commit
		 * @param messages the raw messages, in WAL order, without aborted subtransactions
		 */
		void committed(StreamCommit commit, Iterable<byte[]> messages) throws Exception;

	}

	private final Map<Long, Spool> open = new HashMap<>();

	private long current;

	/**
	 * @param message a decoded message
	 * @return whether it belongs to a streamed transaction (this spool takes it)
	 */
	boolean takes(PgOutputMessage message) {
		return this.current != 0 || message instanceof StreamStart || message instanceof StreamStop
				|| message instanceof StreamCommit || message instanceof StreamAbort;
	}

	/**
	 * @param message a message {@link #takes(PgOutputMessage) taken} by this spool
	 * @param raw its bytes
	 * @param replay called with the transaction's messages on Stream Commit
	 * @throws Exception if spooling or the replay fails
	 */
	void accept(PgOutputMessage message, ByteBuffer raw, Replay replay) throws Exception {
		if (message instanceof StreamStart start) {
			this.current = start.xid();
			if (!this.open.containsKey(start.xid())) {
				this.open.put(start.xid(), Spool.create(start.xid()));
			}
		}
		else if (message instanceof StreamStop) {
			this.current = 0;
		}
		else if (message instanceof StreamCommit commit) {
			Spool spool = this.open.remove(commit.xid());
			if (spool == null) {
				throw new IllegalStateException("Stream Commit for transaction " + commit.xid() + " that never streamed");
			}
			try (spool) {
				replay.committed(commit, spool.finish());
			}
		}
		else if (message instanceof StreamAbort abort) {
			if (abort.subXid() == abort.xid() || abort.subXid() == 0) {
				Spool spool = this.open.remove(abort.xid());
				if (spool != null) {
					spool.close();
				}
			}
			else {
				Spool spool = this.open.get(abort.xid());
				if (spool != null) {
					spool.aborted.add(abort.subXid());
				}
			}
		}
		else {
			Spool spool = this.open.get(this.current);
			if (spool == null) {
				throw new IllegalStateException("A streamed message outside of a Stream Start for transaction "
						+ this.current);
			}
			long subXid = subTransaction(message);
			spool.write((subXid != 0) ? subXid : this.current, raw);
		}
	}

	/** Delete every spool file: their transactions will be streamed again after a reconnect. */
	@Override
	public void close() {
		this.open.values().forEach(Spool::close);
		this.open.clear();
		this.current = 0;
	}

	private static long subTransaction(PgOutputMessage message) {
		return (message instanceof PgOutputMessage.Streamable streamable) ? streamable.streamXid() : 0;
	}

	/** One transaction's messages in a temporary file: {@code Int64 subXid, Int32 length, bytes}. */
	private static final class Spool implements AutoCloseable, Iterable<byte[]> {

		private final Path file;

		private final Set<Long> aborted = new HashSet<>();

		private @Nullable DataOutputStream out;

		private @Nullable DataInputStream in;

		private long messages;

		private Spool(Path file, DataOutputStream out) {
			this.file = file;
			this.out = out;
		}

		static Spool create(long xid) throws IOException {
			Path file = Files.createTempFile("pgcdc-xid-" + xid + "-", ".spool");
			logger.debug("Spooling streamed transaction {} to {}", xid, file);
			return new Spool(file, new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)));
		}

		void write(long subXid, ByteBuffer raw) throws IOException {
			DataOutputStream stream = this.out;
			if (stream == null) {
				throw new IllegalStateException("Spool " + this.file + " is finished");
			}
			ByteBuffer bytes = raw.duplicate();
			stream.writeLong(subXid);
			stream.writeInt(bytes.remaining());
			if (bytes.hasArray()) {
				stream.write(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
			}
			else {
				byte[] copy = new byte[bytes.remaining()];
				bytes.get(copy);
				stream.write(copy);
			}
			this.messages++;
		}

		Iterable<byte[]> finish() throws IOException {
			DataOutputStream stream = this.out;
			if (stream != null) {
				stream.close();
				this.out = null;
			}
			logger.debug("Streamed transaction in {} committed: {} messages", this.file, this.messages);
			return this;
		}

		@Override
		public java.util.Iterator<byte[]> iterator() {
			try {
				DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(this.file), 1 << 16));
				this.in = in;
				return new java.util.Iterator<>() {

					private byte @Nullable [] next = read();

					@Override
					public boolean hasNext() {
						return this.next != null;
					}

					@Override
					public byte[] next() {
						byte[] current = this.next;
						if (current == null) {
							throw new java.util.NoSuchElementException();
						}
						this.next = read();
						return current;
					}

					private byte @Nullable [] read() {
						try {
							while (true) {
								long subXid;
								try {
									subXid = in.readLong();
								}
								catch (EOFException end) {
									in.close();
									return null;
								}
								byte[] bytes = new byte[in.readInt()];
								in.readFully(bytes);
								if (!Spool.this.aborted.contains(subXid)) {
									return bytes;
								}
							}
						}
						catch (IOException ex) {
							throw new UncheckedIOException("Cannot read spooled transaction " + Spool.this.file, ex);
						}
					}
				};
			}
			catch (IOException ex) {
				throw new UncheckedIOException("Cannot read spooled transaction " + this.file, ex);
			}
		}

		@Override
		public void close() {
			try {
				DataOutputStream stream = this.out;
				if (stream != null) {
					stream.close();
					this.out = null;
				}
				DataInputStream reading = this.in;
				if (reading != null) {
					reading.close();
					this.in = null;
				}
				Files.deleteIfExists(this.file);
			}
			catch (IOException ex) {
				logger.warn("Cannot delete spool file {}", this.file, ex);
			}
		}

	}

}
