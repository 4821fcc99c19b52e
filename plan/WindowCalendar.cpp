#include "plan/WindowCalendar.h"

#include "plan/TimeZones.h"

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <set>

namespace pipelang::planformat {
namespace {

// glibc converts civil time through the process-wide TZ variable; the guard
// switches it for one computation and restores it, serialised by a mutex.
//
// tzset() re-reads the zone file whenever TZ differs from the value it last
// loaded, so switching to the zone and back (with a tzset() each way) cost two
// file reads per query and dominated `pipec check` (S218 asks the calendar a
// few dozen times per pipeline). The guard therefore restores only the TZ
// variable on exit and leaves glibc's loaded rules alone: the next guard for
// the same zone finds TZ unchanged and tzset() returns without reading
// anything. Every conversion here still runs right after tzset() with TZ set
// to the calendar's zone, so answers are unchanged. Anything else in the
// process that calls tzset(), localtime() or mktime() reloads the process's
// own TZ as before; only a bare localtime_r() (none in this project) could
// see the last calendar's zone until then.
//
// Guards nest on one thread: while a guard for a zone is alive (a
// WindowCalendar::Scope around a walk of many queries), inner guards for the
// same zone switch nothing, which spares a getenv/setenv/tzset round per query.
std::recursive_mutex& tzMutex() {
  static std::recursive_mutex mutex;
  return mutex;
}

thread_local const std::string* tzZone;  // the zone the innermost switching guard set; null: none alive

class TzGuard {
 public:
  explicit TzGuard(const std::string& zone) : lock_(tzMutex()), outer_(tzZone) {
    if (outer_ && *outer_ == zone) return;  // already in this zone: nothing to switch
    switched_ = true;
    tzZone = &zone;
    if (!outer_)  // the outermost guard keeps the process's own TZ
      if (const char* old = std::getenv("TZ")) saved_ = old;
    const char* current = std::getenv("TZ");
    if (!current || zone != current) setenv("TZ", zone.c_str(), 1);
    tzset();  // no file access when glibc last loaded this zone
  }
  ~TzGuard() {
    if (!switched_) return;
    tzZone = outer_;
    if (outer_) {  // back to the enclosing guard's zone
      setenv("TZ", outer_->c_str(), 1);
      tzset();
    } else if (saved_) {
      setenv("TZ", saved_->c_str(), 1);
    } else {
      unsetenv("TZ");
    }
  }
  TzGuard(const TzGuard&) = delete;
  TzGuard& operator=(const TzGuard&) = delete;

 private:
  std::lock_guard<std::recursive_mutex> lock_;
  const std::string* outer_;
  bool switched_ = false;
  std::optional<std::string> saved_;
};

LocalTime localUnlocked(std::int64_t t) {
  time_t raw = static_cast<time_t>(t);
  struct tm tm {};
  localtime_r(&raw, &tm);
  return {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_wday};
}

std::int64_t instantUnlocked(const LocalTime& local) {
  struct tm tm {};
  tm.tm_year = local.year - 1900;
  tm.tm_mon = local.month - 1;
  tm.tm_mday = local.day;
  tm.tm_hour = local.hour;
  tm.tm_min = local.minute;
  tm.tm_sec = local.second;
  tm.tm_isdst = -1;
  return static_cast<std::int64_t>(mktime(&tm));
}

bool ruleMatches(const WindowRule& rule, const LocalTime& local) {
  if (rule.days && std::find(rule.days->begin(), rule.days->end(), local.weekday) == rule.days->end()) return false;
  if (rule.hours) {
    int minute = local.hour * 60 + local.minute;
    if (minute < rule.hours->fromMinute || minute >= rule.hours->toMinute) return false;
  }
  if (rule.dates) {
    int date = local.year * 10000 + local.month * 100 + local.day;
    bool inside = std::any_of(rule.dates->begin(), rule.dates->end(),
                              [&](const DateRange& range) { return range.from <= date && date <= range.to; });
    if (!inside) return false;
  }
  return true;
}

const WindowRule* matchingAllow(const WindowSpec& spec, const LocalTime& local) {
  for (const auto& rule : spec.allow)
    if (ruleMatches(rule, local)) return &rule;
  return nullptr;
}

const WindowRule* matchingDeny(const WindowSpec& spec, const LocalTime& local) {
  for (const auto& rule : spec.deny)
    if (ruleMatches(rule, local)) return &rule;
  return nullptr;
}

bool allowsUnlocked(const WindowSpec& spec, std::int64_t t) {
  LocalTime local = localUnlocked(t);
  if (!spec.allow.empty() && !matchingAllow(spec, local)) return false;
  return matchingDeny(spec, local) == nullptr;
}

llvm::Error malformed(const std::string& what) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), "windows: " + what);
}

