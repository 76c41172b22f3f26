package io.etcdbackup.core.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdbackup.core.InvalidInputException;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RetentionPolicyTest {

  @Test
  void nullsKeepTheDefaults() {
    RetentionPolicy p = RetentionPolicy.builder().keepLast(null).keepWithin(null).keepHourly(null).keepDaily(null)
        .keepWeekly(null).keepMonthly(null).keepYearly(null).maxTotalSize(null).minKeep(null).pruneGrace(null).build();

    assertThat(p).isEqualTo(new RetentionPolicy(OptionalInt.empty(), Optional.empty(), 0, 0, 0, 0, 0,
        OptionalLong.empty(), 3, Duration.ofHours(1)));
    assertThat(p.isEmpty()).isTrue();
  }

  @Test
  void everyFlagLandsInItsComponent() {
    RetentionPolicy p = RetentionPolicy.builder().keepLast(1).keepWithin(Duration.ofDays(14)).keepHourly(24)
        .keepDaily(7).keepWeekly(4).keepMonthly(12).keepYearly(3).maxTotalSize(10L << 30).minKeep(0)
        .pruneGrace(Duration.ZERO).build();

    assertThat(p).isEqualTo(new RetentionPolicy(OptionalInt.of(1), Optional.of(Duration.ofDays(14)), 24, 7, 4, 12, 3,
        OptionalLong.of(10L << 30), 0, Duration.ZERO));
  }

  /** Each rule alone makes a policy; the floor settings alone do not. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("singleRules")
  void anyRuleMakesThePolicyNonEmpty(String flag, UnaryOperator<RetentionPolicy.Builder> rule) {
    assertThat(rule.apply(RetentionPolicy.builder()).build().isEmpty()).isFalse();
  }

  static Stream<Arguments> singleRules() {
    return Stream.of(
        Arguments.of("--keep-last", op(b -> b.keepLast(1))),
        Arguments.of("--keep-within", op(b -> b.keepWithin(Duration.ofHours(72)))),
        Arguments.of("--keep-hourly", op(b -> b.keepHourly(1))),
        Arguments.of("--keep-daily", op(b -> b.keepDaily(1))),
        Arguments.of("--keep-weekly", op(b -> b.keepWeekly(1))),
        Arguments.of("--keep-monthly", op(b -> b.keepMonthly(1))),
        Arguments.of("--keep-yearly", op(b -> b.keepYearly(1))),
        Arguments.of("--max-total-size", op(b -> b.maxTotalSize(1L))));
  }

  /**
   * The tier counts are not summed to ask whether one is set: {@code --keep-hourly 2147483647
   * --keep-daily 1} would overflow to a negative sum and read as no rule at all.
   */
  @Test
  void tierCountsAtTheirLimitStillMakeARule() {
    RetentionPolicy p = RetentionPolicy.builder().keepHourly(Integer.MAX_VALUE).keepDaily(1).build();

    assertThat(p.isEmpty()).isFalse();
    assertThat(p.hasKeepRule()).isTrue();
  }

  @Test
  void floorSettingsAloneAreNoRule() {
    assertThat(RetentionPolicy.builder().minKeep(10).pruneGrace(Duration.ofDays(1)).build().isEmpty()).isTrue();
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("invalid")
  void invalidValuesNameTheFlagTheValueAndTheRule(UnaryOperator<RetentionPolicy.Builder> bad, String message) {
    assertThatThrownBy(() -> bad.apply(RetentionPolicy.builder()).build())
        .isInstanceOf(InvalidInputException.class).hasMessage(message);
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        Arguments.of(op(b -> b.keepLast(0)), "--keep-last (0) must be at least 1"),
        Arguments.of(op(b -> b.keepLast(-2)), "--keep-last (-2) must be at least 1"),
        Arguments.of(op(b -> b.keepWithin(Duration.ZERO)), "--keep-within (PT0S) must be positive"),
        Arguments.of(op(b -> b.keepWithin(Duration.ofHours(-72))), "--keep-within (PT-72H) must be positive"),
        // A typed 0 keeps nothing: a mistake, refused like --keep-last 0.
        Arguments.of(op(b -> b.keepHourly(0)), "--keep-hourly (0) must be at least 1"),
        Arguments.of(op(b -> b.keepDaily(0)), "--keep-daily (0) must be at least 1"),
        Arguments.of(op(b -> b.keepWeekly(-1)), "--keep-weekly (-1) must be at least 1"),
        Arguments.of(op(b -> b.keepMonthly(0)), "--keep-monthly (0) must be at least 1"),
        Arguments.of(op(b -> b.keepYearly(0)), "--keep-yearly (0) must be at least 1"),
        Arguments.of(op(b -> b.maxTotalSize(0L)), "--max-total-size (0) must be at least 1 byte"),
        Arguments.of(op(b -> b.minKeep(-1)), "--min-keep (-1) must be zero or more"),
        Arguments.of(op(b -> b.pruneGrace(Duration.ofSeconds(-1))), "--prune-grace (PT-1S) must be zero or more"));
  }

  @Test
  void theRecordTakesZeroAsNotSetForTiersButRefusesNegatives() {
    assertThat(new RetentionPolicy(OptionalInt.empty(), Optional.empty(), 0, 0, 0, 0, 0, OptionalLong.empty(), 3,
        Duration.ZERO).isEmpty()).isTrue();
    assertThatThrownBy(() -> new RetentionPolicy(OptionalInt.empty(), Optional.empty(), 0, -1, 0, 0, 0,
        OptionalLong.empty(), 3, Duration.ZERO)).isInstanceOf(InvalidInputException.class)
        .hasMessage("--keep-daily (-1) must be at least 1 (0 here means not set)");
  }

  @Test
  void absentOptionalsMayBeNull() {
    RetentionPolicy p = new RetentionPolicy(null, null, 0, 0, 0, 0, 1, null, 3, Duration.ZERO);

    assertThat(p.keepLast()).isEmpty();
    assertThat(p.keepWithin()).isEmpty();
    assertThat(p.maxTotalSize()).isEmpty();
  }

  private static UnaryOperator<RetentionPolicy.Builder> op(UnaryOperator<RetentionPolicy.Builder> op) {
    return op;
  }
}
