package dev.pgcdc.pgoutput;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;

import dev.pgcdc.pgoutput.PgOutputFixtures.Frame;
import dev.pgcdc.pgoutput.PgOutputMessage.Begin;
import dev.pgcdc.pgoutput.PgOutputMessage.Commit;
import dev.pgcdc.pgoutput.PgOutputMessage.Delete;
import dev.pgcdc.pgoutput.PgOutputMessage.Insert;
import dev.pgcdc.pgoutput.PgOutputMessage.Message;
import dev.pgcdc.pgoutput.PgOutputMessage.Origin;
import dev.pgcdc.pgoutput.PgOutputMessage.Relation;
import dev.pgcdc.pgoutput.PgOutputMessage.StreamAbort;
import dev.pgcdc.pgoutput.PgOutputMessage.StreamCommit;
import dev.pgcdc.pgoutput.PgOutputMessage.StreamStart;
import dev.pgcdc.pgoutput.PgOutputMessage.StreamStop;
import dev.pgcdc.pgoutput.PgOutputMessage.Truncate;
import dev.pgcdc.pgoutput.PgOutputMessage.Type;
import dev.pgcdc.pgoutput.PgOutputMessage.Update;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.postgresql.replication.LogSequenceNumber;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Decodes the fixtures {@link FixtureCapture} captured from PostgreSQL 17 and checks what the
 * capture scripts made deterministic: names, types, key flags, tuple kinds and values, and how
 * LSNs and xids relate. Type OIDs of built-in types are stable across versions.
 */
class PgOutputDecoderTests {

	private static final int BOOL = 16, INT8 = 20, INT4 = 23, TEXT = 25, VARCHAR = 1043, TEXT_ARRAY = 1009,
			NUMERIC = 1700, TIMESTAMPTZ = 1184, UUID_OID = 2950, JSONB = 3802;

	@Test
	void primaryKeyWithDefaultIdentitySendsTheOldKeyOnlyWhenTheKeyChanges() {
		List<PgOutputMessage> messages = PgOutputFixtures.decode("pk_default", 1, false);
		assertThat(types(messages)).isEqualTo("BRIICBUCBUCBDC");
		Relation relation = (Relation) messages.get(1);
		assertThat(relation.namespace()).isEqualTo("public");
		assertThat(relation.name()).isEqualTo("customer");
		assertThat(relation.replicaIdentity()).isEqualTo('d');
		assertThat(relation.streamXid()).isZero();
		assertThat(relation.columns()).containsExactly(new Relation.Column(1, "id", INT4, -1),
				new Relation.Column(0, "name", TEXT, -1), new Relation.Column(0, "email", VARCHAR, 80 + 4),
				new Relation.Column(0, "active", BOOL, -1));
		assertThat(relation.columns().get(0).isKey()).isTrue();

		Insert ada = (Insert) messages.get(2);
		assertThat(ada.relationId()).isEqualTo(relation.relationId());
		assertThat(texts(ada.newTuple())).containsExactly("1", "Ada", "ada@example.com", "t");
		Insert grace = (Insert) messages.get(3);
		assertThat(kinds(grace.newTuple())).isEqualTo("ttnt");
		assertThat(grace.newTuple().text(2)).isNull();
		assertThat(grace.newTuple().buffer(2)).isNull();

		Update rename = (Update) messages.get(6);
		assertThat(rename.oldKind()).isEqualTo((char) 0);
		assertThat(rename.oldTuple()).isNull();
		assertThat(rename.newTuple().text(1)).isEqualTo("Ada L.");

		Update rekey = (Update) messages.get(9);
		assertThat(rekey.oldKind()).isEqualTo('K');
		assertThat(kinds(rekey.oldTuple())).isEqualTo("tnnn");
		assertThat(rekey.oldTuple().text(0)).isEqualTo("2");
		assertThat(texts(rekey.newTuple())).containsExactly("10", "Grace", null, "f");

		Delete delete = (Delete) messages.get(12);
		assertThat(delete.oldKind()).isEqualTo('K');
		assertThat(texts(delete.oldTuple())).containsExactly("10", null, null, null);
		assertTransactionsAreConsistent("pk_default", messages);
	}

