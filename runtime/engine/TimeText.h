// Human renderings of durations and instants for the timeline, status and log.
#pragma once

#include "compiler/plan/WindowCalendar.h"
#include "runtime/plan/Plan.h"

#include <optional>
#include <string>

namespace pipelang::runtime {

// 5400 -> "1h30m", 45 -> "45s", 0 -> "0s"
std::string formatDuration(std::int64_t seconds);
// "Mon 2026-11-23 09:00" in the calendar's zone (UTC without one).
std::string formatLocal(const std::optional<planformat::WindowCalendar>& calendar, Instant t);
// Parses "+26h", "+1h30m", "90s", "5m" (a leading + is optional).
std::optional<std::int64_t> parseDuration(const std::string& text);

}  // namespace pipelang::runtime
