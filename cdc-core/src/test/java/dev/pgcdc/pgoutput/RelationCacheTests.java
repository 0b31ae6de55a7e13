package dev.pgcdc.pgoutput;

import java.util.List;

import dev.pgcdc.pgoutput.PgOutputMessage.Relation;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class RelationCacheTests {

	private final RelationCache cache = new RelationCache();

	@Test
	void keepsTheLatestRelationPerId() {
		Relation first = relation(16400, "orders");
		Relation other = relation(16401, "customers");
		Relation altered = relation(16400, "orders_v2");
		this.cache.put(first);
		this.cache.put(other);
		assertThat(this.cache.get(16400)).isSameAs(first);
		assertThat(this.cache.get(16401)).isSameAs(other);
		this.cache.put(altered);
		assertThat(this.cache.get(16401)).isSameAs(other);
		assertThat(this.cache.get(16400)).isSameAs(altered);
		assertThat(this.cache.size()).isEqualTo(2);
		assertThat(this.cache.contains(16401)).isTrue();
	}

	@Test
	void unknownIdNamesTheId() {
		this.cache.put(relation(16400, "orders"));
		this.cache.clear();
		assertThat(this.cache.contains(16400)).isFalse();
		assertThatExceptionOfType(PgOutputException.class).isThrownBy(() -> this.cache.get(16400))
			.withMessageStartingWith("no Relation message seen for relation id 16400");
	}

	@Test
	void holdsRelationsOfACapturedSession() {
		for (PgOutputMessage message : PgOutputFixtures.decode("truncate", 1, false)) {
			if (message instanceof Relation) {
				this.cache.put((Relation) message);
			}
			else if (message instanceof PgOutputMessage.Insert) {
				assertThat(this.cache.get(((PgOutputMessage.Insert) message).relationId()).name()).isIn("parent", "child");
			}
		}
		assertThat(this.cache.size()).isEqualTo(3);
	}

	private static Relation relation(int id, String name) {
		return new Relation(0, id, "public", name, 'd', List.of(new Relation.Column(1, "id", 23, -1)));
	}

}
