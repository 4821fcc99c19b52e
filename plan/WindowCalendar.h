// Deployment windows (docs/plan-format.md, "Windows"), shared by pipec's static
// analysis and piperun's stage gates, so both agree on when a stage may start.
// Free of runtime types: a plain spec in, answers about instants (unix seconds) out.
#pragma once

#include <llvm/Support/Error.h>
#include <llvm/Support/JSON.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pipelang::planformat {

struct TimeOfDayRange {
  int fromMinute = 0;  // minutes after local midnight, inclusive
  int toMinute = 0;    // exclusive
  bool operator==(const TimeOfDayRange&) const = default;
};

struct DateRange {
  int from = 0;  // yyyymmdd, inclusive
  int to = 0;    // yyyymmdd, inclusive
  bool operator==(const DateRange&) const = default;
};

// A rule matches when every part that is present matches.
struct WindowRule {
  std::string name;
  std::optional<std::vector<int>> days;  // 0 = sunday ... 6 = saturday
  std::optional<TimeOfDayRange> hours;
  std::optional<std::vector<DateRange>> dates;
  bool operator==(const WindowRule&) const = default;
};

struct WindowSpec {
  std::string timezone = "UTC";
  std::vector<WindowRule> allow;  // empty: every time is allowed
  std::vector<WindowRule> deny;
  double offHoursBake = 1.0;
  bool operator==(const WindowSpec&) const = default;
};

// A civil time in the calendar's zone.
struct LocalTime {
  int year = 1970, month = 1, day = 1;  // month 1..12
  int hour = 0, minute = 0, second = 0;
  int weekday = 4;  // 0 = sunday
};

// Builds the spec from the plan's "windows" object (not null).
llvm::Expected<WindowSpec> windowSpecFromJson(const llvm::json::Value& windows);

class WindowCalendar {
 public:
  explicit WindowCalendar(WindowSpec spec);

  const WindowSpec& spec() const { return spec_; }

  // Holds the calendar's zone for a batch of queries on this thread (e.g. a
  // whole schedule walk), so each query need not switch the zone in and out.
  class Scope {
   public:
    explicit Scope(const WindowCalendar& calendar);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    struct Guard;
    std::unique_ptr<Guard> guard_;
  };

  // Some allow matches and no deny does.
  bool allowsStart(std::int64_t t) const;
  // How far nextAllowedStart looks by default, in days.
  static constexpr int kHorizonDays = 400;
  // The first instant >= t at which a start is allowed, within maxDays; none if never.
  std::optional<std::int64_t> nextAllowedStart(std::int64_t t, int maxDays = kHorizonDays) const;
  // t lies inside some allow rule (denies ignored): decides the off-hours bake multiplier.
  bool insideAllow(std::int64_t t) const;
  // insideAllow for every instant of the UTC minute [60 * minute, 60 * minute + 60),
  // or none when that minute is not one local minute (a zone offset with seconds,
  // or a change of offset inside it): the answer a cache may keep per minute.
  std::optional<bool> insideAllowWholeMinute(std::int64_t minute) const;
  // Names the rule that decides t: "allow core", "deny xmas", or "outside every allow".
  std::string explain(std::int64_t t) const;

  LocalTime toLocal(std::int64_t t) const;
  // Local civil time to an instant; a time skipped by a DST change moves forward.
  std::int64_t fromLocal(const LocalTime& local) const;

 private:
  WindowSpec spec_;
};

}  // namespace pipelang::planformat