std::optional<int> parseDay(llvm::StringRef day) {
  static const char* names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
  for (int i = 0; i < 7; ++i)
    if (day == names[i]) return i;
  return std::nullopt;
}

std::optional<int> parseClock(llvm::StringRef text) {  // "HH:MM"; "24:00" allowed as an end
  unsigned hours = 0, minutes = 0;
  if (text.size() != 5 || text[2] != ':' || text.substr(0, 2).getAsInteger(10, hours) ||
      text.substr(3, 2).getAsInteger(10, minutes) || hours > 24 || minutes > 59)
    return std::nullopt;
  return static_cast<int>(hours * 60 + minutes);
}

std::optional<int> parseDate(llvm::StringRef text) {  // "YYYY-MM-DD"
  unsigned year = 0, month = 0, day = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || text.substr(0, 4).getAsInteger(10, year) ||
      text.substr(5, 2).getAsInteger(10, month) || text.substr(8, 2).getAsInteger(10, day) || month < 1 || month > 12 ||
      day < 1 || day > 31)
    return std::nullopt;
  return static_cast<int>(year * 10000 + month * 100 + day);
}

llvm::Expected<WindowRule> ruleFromJson(const llvm::json::Value& value) {
  const auto* object = value.getAsObject();
  if (!object) return malformed("a rule is not an object");
  WindowRule rule;
  if (auto name = object->getString("name")) rule.name = name->str();
  if (const auto* days = object->getArray("days")) {
    rule.days.emplace();
    for (const auto& day : *days) {
      auto text = day.getAsString();
      auto index = text ? parseDay(*text) : std::nullopt;
      if (!index) return malformed("rule '" + rule.name + "': bad day (expected mon..sun)");
      rule.days->push_back(*index);
    }
  }
  if (const auto* hours = object->getObject("hours")) {
    auto from = hours->getString("from"), to = hours->getString("to");
    auto fromMinute = from ? parseClock(*from) : std::nullopt;
    auto toMinute = to ? parseClock(*to) : std::nullopt;
    if (!fromMinute || !toMinute) return malformed("rule '" + rule.name + "': bad hours (expected HH:MM)");
    rule.hours = TimeOfDayRange{*fromMinute, *toMinute};
  }
  if (const auto* dates = object->getArray("dates")) {
    rule.dates.emplace();
    for (const auto& range : *dates) {
      const auto* bounds = range.getAsObject();
      llvm::Optional<llvm::StringRef> from, to;
      if (bounds) from = bounds->getString("from"), to = bounds->getString("to");
      auto fromDate = from ? parseDate(*from) : std::nullopt;
      auto toDate = to ? parseDate(*to) : std::nullopt;
      if (!fromDate || !toDate) return malformed("rule '" + rule.name + "': bad dates (expected YYYY-MM-DD)");
      rule.dates->push_back(DateRange{*fromDate, *toDate});
    }
  }
  return rule;
}

}  // namespace

