package dev.pgcdc.pgoutput;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

import dev.pgcdc.pgoutput.PgOutputMessage.BeginPrepare;
import dev.pgcdc.pgoutput.PgOutputMessage.CommitPrepared;
import dev.pgcdc.pgoutput.PgOutputMessage.Delete;
import dev.pgcdc.pgoutput.PgOutputMessage.Insert;
import dev.pgcdc.pgoutput.PgOutputMessage.Prepare;
import dev.pgcdc.pgoutput.PgOutputMessage.RollbackPrepared;
import dev.pgcdc.pgoutput.PgOutputMessage.StreamAbort;
import dev.pgcdc.pgoutput.PgOutputMessage.StreamPrepare;
import dev.pgcdc.pgoutput.PgOutputMessage.Truncate;
import dev.pgcdc.pgoutput.PgOutputMessage.Type;
import dev.pgcdc.pgoutput.PgOutputMessage.Update;
import org.junit.jupiter.api.Test;
import org.postgresql.replication.LogSequenceNumber;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Messages built by hand from the "Logical Replication Message Formats" page: two-phase
 * (the test server has no {@code max_prepared_transactions}), edge cases the captured fixtures
 * do not cover, and garbled input.
 */
class PgOutputDecoderHandBuiltTests {

	private static final LogSequenceNumber AT = LogSequenceNumber.valueOf("0/16B3748");

	/** 2024-01-02T03:04:05Z in microseconds since 2000-01-01. */
	private static final long MICROS = 757_479_845_000_000L;

	private static final Instant WHEN = Instant.parse("2024-01-02T03:04:05Z");

	@Test
	void unknownMessageTypeNamesTheByteAndTheLsn() {
		assertThatExceptionOfType(PgOutputException.class)
			.isThrownBy(() -> new PgOutputDecoder(1, false).decode(new Bytes().b('Z').buffer(), AT))
			.withMessage("Unknown pgoutput message type 'Z' (0x5a) at LSN 0/16B3748");
		assertThatExceptionOfType(PgOutputException.class)
			.isThrownBy(() -> new PgOutputDecoder(1, false).decode(new Bytes().b(0x01).buffer(), AT))
			.withMessage("Unknown pgoutput message type '?' (0x01) at LSN 0/16B3748");
	}

	@Test
	void emptyAndTruncatedMessagesAreClearErrors() {
		PgOutputDecoder decoder = new PgOutputDecoder(1, false);
		assertThatExceptionOfType(PgOutputException.class).isThrownBy(() -> decoder.decode(ByteBuffer.allocate(0), AT))
			.withMessage("Empty pgoutput message at LSN 0/16B3748");
		assertThatExceptionOfType(PgOutputException.class)
			.isThrownBy(() -> decoder.decode(new Bytes().b('B').i64(1).buffer(), AT))
			.withMessage("Truncated pgoutput message 'B' (0x42) at LSN 0/16B3748: needs 8 byte(s) for Int64"
					+ " at offset 9 but the message is 9 bytes long");
	}

	@Test
	void garbledTuplesAreClearErrors() {
		PgOutputDecoder decoder = new PgOutputDecoder(1, false);
		assertThatExceptionOfType(PgOutputException.class)
			.isThrownBy(() -> decoder.decode(new Bytes().b('I').i32(7).b('N').i16(1).b('x').buffer(), AT))
			.withMessageContaining("'I' (0x49) at LSN 0/16B3748")
			.withMessageContaining("unknown tuple column kind 'x' (0x78) for column 0");
		assertThatExceptionOfType(PgOutputException.class)
			.isThrownBy(() -> decoder.decode(new Bytes().b('I').i32(7).b('N').i16(1).b('t').i32(-5).buffer(), AT))
			.withMessageContaining("column 0 value length -5");
		assertThatExceptionOfType(PgOutputException.class)
			.isThrownBy(() -> decoder.decode(new Bytes().b('I').i32(7).b('X').buffer(), AT))
			.withMessageContaining("expected 'N' before the new tuple but found 'X'");
		assertThatExceptionOfType(PgOutputException.class)
			.isThrownBy(() -> decoder.decode(new Bytes().b('U').i32(7).b('Q').buffer(), AT))
			.withMessageContaining("expected tuple marker 'K', 'O' or 'N'");
		assertThatExceptionOfType(PgOutputException.class)
			.isThrownBy(() -> decoder.decode(new Bytes().b('D').i32(7).b('N').buffer(), AT))
			.withMessageContaining("expected tuple marker 'K' or 'O'");
		assertThatExceptionOfType(PgOutputException.class)
			.isThrownBy(() -> decoder.decode(new Bytes().b('O').i64(1).raw("no-nul").buffer(), AT))
			.withMessageContaining("has no terminating NUL byte");
		assertThatExceptionOfType(PgOutputException.class)
			.isThrownBy(() -> decoder.decode(new Bytes().b('T').i32(1_000_000).b(0).i32(1).buffer(), AT))
			.withMessageContaining("relation count 1000000");
	}

