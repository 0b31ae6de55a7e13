package dev.pgcdc.types;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;

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

	/** {@code date} to {@link LocalDate}. */
	static final TextDecoder DATE = TemporalDecoders::date;

	/** {@code time} to {@link LocalTime}. */
	static final TextDecoder TIME = TemporalDecoders::time;

	/** {@code timetz} to {@link OffsetTime}. */
	static final TextDecoder TIMETZ = TemporalDecoders::timetz;

	/** {@code timestamp} to {@link LocalDateTime}. */
	static final TextDecoder TIMESTAMP = TemporalDecoders::timestamp;

	/** {@code timestamptz} to {@link OffsetDateTime} in UTC. */
	static final TextDecoder TIMESTAMPTZ = TemporalDecoders::timestamptz;

	private TemporalDecoders() {
	}

	static Object date(String text) {
		if (text.equals("infinity")) {
			return LocalDate.MAX;
		}
		if (text.equals("-infinity")) {
			return LocalDate.MIN;
		}
		Cursor cursor = new Cursor(text);
		LocalDate date = cursor.date();
		return cursor.bc() ? bc(date) : date;
	}

	static Object time(String text) {
		Cursor cursor = new Cursor(text);
		LocalTime time = cursor.time();
		cursor.end();
		return time;
	}

	static Object timetz(String text) {
		Cursor cursor = new Cursor(text);
		LocalTime time = cursor.time();
		ZoneOffset offset = cursor.offset();
		cursor.end();
		return OffsetTime.of(time, offset);
	}

	static Object timestamp(String text) {
		if (text.equals("infinity")) {
			return LocalDateTime.MAX;
		}
		if (text.equals("-infinity")) {
			return LocalDateTime.MIN;
		}
		Cursor cursor = new Cursor(text);
		LocalDate date = cursor.date();
		cursor.expect(' ');
		LocalTime time = cursor.time();
		return LocalDateTime.of(cursor.bc() ? bc(date) : date, time);
	}

	static Object timestamptz(String text) {
		if (text.equals("infinity")) {
			return OffsetDateTime.MAX;
		}
		if (text.equals("-infinity")) {
			return OffsetDateTime.MIN;
		}
		Cursor cursor = new Cursor(text);
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

	/** A read position in a date/time text; fails with the whole text in the message. */
	private static final class Cursor {

		private final String text;

		private int position;

		Cursor(String text) {
			this.text = text;
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
				int start = this.position;
				nanos = number(1, 9);
				for (int digits = this.position - start; digits < 9; digits++) {
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
			if (this.text.startsWith(" BC", this.position)) {
				this.position += 3;
				end();
				return true;
			}
			end();
			return false;
		}

		void end() {
			if (this.position != this.text.length()) {
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
			return (this.position < this.text.length()) ? this.text.charAt(this.position) : 0;
		}

		private int number(int minDigits, int maxDigits) {
			int start = this.position;
			int value = 0;
			while (this.position < this.text.length() && this.position - start < maxDigits) {
				int digit = this.text.charAt(this.position) - '0';
				if (digit < 0 || digit > 9) {
					break;
				}
				value = value * 10 + digit;
				this.position++;
			}
			if (this.position - start < minDigits) {
				throw invalid();
			}
			return value;
		}

		private IllegalArgumentException invalid() {
			return new IllegalArgumentException(
					"Unexpected date/time text '" + this.text + "' at position " + this.position
							+ " (DateStyle must be ISO)");
		}

	}

}