	@Test
	void fullIdentitySendsTheWholeOldRow() {
		List<PgOutputMessage> messages = PgOutputFixtures.decode("pk_full", 1, false);
		assertThat(types(messages)).isEqualTo("BRICBUCBDC");
		Relation relation = (Relation) messages.get(1);
		assertThat(relation.replicaIdentity()).isEqualTo('f');
		assertThat(relation.columns()).containsExactly(new Relation.Column(1, "id", INT8, -1),
				new Relation.Column(1, "owner", TEXT, -1), new Relation.Column(1, "balance", NUMERIC, (12 << 16 | 2) + 4));
		Update update = (Update) messages.get(5);
		assertThat(update.oldKind()).isEqualTo('O');
		assertThat(texts(update.oldTuple())).containsExactly("1", "Ada", "100.50");
		assertThat(texts(update.newTuple())).containsExactly("1", "Ada", "75.25");
		Delete delete = (Delete) messages.get(8);
		assertThat(delete.oldKind()).isEqualTo('O');
		assertThat(texts(delete.oldTuple())).containsExactly("1", "Ada", "75.25");
		assertTransactionsAreConsistent("pk_full", messages);
	}

	@Test
	void tableWithoutPrimaryKeyAndFullIdentity() {
		List<PgOutputMessage> messages = PgOutputFixtures.decode("nopk_full", 1, false);
		assertThat(types(messages)).isEqualTo("BRICBUCBDC");
		Relation relation = (Relation) messages.get(1);
		assertThat(relation.name()).isEqualTo("audit_log");
		assertThat(relation.columns()).extracting(Relation.Column::name).containsExactly("at_step", "note");
		assertThat(relation.columns()).allMatch(Relation.Column::isKey);
		Update update = (Update) messages.get(5);
		assertThat(update.oldKind()).isEqualTo('O');
		assertThat(texts(update.oldTuple())).containsExactly("1", "created");
		assertThat(texts(update.newTuple())).containsExactly("1", "changed");
		assertThat(texts(((Delete) messages.get(8)).oldTuple())).containsExactly("1", "changed");
	}

	@Test
	void customTypeIsNamedByATypeMessageBeforeTheRelation() {
		List<PgOutputMessage> messages = PgOutputFixtures.decode("custom_type", 1, false);
		assertThat(types(messages)).isEqualTo("BYRIC");
		Type mood = (Type) messages.get(1);
		assertThat(mood.namespace()).isEqualTo("shop");
		assertThat(mood.name()).isEqualTo("mood");
		Relation review = (Relation) messages.get(2);
		assertThat(review.namespace()).isEqualTo("shop");
		assertThat(review.columns().get(1).typeOid()).isEqualTo(mood.typeOid());
		assertThat(review.columns().get(2).typeOid()).isEqualTo(TEXT_ARRAY);
		assertThat(texts(((Insert) messages.get(3)).newTuple())).containsExactly("1", "happy", "{fast,cheap}");
	}

	@Test
	void truncateCarriesItsOptionsAndEveryTable() {
		List<PgOutputMessage> messages = PgOutputFixtures.decode("truncate", 1, false);
		assertThat(types(messages)).isEqualTo("BRICBRICBRRTCBRTC");
		Relation parent = (Relation) messages.get(9);
		Relation child = (Relation) messages.get(10);
		assertThat(parent.name()).isEqualTo("parent");
		assertThat(child.name()).isEqualTo("child");
		Truncate cascade = (Truncate) messages.get(11);
		assertThat(cascade.options()).isEqualTo(Truncate.CASCADE | Truncate.RESTART_IDENTITY);
		assertThat(cascade.cascade()).isTrue();
		assertThat(cascade.restartIdentity()).isTrue();
		assertThat(cascade.relationIds()).containsExactly(parent.relationId(), child.relationId());
		Truncate plain = (Truncate) messages.get(15);
		assertThat(plain.options()).isZero();
		assertThat(plain.cascade()).isFalse();
		assertThat(plain.relationIds()).containsExactly(((Relation) messages.get(14)).relationId());
		assertTransactionsAreConsistent("truncate", messages);
	}

