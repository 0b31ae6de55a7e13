package dev.pgcdc.live;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LongKeyTableTests {

	@Test
	void randomChangesLeaveWhatAMapLeaves() {
		LongKeyTable table = new LongKeyTable();
		Map<Long, Object> expected = new HashMap<>();
		Random random = new Random(42);
		for (int i = 0; i < 200_000; i++) {
			// phases of growth and of removal, so the table grows, fills with removed slots and shrinks
			boolean growing = (i / 20_000) % 2 == 0;
			long key = random.nextInt(30_000) - 10_000L;
			boolean remove = random.nextInt(10) < (growing ? 2 : 8);
			Object value = remove ? null : "v" + i;
			table.compute(key, (current) -> value);
			if (value == null) {
				expected.remove(key);
			}
			else {
				expected.put(key, value);
			}
		}
		assertThat(table.size()).isEqualTo(expected.size());
		for (long key = -10_000; key < 20_000; key++) {
			assertThat(table.get(key)).as("key %d", key).isEqualTo(expected.get(key));
		}
		assertThat(table.get(Long.MIN_VALUE)).isNull();
		assertThat(table.get(Long.MAX_VALUE)).isNull();
	}

	@Test
	void computeSeesTheCurrentValueAndNullRemoves() {
		LongKeyTable table = new LongKeyTable();
		table.compute(7, (current) -> {
			assertThat(current).isNull();
			return "a";
		});
		table.compute(7, (current) -> current + "b");
		assertThat(table.get(7)).isEqualTo("ab");
		table.compute(7, (current) -> null);
		assertThat(table.get(7)).isNull();
		assertThat(table.size()).isZero();
		// a removed key comes back in its old slot
		table.compute(7, (current) -> {
			assertThat(current).isNull();
			return "c";
		});
		assertThat(table.get(7)).isEqualTo("c");
		assertThat(table.size()).isOne();
	}

	@Test
	void aReaderAlwaysFindsTheKeysThatStayWhileOthersComeAndGo() throws Exception {
		LongKeyTable table = new LongKeyTable();
		for (long key = 0; key < 1000; key++) {
			long stays = key;
			table.compute(stays * 1000, (current) -> "stays " + stays);
		}
		AtomicBoolean writing = new AtomicBoolean(true);
		CompletableFuture<Long> reader = CompletableFuture.supplyAsync(() -> {
			long lookUps = 0;
			Random random = new Random(7);
			// until the writer is done, and at least a pass over every key
			while (writing.get() || lookUps < 1000) {
				long stays = random.nextInt(1000);
				Object value = table.get(stays * 1000);
				if (!("stays " + stays).equals(value)) {
					throw new AssertionError("key " + stays * 1000 + " read as " + value);
				}
				lookUps++;
			}
			return lookUps;
		});
		try {
			Random random = new Random(11);
			long[] others = new long[50_000];
			for (int round = 0; round < 20; round++) {
				// 50,000 others in (the table grows), then out again (it shrinks)
				for (int i = 0; i < others.length; i++) {
					others[i] = i * 1000L + 1 + random.nextInt(999);
					table.compute(others[i], (current) -> "other");
				}
				for (long other : others) {
					table.compute(other, (current) -> null);
				}
			}
		}
		finally {
			writing.set(false);
		}
		assertThat(reader.get(1, TimeUnit.MINUTES)).isPositive();
		assertThat(table.size()).isEqualTo(1000);
	}

}