llvm::Expected<WindowSpec> windowSpecFromJson(const llvm::json::Value& windows) {
  const auto* object = windows.getAsObject();
  if (!object) return malformed("not an object");
  WindowSpec spec;
  if (auto zone = object->getString("timezone")) spec.timezone = zone->str();
  if (auto factor = object->getNumber("off_hours_bake")) spec.offHoursBake = *factor;
  for (const char* key : {"allow", "deny"}) {
    const auto* rules = object->getArray(key);
    if (!rules) continue;
    for (const auto& value : *rules) {
      auto rule = ruleFromJson(value);
      if (!rule) return rule.takeError();
      (std::string(key) == "allow" ? spec.allow : spec.deny).push_back(std::move(*rule));
    }
  }
  return spec;
}

// TZ is only ever set to a zone of the database: an unknown or path-like name
// (refused by pipec's R113 and piperun's plan reader) is walked in UTC here.
WindowCalendar::WindowCalendar(WindowSpec spec) : spec_(std::move(spec)) {
  if (!isKnownTimeZone(spec_.timezone)) spec_.timezone = "UTC";
}

struct WindowCalendar::Scope::Guard : TzGuard {
  using TzGuard::TzGuard;
};

WindowCalendar::Scope::Scope(const WindowCalendar& calendar)
    : guard_(std::make_unique<Guard>(calendar.spec_.timezone)) {}
WindowCalendar::Scope::~Scope() = default;

bool WindowCalendar::allowsStart(std::int64_t t) const {
  TzGuard guard(spec_.timezone);
  return allowsUnlocked(spec_, t);
}

bool WindowCalendar::insideAllow(std::int64_t t) const {
  if (spec_.allow.empty()) return true;
  TzGuard guard(spec_.timezone);
  return matchingAllow(spec_, localUnlocked(t)) != nullptr;
}

std::optional<bool> WindowCalendar::insideAllowWholeMinute(std::int64_t minute) const {
  if (spec_.allow.empty()) return true;
  TzGuard guard(spec_.timezone);
  LocalTime first = localUnlocked(minute * 60), last = localUnlocked(minute * 60 + 59);
  // One local minute from :00 to :59: the offset is whole minutes and does not change inside it.
  if (first.second != 0 || last.second != 59 || first.minute != last.minute || first.hour != last.hour ||
      first.day != last.day || first.month != last.month || first.year != last.year)
    return std::nullopt;
  return matchingAllow(spec_, first) != nullptr;
}

std::string WindowCalendar::explain(std::int64_t t) const {
  TzGuard guard(spec_.timezone);
  LocalTime local = localUnlocked(t);
  if (const auto* deny = matchingDeny(spec_, local)) return "deny " + deny->name;
  if (spec_.allow.empty()) return "no allow rules";
  if (const auto* allow = matchingAllow(spec_, local)) return "allow " + allow->name;
  return "outside every allow";
}

// Whether a start is allowed only changes at local midnight or at a rule's hour
// boundary, so those instants are the only candidates to test.
std::optional<std::int64_t> WindowCalendar::nextAllowedStart(std::int64_t t, int maxDays) const {
  TzGuard guard(spec_.timezone);
  if (allowsUnlocked(spec_, t)) return t;
  std::set<int> boundaries = {0};
  for (const auto* rules : {&spec_.allow, &spec_.deny})
    for (const auto& rule : *rules)
      if (rule.hours) {
        boundaries.insert(rule.hours->fromMinute);
        if (rule.hours->toMinute < 24 * 60) boundaries.insert(rule.hours->toMinute);
      }
  LocalTime today = localUnlocked(t);
  for (int offset = 0; offset <= maxDays; ++offset) {
    for (int minute : boundaries) {
      LocalTime candidate{today.year, today.month, today.day + offset, minute / 60, minute % 60, 0, 0};
      std::int64_t instant = instantUnlocked(candidate);  // mktime normalises day overflow
      if (instant > t && allowsUnlocked(spec_, instant)) return instant;
    }
  }
  return std::nullopt;
}

LocalTime WindowCalendar::toLocal(std::int64_t t) const {
  TzGuard guard(spec_.timezone);
  return localUnlocked(t);
}

std::int64_t WindowCalendar::fromLocal(const LocalTime& local) const {
  TzGuard guard(spec_.timezone);
  return instantUnlocked(local);
}

}  // namespace pipelang::planformat