	@Test
	void logicalMessagesTransactionalOrNot() {
		List<Frame> frames = PgOutputFixtures.load("messages");
		List<PgOutputMessage> messages = PgOutputFixtures.decode("messages", 1, false);
		assertThat(types(messages)).isEqualTo("MBRIMMC");
		Message outside = (Message) messages.get(0);
		assertThat(outside.transactional()).isFalse();
		assertThat(outside.prefix()).isEqualTo("audit");
		assertThat(new String(outside.content(), StandardCharsets.UTF_8)).isEqualTo("non-transactional");
		assertThat(outside.lsn()).isEqualTo(frames.get(0).lsn());
		Message inside = (Message) messages.get(4);
		assertThat(inside.transactional()).isTrue();
		assertThat(inside.flags()).isEqualTo(1);
		assertThat(new String(inside.content(), StandardCharsets.UTF_8)).isEqualTo("transactional: ünïcödé");
		assertThat(inside.lsn()).isEqualTo(frames.get(4).lsn());
		Message binary = (Message) messages.get(5);
		assertThat(binary.prefix()).isEqualTo("bin");
		assertThat(binary.content()).containsExactly(0x00, 0xff, 0x10);
	}

	@Test
	void unchangedToastedValueIsMarkedAndNotSent() {
		List<PgOutputMessage> messages = PgOutputFixtures.decode("toast", 1, false);
		assertThat(types(messages)).isEqualTo("BRICBUC");
		TupleData inserted = ((Insert) messages.get(2)).newTuple();
		assertThat(inserted.length(2)).isEqualTo(10_000);
		assertThat(inserted.text(2)).startsWith("0123456789").hasSize(10_000);
		TupleData updated = ((Update) messages.get(5)).newTuple();
		assertThat(kinds(updated)).isEqualTo("ttu");
		assertThat(updated.kind(2)).isEqualTo(TupleData.UNCHANGED_TOAST);
		assertThat(updated.text(1)).isEqualTo("final");
		assertThat(updated.text(2)).isNull();
		assertThat(updated.bytes(2)).isNull();
		assertThat(updated.length(2)).isEqualTo(-1);
	}

