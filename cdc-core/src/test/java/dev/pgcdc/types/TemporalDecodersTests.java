package dev.pgcdc.types;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class TemporalDecodersTests {

	@Test
	void datesIncludingBcLargeYearsAndInfinity() {
		assertThat(TemporalDecoders.DATE.decode("2024-02-29")).isEqualTo(LocalDate.of(2024, 2, 29));
		assertThat(TemporalDecoders.DATE.decode("0044-03-15 BC")).isEqualTo(LocalDate.of(-43, 3, 15));
		assertThat(TemporalDecoders.DATE.decode("0001-01-01 BC")).isEqualTo(LocalDate.of(0, 1, 1));
		assertThat(TemporalDecoders.DATE.decode("10000-01-01")).isEqualTo(LocalDate.of(10000, 1, 1));
		assertThat(TemporalDecoders.DATE.decode("infinity")).isEqualTo(LocalDate.MAX);
		assertThat(TemporalDecoders.DATE.decode("-infinity")).isEqualTo(LocalDate.MIN);
	}

	@Test
	void timesWithAnyNumberOfFractionDigitsAnd2400() {
		assertThat(TemporalDecoders.TIME.decode("13:14:15")).isEqualTo(LocalTime.of(13, 14, 15));
		assertThat(TemporalDecoders.TIME.decode("13:14:15.5")).isEqualTo(LocalTime.of(13, 14, 15, 500_000_000));
		assertThat(TemporalDecoders.TIME.decode("00:00:00.000001")).isEqualTo(LocalTime.of(0, 0, 0, 1000));
		assertThat(TemporalDecoders.TIME.decode("24:00:00")).isEqualTo(LocalTime.MAX);
		assertThat(TemporalDecoders.TIMETZ.decode("13:14:15.5+05:30"))
			.isEqualTo(OffsetTime.of(13, 14, 15, 500_000_000, ZoneOffset.ofHoursMinutes(5, 30)));
		assertThat(TemporalDecoders.TIMETZ.decode("00:00:00-08")).isEqualTo(OffsetTime.of(0, 0, 0, 0, ZoneOffset.ofHours(-8)));
	}

	@Test
	void timestampsIncludingBcInfinityAndFarFuture() {
		assertThat(TemporalDecoders.TIMESTAMP.decode("1969-12-31 23:59:59.999999"))
			.isEqualTo(LocalDateTime.of(1969, 12, 31, 23, 59, 59, 999_999_000));
		assertThat(TemporalDecoders.TIMESTAMP.decode("0001-01-01 00:00:00 BC")).isEqualTo(LocalDateTime.of(0, 1, 1, 0, 0));
		assertThat(TemporalDecoders.TIMESTAMP.decode("294276-12-31 23:59:59"))
			.isEqualTo(LocalDateTime.of(294276, 12, 31, 23, 59, 59));
		assertThat(TemporalDecoders.TIMESTAMP.decode("infinity")).isEqualTo(LocalDateTime.MAX);
		assertThat(TemporalDecoders.TIMESTAMP.decode("-infinity")).isEqualTo(LocalDateTime.MIN);
	}

	@Test
	void timestamptzIsNormalisedToUtcWhateverTheSessionOffset() {
		assertThat(TemporalDecoders.TIMESTAMPTZ.decode("2024-02-29 13:14:15.123456+02"))
			.isEqualTo(OffsetDateTime.of(2024, 2, 29, 11, 14, 15, 123_456_000, ZoneOffset.UTC));
		// Amsterdam local mean time before 1937: an offset with seconds
		assertThat(TemporalDecoders.TIMESTAMPTZ.decode("1900-01-01 00:19:32+00:19:32"))
			.isEqualTo(OffsetDateTime.of(1900, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC));
		assertThat(TemporalDecoders.TIMESTAMPTZ.decode("0100-03-01 12:00:00+00 BC"))
			.isEqualTo(OffsetDateTime.of(-99, 3, 1, 12, 0, 0, 0, ZoneOffset.UTC));
		assertThat(TemporalDecoders.TIMESTAMPTZ.decode("infinity")).isEqualTo(OffsetDateTime.MAX);
		assertThat(TemporalDecoders.TIMESTAMPTZ.decode("-infinity")).isEqualTo(OffsetDateTime.MIN);
	}

	@Test
	void nonIsoTextFailsNamingDateStyleAndThePositionButNotTheText() {
		assertThatIllegalArgumentException().isThrownBy(() -> TemporalDecoders.DATE.decode("02/29/2024"))
			.withMessageContaining("position 2")
			.withMessageContaining("DateStyle")
			.withMessageNotContaining("02/29/2024");
		assertThatIllegalArgumentException().isThrownBy(() -> TemporalDecoders.TIMESTAMP.decode("2024-02-29 13:14:15x"));
		assertThatIllegalArgumentException().isThrownBy(() -> TemporalDecoders.TIMESTAMPTZ.decode("2024-02-29 13:14:15"));
	}

}
