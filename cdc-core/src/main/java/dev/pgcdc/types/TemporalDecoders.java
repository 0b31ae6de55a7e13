package dev.pgcdc.types;

import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.function.Function;

/**
 * Text decoders for {@code date}, {@code time}, {@code timetz}, {@code timestamp} and
 * {@code timestamptz} as printed with {@code DateStyle = ISO} (what pgjdbc sets on every
 * connection, the replication connection included).
 * <p>
 * Like pgjdbc: {@code infinity} / {@code -infinity} become the {@code MAX} / {@code MIN} of the
 * Java type, {@code 24:00:00} becomes {@link LocalTime#MAX}, BC years become proleptic years
 * ({@code 0044-03-15 BC} is year {@code -43}), and years past 9999 are kept.
 * {@code timestamptz} is returned at {@link ZoneOffset#UTC} whatever the session time zone.
 */
final class TemporalDecoders {

	private static final byte[] INFINITY = "infinity".getBytes(StandardCharsets.US_ASCII);

	private static final byte[] MINUS_INFINITY = "-infinity".getBytes(StandardCharsets.US_ASCII);

	/** {@code date} to {@link LocalDate}. */
	static final TextDecoder DATE = parsing(TemporalDecoders::date);

	/** {@code time} to {@link LocalTime}. */
	static final TextDecoder TIME = parsing(TemporalDecoders::time);

	/** {@code timetz} to {@link OffsetTime}. */
	static final TextDecoder TIMETZ = parsing(TemporalDecoders::timetz);

	/** {@code timestamp} to {@link LocalDateTime}. */
	static final TextDecoder TIMESTAMP = parsing(TemporalDecoders::timestamp);

	/** {@code timestamptz} to {@link OffsetDateTime} in UTC. */
	static final TextDecoder TIMESTAMPTZ = parsing(TemporalDecoders::timestamptz);

	private TemporalDecoders() {
	}

	/** A decoder that parses the message bytes in place (the String form is for array elements). */
	private static TextDecoder parsing(Function<Cursor, Object> parser) {
		return new TextDecoder() {
			@Override
			public Object decode(String text) {
				byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
				return parser.apply(new Cursor(bytes, 0, bytes.length));
			}

			@Override
			public Object decode(byte[] data, int offset, int length) {
				return parser.apply(new Cursor(data, offset, offset + length));
			}
		};
	}

	private static Object date(Cursor cursor) {
		if (cursor.is(INFINITY)) {
			return LocalDate.MAX;
		}
		if (cursor.is(MINUS_INFINITY)) {
			return LocalDate.MIN;
		}
		LocalDate date = cursor.date();
		return cursor.bc() ? bc(date) : date;
	}

	private static Object time(Cursor cursor) {
		LocalTime time = cursor.time();
		cursor.end();
		return time;
	}

	private static Object timetz(Cursor cursor) {
		LocalTime time = cursor.time();
		ZoneOffset offset = cursor.offset();
		cursor.end();
		return OffsetTime.of(time, offset);
	}

	private static Object timestamp(Cursor cursor) {
		if (cursor.is(INFINITY)) {
			return LocalDateTime.MAX;
		}
		if (cursor.is(MINUS_INFINITY)) {
			return LocalDateTime.MIN;
		}
		LocalDate date = cursor.date();
		cursor.expect(' ');
		LocalTime time = cursor.time();
		return LocalDateTime.of(cursor.bc() ? bc(date) : date, time);
	}

	private static Object timestamptz(Cursor cursor) {
		if (cursor.is(INFINITY)) {
			return OffsetDateTime.MAX;
		}
		if (cursor.is(MINUS_INFINITY)) {
			return OffsetDateTime.MIN;
		}
		LocalDate date = cursor.date();
		cursor.expect(' ');
		LocalTime time = cursor.time();
		ZoneOffset offset = cursor.offset();
		if (cursor.bc()) {
			date = bc(date);
		}
		OffsetDateTime value = OffsetDateTime.of(date, time, offset);
		return (offset == ZoneOffset.UTC) ? value : value.withOffsetSameInstant(ZoneOffset.UTC);
	}

	private static LocalDate bc(LocalDate date) {
		// PostgreSQL has no year 0: 1 BC is proleptic year 0
		return date.withYear(1 - date.getYear());
	}

	/** A read position in the bytes of a date/time text; fails naming the position, not the text. */
	private static final class Cursor {

		private final byte[] data;

		private final int start;

		private final int end;

		private int position;

		Cursor(byte[] data, int start, int end) {
			this.data = data;
			this.start = start;
			this.end = end;
			this.position = start;
		}

		boolean is(byte[] literal) {
			return Arrays.equals(this.data, this.start, this.end, literal, 0, literal.length);
		}

		LocalDate date() {
			int year = number(4, 9);
			expect('-');
			int month = number(2, 2);
			expect('-');
			int day = number(2, 2);
			return LocalDate.of(year, month, day);
		}

		LocalTime time() {
			int hour = number(2, 2);
			expect(':');
			int minute = number(2, 2);
			expect(':');
			int second = number(2, 2);
			int nanos = 0;
			if (peek() == '.') {
				this.position++;
				int fractionStart = this.position;
				nanos = number(1, 9);
				for (int digits = this.position - fractionStart; digits < 9; digits++) {
					nanos *= 10;
				}
			}
			if (hour == 24) {
				// 24:00:00 is a valid PostgreSQL time; pgjdbc maps it to the last nanosecond of the day
				return LocalTime.MAX;
			}
			return LocalTime.of(hour, minute, second, nanos);
		}

		ZoneOffset offset() {
			char sign = peek();
			if (sign != '+' && sign != '-') {
				throw invalid();
			}
			this.position++;
			int hours = number(2, 2);
			int minutes = 0;
			int seconds = 0;
			if (peek() == ':') {
				this.position++;
				minutes = number(2, 2);
				if (peek() == ':') {
					this.position++;
					seconds = number(2, 2);
				}
			}
			int total = hours * 3600 + minutes * 60 + seconds;
			return (total == 0) ? ZoneOffset.UTC : ZoneOffset.ofTotalSeconds((sign == '-') ? -total : total);
		}

		boolean bc() {
			if (this.end - this.position == 3 && this.data[this.position] == ' ' && this.data[this.position + 1] == 'B'
					&& this.data[this.position + 2] == 'C') {
				this.position += 3;
				return true;
			}
			end();
			return false;
		}

		void end() {
			if (this.position != this.end) {
				throw invalid();
			}
		}

		void expect(char expected) {
			if (peek() != expected) {
				throw invalid();
			}
			this.position++;
		}

		private char peek() {
			return (this.position < this.end) ? (char) this.data[this.position] : 0;
		}

		private int number(int minDigits, int maxDigits) {
			int first = this.position;
			int value = 0;
			while (this.position < this.end && this.position - first < maxDigits) {
				int digit = this.data[this.position] - '0';
				if (digit < 0 || digit > 9) {
					break;
				}
				value = value * 10 + digit;
				this.position++;
			}
			if (this.position - first < minDigits) {
				throw invalid();
			}
			return value;
		}

		private InvalidValueException invalid() {
			return new InvalidValueException("Unexpected date/time text at position " + (this.position - this.start)
					+ " of " + (this.end - this.start) + " bytes (DateStyle must be ISO)");
		}

	}

}