	@Test
	void binaryModeSendsValuesInTheirBinaryFormat() {
		List<PgOutputMessage> messages = PgOutputFixtures.decode("binary", 2, false);
		assertThat(types(messages)).isEqualTo("BRICBUCBDC");
		Relation sample = (Relation) messages.get(1);
		assertThat(sample.columns()).extracting(Relation.Column::typeOid)
			.containsExactly(INT4, INT8, TEXT, BOOL, TIMESTAMPTZ, NUMERIC, UUID_OID, JSONB, 17, 701, TEXT);
		TupleData row = ((Insert) messages.get(2)).newTuple();
		assertThat(kinds(row)).isEqualTo("bbbbbbbbbbn");
		assertThat(row.buffer(0).getInt()).isEqualTo(1);
		assertThat(row.buffer(1).getLong()).isEqualTo(9_000_000_000L);
		assertThat(row.text(2)).isEqualTo("héllo");
		assertThat(row.bytes(3)).containsExactly(1);
		long micros = row.buffer(4).getLong();
		assertThat(Instant.parse("2000-01-01T00:00:00Z").plusNanos(micros * 1000))
			.isEqualTo(Instant.parse("2024-05-01T12:34:56.789Z"));
		ByteBuffer uuid = row.buffer(6);
		assertThat(new UUID(uuid.getLong(), uuid.getLong()))
			.isEqualTo(UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
		assertThat(row.bytes(7)[0]).as("jsonb binary version").isEqualTo((byte) 1);
		assertThat(row.bytes(8)).containsExactly(0xde, 0xad, 0xbe, 0xef);
		assertThat(row.buffer(9).getDouble()).isEqualTo(0.25);
		assertThat(row.buffer(9).isReadOnly()).isTrue();
		assertThat(((Update) messages.get(5)).newTuple().bytes(3)).containsExactly(0);
		Delete delete = (Delete) messages.get(8);
		assertThat(kinds(delete.oldTuple())).isEqualTo("bnnnnnnnnnn");
	}

	@Test
	void streamedTransactionCarriesItsXidInsideStreamBlocks() {
		PgOutputDecoder decoder = new PgOutputDecoder(2, false);
		List<Frame> frames = PgOutputFixtures.load("streaming");
		List<PgOutputMessage> all = frames.stream().map((frame) -> decoder.decode(frame.buffer(), frame.lsn()))
			.collect(Collectors.toList());
		assertThat(decoder.inStreamBlock()).isFalse();
		// a committed transaction with a rolled back savepoint, then one read while open and rolled back
		assertThat(types(all)).matches("SRI+EASMEcSRI+ESEA");
		int commitAt = types(all).indexOf('c');
		List<PgOutputMessage> messages = all.subList(0, commitAt + 1);
		StreamStart first = (StreamStart) messages.get(0);
		assertThat(first.firstSegment()).isTrue();
		long xid = first.xid();
		assertThat(((Relation) messages.get(1)).streamXid()).isEqualTo(xid);
		assertThat(((Relation) messages.get(1)).name()).isEqualTo("bulk");
		StreamAbort subAbort = (StreamAbort) messages.get(messages.size() - 5);
		assertThat(subAbort.xid()).isEqualTo(xid);
		assertThat(subAbort.subXid()).isNotEqualTo(xid);
		assertThat(subAbort.abortLsn()).isNull();
		assertThat(subAbort.abortTimestamp()).isNull();
		List<Insert> inserts = messages.stream().filter(Insert.class::isInstance).map(Insert.class::cast)
			.collect(Collectors.toList());
		assertThat(inserts).hasSizeGreaterThan(450);
		for (Insert insert : inserts) {
			String payload = insert.newTuple().text(1);
			// rows of the rolled back savepoint carry the subtransaction's xid
			assertThat(insert.streamXid()).as(payload).isEqualTo(payload.equals("x") ? xid : subAbort.subXid());
		}
		assertThat(inserts.get(0).newTuple().text(0)).isEqualTo("1");
		StreamStart last = (StreamStart) messages.get(messages.size() - 4);
		assertThat(last.xid()).isEqualTo(xid);
		assertThat(last.firstSegment()).isFalse();
		Message message = (Message) messages.get(messages.size() - 3);
		assertThat(message.streamXid()).isEqualTo(xid);
		assertThat(message.prefix()).isEqualTo("stream");
		assertThat(messages.get(messages.size() - 2)).isInstanceOf(StreamStop.class);
		StreamCommit commit = (StreamCommit) messages.get(messages.size() - 1);
		assertThat(commit.xid()).isEqualTo(xid);
		assertThat(commit.flags()).isZero();
		assertThat(commit.endLsn()).isEqualTo(frames.get(commitAt).lsn());
		assertThat(commit.commitLsn().asLong()).isLessThan(commit.endLsn().asLong());

		List<PgOutputMessage> aborted = all.subList(commitAt + 1, all.size());
		long abortedXid = ((StreamStart) aborted.get(0)).xid();
		assertThat(abortedXid).isNotEqualTo(xid);
		assertThat(aborted).filteredOn(Insert.class::isInstance)
			.allSatisfy((insert) -> assertThat(((Insert) insert).streamXid()).isEqualTo(abortedXid));
		// read again after the rollback, the server restarts the (empty) stream before aborting it
		StreamStart restarted = (StreamStart) aborted.get(aborted.size() - 3);
		assertThat(restarted.xid()).isEqualTo(abortedXid);
		assertThat(restarted.firstSegment()).isTrue();
		StreamAbort abort = (StreamAbort) aborted.get(aborted.size() - 1);
		assertThat(abort).isEqualTo(new StreamAbort(abortedXid, abortedXid, null, null));
	}

	@Test
	void parallelStreamingAbortCarriesItsLsnAndTimestamp() {
		List<Frame> frames = PgOutputFixtures.load("parallel");
		List<PgOutputMessage> messages = PgOutputFixtures.decode("parallel", 4, true);
		assertThat(types(messages)).matches("SRI+ESEA");
		long xid = ((StreamStart) messages.get(0)).xid();
		assertThat(((Insert) messages.get(2)).newTuple().text(1)).isEqualTo("p");
		StreamAbort abort = (StreamAbort) messages.get(messages.size() - 1);
		assertThat(abort.xid()).isEqualTo(xid);
		assertThat(abort.subXid()).isEqualTo(xid);
		assertThat(abort.abortLsn()).isEqualTo(frames.get(frames.size() - 1).lsn());
		assertThat(abort.abortTimestamp()).isAfter(Instant.parse("2024-01-01T00:00:00Z"));
		// read without parallel streaming, the abort LSN and timestamp would be left unread
		StreamAbort shortForm = (StreamAbort) new PgOutputDecoder(4, false)
			.decode(frames.get(frames.size() - 1).buffer(), abort.abortLsn());
		assertThat(shortForm.abortLsn()).isNull();
	}

	@Test
	void originNamesTheUpstreamAndItsCommitLsn() {
		List<PgOutputMessage> messages = PgOutputFixtures.decode("origin", 1, false);
		assertThat(types(messages)).isEqualTo("BORIC");
		Origin origin = (Origin) messages.get(1);
		assertThat(origin.name()).isEqualTo("upstream");
		assertThat(origin.commitLsn()).isEqualTo(LogSequenceNumber.valueOf("0/ABCDEF"));
		// pg_replication_origin_xact_setup also sets the timestamp the transaction reports
		assertThat(((Begin) messages.get(0)).commitTimestamp()).isEqualTo(Instant.parse("2024-01-02T03:04:05Z"));
	}

	@ParameterizedTest
	@ValueSource(strings = { "pk_default", "pk_full", "nopk_full", "custom_type", "truncate", "messages", "toast",
			"binary", "streaming", "parallel", "origin" })
	void everyCutShortMessageIsAPgOutputException(String fixture) {
		PgOutputDecoder decoder = fixture.equals("parallel") ? new PgOutputDecoder(4, true)
				: new PgOutputDecoder(2, false);
		for (Frame frame : PgOutputFixtures.load(fixture)) {
			byte[] bytes = frame.bytes();
			for (int length = 0; length < bytes.length; length++) {
				ByteBuffer prefix = ByteBuffer.wrap(bytes, 0, length);
				assertThatExceptionOfType(PgOutputException.class).as("%s cut to %d bytes", frame.type(), length)
					.isThrownBy(() -> decoder.decode(prefix, frame.lsn()))
					.withMessageContaining("at LSN " + frame.lsn().asString());
			}
			decoder.decode(frame.buffer(), frame.lsn());
		}
	}

	private static void assertTransactionsAreConsistent(String fixture, List<PgOutputMessage> messages) {
		List<Frame> frames = PgOutputFixtures.load(fixture);
		Begin begin = null;
		for (int i = 0; i < messages.size(); i++) {
			if (messages.get(i) instanceof Begin) {
				begin = (Begin) messages.get(i);
				assertThat(begin.xid()).isPositive();
			}
			else if (messages.get(i) instanceof Commit) {
				Commit commit = (Commit) messages.get(i);
				assertThat(begin).isNotNull();
				assertThat(commit.flags()).isZero();
				assertThat(commit.commitLsn()).isEqualTo(begin.finalLsn());
				assertThat(commit.endLsn()).isEqualTo(frames.get(i).lsn());
				assertThat(commit.commitTimestamp()).isEqualTo(begin.commitTimestamp());
				assertThat(commit.commitTimestamp()).isAfter(Instant.parse("2024-01-01T00:00:00Z"));
			}
		}
	}

	static String types(List<PgOutputMessage> messages) {
		StringBuilder types = new StringBuilder();
		for (PgOutputMessage message : messages) {
			types.append(typeOf(message));
		}
		return types.toString();
	}

	private static char typeOf(PgOutputMessage message) {
		String name = message.getClass().getSimpleName();
		switch (name) {
			case "Relation":
				return 'R';
			case "Type":
				return 'Y';
			case "StreamStart":
				return 'S';
			case "StreamStop":
				return 'E';
			case "StreamCommit":
				return 'c';
			case "StreamAbort":
				return 'A';
			default:
				return name.charAt(0);
		}
	}

	private static String kinds(TupleData tuple) {
		StringBuilder kinds = new StringBuilder();
		for (int i = 0; i < tuple.size(); i++) {
			kinds.append((char) tuple.kind(i));
		}
		return kinds.toString();
	}

	private static String[] texts(TupleData tuple) {
		String[] texts = new String[tuple.size()];
		for (int i = 0; i < tuple.size(); i++) {
			texts[i] = tuple.text(i);
		}
		return texts;
	}

}
