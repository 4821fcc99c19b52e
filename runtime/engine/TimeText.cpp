#include "runtime/engine/TimeText.h"

#include "runtime/text/Printable.h"

#include <fmt/format.h>

namespace pipelang::runtime {

std::string formatDuration(std::int64_t seconds) {
  if (seconds <= 0) return "0s";
  std::string out;
  std::int64_t days = seconds / 86400, hours = seconds % 86400 / 3600, minutes = seconds % 3600 / 60,
               secs = seconds % 60;
  if (days) out += fmt::format("{}d", days);
  if (hours) out += fmt::format("{}h", hours);
  if (minutes) out += fmt::format("{}m", minutes);
  if (secs) out += fmt::format("{}s", secs);
  return out;
}

std::string formatLocal(const std::optional<planformat::WindowCalendar>& calendar, Instant t,
                        ClockPrecision precision) {
  static const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  planformat::LocalTime local =
      calendar ? calendar->toLocal(t) : planformat::WindowCalendar(planformat::WindowSpec{}).toLocal(t);
  std::string text = fmt::format("{} {:04}-{:02}-{:02} {:02}:{:02}", days[local.weekday], local.year, local.month,
                                 local.day, local.hour, local.minute);
  if (precision == ClockPrecision::Seconds) text += fmt::format(":{:02}", local.second);
  return text;
}

std::string timelineLine(const std::optional<planformat::WindowCalendar>& calendar, ClockPrecision precision, Instant t,
                         const std::string& stage, const std::string& step, const std::string& message) {
  std::string where = !step.empty() ? step : !stage.empty() ? stage : "run";
  return printable(fmt::format("{}  {:<30}  {}", formatLocal(calendar, t, precision), where, message));
}

namespace {
bool periodsUse(const AlarmExpr& alarm, bool (*partMinute)(std::int64_t)) {
  if (alarm.op == AlarmExpr::Op::Cond && partMinute(alarm.periodS)) return true;
  for (const AlarmExpr& arg : alarm.args)
    if (periodsUse(arg, partMinute)) return true;
  return false;
}
}  // namespace

ClockPrecision clockPrecisionFor(const Plan& plan, std::int64_t otherS) {
  auto partMinute = [](std::int64_t seconds) { return seconds % 60 != 0; };
  bool seconds = partMinute(otherS) || partMinute(plan.deploy.expectedS) || partMinute(plan.deploy.timeoutS) ||
                 partMinute(plan.deploy.rollbackTimeS) || periodsUse(plan.rollbackOn, partMinute);
  for (const auto& [name, alarm] : plan.alarms) seconds = seconds || periodsUse(alarm, partMinute);
  for (const Stage& stage : plan.stages) seconds = seconds || partMinute(stage.bakeS);
  for (const Step& step : plan.steps)
    seconds = seconds || partMinute(step.bakeS.value_or(0)) || partMinute(step.timeoutS);
  return seconds ? ClockPrecision::Seconds : ClockPrecision::Minutes;
}

std::optional<std::int64_t> parseDuration(const std::string& text) {
  size_t i = text.size() && text[0] == '+' ? 1 : 0;
  if (i >= text.size()) return std::nullopt;
  std::int64_t total = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && isdigit(static_cast<unsigned char>(text[i]))) ++i;
    // At most nine digits a part, and a bounded total: no overflow, whatever the text.
    if (start == i || i >= text.size() || i - start > 9) return std::nullopt;
    std::int64_t n = std::stoll(text.substr(start, i - start));
    switch (text[i++]) {
      case 'd':
        total += n * 86400;
        break;
      case 'h':
        total += n * 3600;
        break;
      case 'm':
        total += n * 60;
        break;
      case 's':
        total += n;
        break;
      default:
        return std::nullopt;
    }
    if (total > kLongestDurationS) return std::nullopt;
  }
  return total;
}

}  // namespace pipelang::runtime