	@Test
	void protocolVersionIsChecked() {
		assertThatIllegalArgumentException().isThrownBy(() -> new PgOutputDecoder(5, false))
			.withMessageContaining("proto_version");
	}

	@Test
	void streamAbortOfAWholeTransaction() {
		ByteBuffer abort = new Bytes().b('A').i32(900).i32(900).buffer();
		StreamAbort decoded = (StreamAbort) new PgOutputDecoder(2, false).decode(abort, AT);
		assertThat(decoded).isEqualTo(new StreamAbort(900, 900, null, null));
		// protocol 4 without parallel streaming sends the short form too
		assertThat(new PgOutputDecoder(4, false).decode(abort, AT)).isEqualTo(decoded);
	}

	@Test
	void streamAbortWithParallelStreamingCarriesItsLsnAndTimestamp() {
		ByteBuffer abort = new Bytes().b('A').i32(900).i32(901).i64(0x16B3748L).i64(MICROS).buffer();
		StreamAbort decoded = (StreamAbort) new PgOutputDecoder(4, true).decode(abort, AT);
		assertThat(decoded).isEqualTo(new StreamAbort(900, 901, AT, WHEN));
	}

	@Test
	void dataMessagesInsideAStreamBlockStartWithTheXid() {
		PgOutputDecoder decoder = new PgOutputDecoder(2, false);
		decoder.decode(new Bytes().b('S').i32(0xFFFFFFF0).b(1).buffer(), AT);
		assertThat(decoder.inStreamBlock()).isTrue();
		long xid = 0xFFFFFFF0L;
		Type type = (Type) decoder.decode(new Bytes().b('Y').i32(0xFFFFFFF0).i32(16400).str("s").str("t").buffer(), AT);
		assertThat(type).isEqualTo(new Type(xid, 16400, "s", "t"));
		Insert insert = (Insert) decoder.decode(new Bytes().b('I').i32(0xFFFFFFF0).i32(16401).b('N').i16(2).b('t')
			.i32(2).raw("42").b('n').buffer(), AT);
		assertThat(insert.streamXid()).isEqualTo(xid);
		assertThat(insert.newTuple().text(0)).isEqualTo("42");
		Update update = (Update) decoder.decode(new Bytes().b('U').i32(0xFFFFFFF0).i32(16401).b('O').i16(1).b('u')
			.b('N').i16(1).b('b').i32(1).b(7).buffer(), AT);
		assertThat(update.streamXid()).isEqualTo(xid);
		assertThat(update.oldTuple().kind(0)).isEqualTo(TupleData.UNCHANGED_TOAST);
		assertThat(update.newTuple().bytes(0)).containsExactly(7);
		Delete delete = (Delete) decoder.decode(new Bytes().b('D').i32(0xFFFFFFF0).i32(16401).b('K').i16(1).b('n')
			.buffer(), AT);
		assertThat(delete.streamXid()).isEqualTo(xid);
		Truncate truncate = (Truncate) decoder.decode(new Bytes().b('T').i32(0xFFFFFFF0).i32(2).b(1).i32(16401)
			.i32(16402).buffer(), AT);
		assertThat(truncate.streamXid()).isEqualTo(xid);
		assertThat(truncate).isEqualTo(new Truncate(xid, Truncate.CASCADE, new int[] { 16401, 16402 }));
		assertThat(truncate).hasToString("Truncate[streamXid=4294967280, options=1, relationIds=[16401, 16402]]");
		PgOutputMessage.Message message = (PgOutputMessage.Message) decoder.decode(new Bytes().b('M').i32(0xFFFFFFF0).b(1)
			.i64(0x16B3748L).str("p").i32(2).raw("hi").buffer(), AT);
		assertThat(message).isEqualTo(new PgOutputMessage.Message(xid, 1, AT, "p", "hi".getBytes(StandardCharsets.UTF_8)));
		assertThat(message).hasToString("Message[streamXid=4294967280, flags=1, lsn=0/16B3748, prefix=p, content=2 bytes]");
		decoder.decode(new Bytes().b('E').buffer(), AT);
		assertThat(decoder.inStreamBlock()).isFalse();
		Insert after = (Insert) decoder.decode(new Bytes().b('I').i32(16401).b('N').i16(0).buffer(), AT);
		assertThat(after.streamXid()).isZero();
		assertThat(after.relationId()).isEqualTo(16401);
	}

