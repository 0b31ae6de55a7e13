package dev.pgcdc.event;

/**
 * The text of {@link ChangeEvent#position()}: the transaction's commit LSN as 16 hexadecimal
 * digits, a slash, and the event's index within its transaction as 8 hexadecimal digits, for
 * example {@code 00000000016B3748/00000002}. Fixed width and upper case, so plain
 * {@link String#compareTo} (and a database's text ordering under the C collation, or any
 * collation for these characters) sorts positions in delivery order: commit order, then
 * order within the transaction. The same event has the same position when it is delivered
 * again, because the server sends a transaction again from its beginning, in the same order.
 */
public final class EventPosition {

	private static final char[] DIGITS = "0123456789ABCDEF".toCharArray();

	/** Length of the commit LSN part including the slash. */
	private static final int PREFIX_LENGTH = 17;

	/** Length of a position. */
	public static final int LENGTH = PREFIX_LENGTH + 8;

	private EventPosition() {
	}

	/**
	 * @param commitLsn the transaction's commit LSN
	 * @param index the event's index within its transaction, from 0
	 * @return the position
	 */
	public static String of(long commitLsn, int index) {
		return of(prefix(commitLsn), index);
	}

	/**
	 * The part shared by every event of one transaction, for {@link #of(char[], int)}.
	 * @param commitLsn the transaction's commit LSN
	 * @return the commit LSN part (do not modify)
	 */
	public static char[] prefix(long commitLsn) {
		char[] prefix = new char[PREFIX_LENGTH];
		hex(commitLsn, prefix, 0, 16);
		prefix[16] = '/';
		return prefix;
	}

	/**
	 * @param prefix from {@link #prefix(long)}
	 * @param index the event's index within its transaction, from 0
	 * @return the position
	 */
	public static String of(char[] prefix, int index) {
		if (index < 0) {
			throw new IllegalArgumentException("Negative event index " + index);
		}
		char[] text = new char[LENGTH];
		System.arraycopy(prefix, 0, text, 0, PREFIX_LENGTH);
		hex(index, text, PREFIX_LENGTH, 8);
		return new String(text);
	}

	/**
	 * @param position a position made by this class
	 * @return the commit LSN it names
	 * @throws IllegalArgumentException if it is not a position
	 */
	public static long commitLsn(String position) {
		check(position);
		return Long.parseUnsignedLong(position, 0, 16, 16);
	}

	/**
	 * @param position a position made by this class
	 * @return the event's index within its transaction
	 * @throws IllegalArgumentException if it is not a position
	 */
	public static int index(String position) {
		check(position);
		return Integer.parseUnsignedInt(position, PREFIX_LENGTH, LENGTH, 16);
	}

	private static void check(String position) {
		if (position.length() != LENGTH || position.charAt(16) != '/') {
			throw new IllegalArgumentException("Not an event position: '" + position + "'");
		}
	}

	private static void hex(long value, char[] into, int offset, int digits) {
		for (int i = digits - 1; i >= 0; i--) {
			into[offset + i] = DIGITS[(int) (value & 0xF)];
			value >>>= 4;
		}
	}

}
