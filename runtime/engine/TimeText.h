// Human renderings of durations and instants for the timeline, status and log.
#pragma once

#include "compiler/plan/WindowCalendar.h"
#include "runtime/plan/Plan.h"

#include <optional>
#include <string>

namespace pipelang::runtime {

// 5400 -> "1h30m", 45 -> "45s", 0 -> "0s"
std::string formatDuration(std::int64_t seconds);
// How precise a timeline's clock is: minutes, or seconds for plans that move
// faster than a minute (docs/runtime.md "Timeline clock").
enum class ClockPrecision { Minutes, Seconds };

// "Mon 2026-11-23 09:00" (or "Mon 2026-11-23 09:00:30" with Seconds) in the
// calendar's zone (UTC without one).
std::string formatLocal(const std::optional<planformat::WindowCalendar>& calendar, Instant t,
                        ClockPrecision precision = ClockPrecision::Minutes);
// Seconds when a duration that moves the plan's clock (the deploy's expected,
// timeout and rollback times, a stage's or step's bake, an alarm's period) is
// not a whole number of minutes, or `otherS` (in seconds) is not; else Minutes.
ClockPrecision clockPrecisionFor(const Plan& plan, std::int64_t otherS = 0);
// One line of a run's timeline, as `piperun run` prints it on the console
// and the service's timeline endpoint returns it (docs/service.md
// "Timelines"): "CLOCK  WHERE(30 wide)  MESSAGE", WHERE the step, else the
// stage, else "run"; through printable(), so it is one line whatever the
// message holds.
std::string timelineLine(const std::optional<planformat::WindowCalendar>& calendar, ClockPrecision precision, Instant t,
                         const std::string& stage, const std::string& step, const std::string& message);
// The longest duration parseDuration accepts (about 34,000 years): larger is a typo.
constexpr std::int64_t kLongestDurationS = std::int64_t(1) << 40;
// Parses "+26h", "+1h30m", "90s", "5m" (a leading + is optional) into seconds;
// none for anything else, a part of more than nine digits or a total past kLongestDurationS.
std::optional<std::int64_t> parseDuration(const std::string& text);

}  // namespace pipelang::runtime