	@Test
	void twoPhaseMessages() {
		PgOutputDecoder decoder = new PgOutputDecoder(3, false);
		LogSequenceNumber end = LogSequenceNumber.valueOf(0x16B3800L);
		assertThat(decoder.decode(new Bytes().b('b').i64(0x16B3748L).i64(0x16B3800L).i64(MICROS).i32(77).str("gid-1")
			.buffer(), AT)).isEqualTo(new BeginPrepare(AT, end, WHEN, 77, "gid-1"));
		assertThat(decoder.decode(new Bytes().b('P').b(0).i64(0x16B3748L).i64(0x16B3800L).i64(MICROS).i32(77)
			.str("gid-1").buffer(), AT)).isEqualTo(new Prepare(0, AT, end, WHEN, 77, "gid-1"));
		assertThat(decoder.decode(new Bytes().b('K').b(0).i64(0x16B3748L).i64(0x16B3800L).i64(MICROS).i32(77)
			.str("gid-1").buffer(), AT)).isEqualTo(new CommitPrepared(0, AT, end, WHEN, 77, "gid-1"));
		assertThat(decoder.decode(new Bytes().b('r').b(0).i64(0x16B3748L).i64(0x16B3800L).i64(MICROS).i64(MICROS + 1)
			.i32(77).str("gid-1").buffer(), AT))
			.isEqualTo(new RollbackPrepared(0, AT, end, WHEN, WHEN.plusNanos(1000), 77, "gid-1"));
		assertThat(decoder.decode(new Bytes().b('p').b(0).i64(0x16B3748L).i64(0x16B3800L).i64(MICROS).i32(77)
			.str("gid-1").buffer(), AT)).isEqualTo(new StreamPrepare(0, AT, end, WHEN, 77, "gid-1"));
	}

	@Test
	void readsFromTheBufferPositionOfSlicedAndDirectBuffers() {
		byte[] message = new Bytes().b('O').i64(0x16B3748L).str("upstream").bytes();
		byte[] padded = new byte[message.length + 5];
		System.arraycopy(message, 0, padded, 3, message.length);
		ByteBuffer sliced = ByteBuffer.wrap(padded, 1, padded.length - 1).slice().position(2).limit(message.length + 2);
		PgOutputMessage expected = new PgOutputMessage.Origin(AT, "upstream");
		assertThat(new PgOutputDecoder(1, false).decode(sliced, AT)).isEqualTo(expected);
		assertThat(sliced.position()).isEqualTo(2);
		ByteBuffer direct = ByteBuffer.allocateDirect(message.length).put(message).flip();
		assertThat(new PgOutputDecoder(1, false).decode(direct, AT)).isEqualTo(expected);
	}

	@Test
	void timestampsBeforeThePostgresEpochDecode() {
		PgOutputMessage begin = new PgOutputDecoder(1, false)
			.decode(new Bytes().b('B').i64(0x16B3748L).i64(-1).i32(1).buffer(), AT);
		assertThat(((PgOutputMessage.Begin) begin).commitTimestamp())
			.isEqualTo(Instant.parse("1999-12-31T23:59:59.999999Z"));
	}

	/** Big-endian message builder, as the server writes them. */
	static final class Bytes {

		private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

		private final DataOutputStream out = new DataOutputStream(this.bytes);

		Bytes b(int value) {
			return write(() -> this.out.writeByte(value));
		}

		Bytes i16(int value) {
			return write(() -> this.out.writeShort(value));
		}

		Bytes i32(int value) {
			return write(() -> this.out.writeInt(value));
		}

		Bytes i64(long value) {
			return write(() -> this.out.writeLong(value));
		}

		Bytes raw(String text) {
			return write(() -> this.out.write(text.getBytes(StandardCharsets.UTF_8)));
		}

		Bytes str(String text) {
			return raw(text).b(0);
		}

		byte[] bytes() {
			return this.bytes.toByteArray();
		}

		ByteBuffer buffer() {
			return ByteBuffer.wrap(bytes());
		}

		private Bytes write(IoAction action) {
			try {
				action.run();
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
			return this;
		}

		private interface IoAction {

			void run() throws IOException;

		}

	}

}
