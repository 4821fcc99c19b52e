#include "compiler/plan/WindowOpenings.h"

#include <fmt/format.h>

#include <array>
#include <atomic>
#include <mutex>
#include <string>
#include <unordered_map>

namespace pipelang::plan {

struct WindowOpenings::Table {
  explicit Table(uint64_t number) : serial(number) {}
  const uint64_t serial;  // never reused, unlike the table's address
  std::mutex mutex;
  std::unordered_map<int64_t, int64_t> opens;  // ready -> opening
  std::unordered_map<int64_t, bool> inside;    // UTC minute -> insideAllow
};

namespace {

// Bounds that keep memory flat whatever the number of plans: answers per
// windows (a week's grid is 672; floods add a few hundred per plan), and
// distinct windows. Past them the tables start again.
constexpr size_t kMaxAnswers = 1 << 16;
constexpr size_t kMaxWindows = 256;

// Everything nextAllowedStart reads: the zone and each rule's days, hours and dates.
std::string windowsKey(const planformat::WindowSpec& spec) {
  std::string key = spec.timezone;
  for (const auto* rules : {&spec.allow, &spec.deny}) {
    fmt::format_to(std::back_inserter(key), "|{}", rules->size());
    for (const planformat::WindowRule& rule : *rules) {
      key += rule.days ? fmt::format(";d{}", fmt::join(*rule.days, ",")) : ";-";
      key += rule.hours ? fmt::format(";h{}-{}", rule.hours->fromMinute, rule.hours->toMinute) : ";-";
      if (!rule.dates) {
        key += ";-";
        continue;
      }
      key += ";D";
      for (const planformat::DateRange& range : *rule.dates)
        fmt::format_to(std::back_inserter(key), "{}-{},", range.from, range.to);
    }
  }
  return key;
}

std::shared_ptr<WindowOpenings::Table> tableFor(const planformat::WindowSpec& spec) {
  static std::mutex mutex;
  static std::unordered_map<std::string, std::shared_ptr<WindowOpenings::Table>> tables;
  std::string key = windowsKey(spec);
  std::lock_guard<std::mutex> lock(mutex);
  auto found = tables.find(key);
  if (found != tables.end()) return found->second;
  if (tables.size() >= kMaxWindows) tables.clear();
  static std::atomic<uint64_t> serials{0};
  auto table = std::make_shared<WindowOpenings::Table>(++serials);
  tables.emplace(std::move(key), table);
  return table;
}

// The last answers this thread was given, in front of the shared tables, so
// that most questions take neither the tables' lock nor a hash lookup (issue
// 18: the two writer threads ask a few thousand times per plan). An answer
// of a table stays true for its windows, so entries never go stale; an entry
// names its table by serial number.
struct Recent {
  uint64_t serial = 0;  // 0: empty
  int64_t key = 0;
  int64_t answer = 0;
};
constexpr int kRecentBits = 12;
constexpr size_t kRecent = size_t{1} << kRecentBits;
thread_local std::array<Recent, kRecent> recentOpens, recentInside;

Recent& slot(std::array<Recent, kRecent>& recent, int64_t key) {
  // Fibonacci hashing: ready times on a 15-minute grid would crowd a few slots by their low bits.
  auto bits = static_cast<uint64_t>(key) * 0x9E3779B97F4A7C15ull;
  return recent[bits >> (64 - kRecentBits)];
}

}  // namespace

WindowOpenings::WindowOpenings(const planformat::WindowCalendar& calendar)
    : calendar_(calendar), table_(tableFor(calendar.spec())), everyTimeInside_(calendar.spec().allow.empty()) {}

int64_t WindowOpenings::opens(int64_t ready) {
  Recent& recent = slot(recentOpens, ready);
  if (recent.serial == table_->serial && recent.key == ready) return recent.answer;
  int64_t opening = opensShared(ready);
  recent = Recent{table_->serial, ready, opening};
  return opening;
}

int64_t WindowOpenings::opensShared(int64_t ready) {
  {
    std::lock_guard<std::mutex> lock(table_->mutex);
    auto found = table_->opens.find(ready);
    if (found != table_->opens.end()) return found->second;
  }
  int64_t opening = calendar_.nextAllowedStart(ready).value_or(ready);
  std::lock_guard<std::mutex> lock(table_->mutex);
  if (table_->opens.size() >= kMaxAnswers) table_->opens.clear();
  table_->opens.emplace(ready, opening);
  return opening;
}

}  // namespace pipelang::plan

namespace pipelang::plan {

bool WindowOpenings::insideAllow(int64_t t) {
  if (everyTimeInside_) return true;
  int64_t minute = t >= 0 ? t / 60 : -((-t + 59) / 60);  // floor
  Recent& recent = slot(recentInside, minute);
  if (recent.serial == table_->serial && recent.key == minute) return recent.answer != 0;
  {
    std::lock_guard<std::mutex> lock(table_->mutex);
    auto found = table_->inside.find(minute);
    if (found != table_->inside.end()) {
      recent = Recent{table_->serial, minute, found->second ? 1 : 0};
      return found->second;
    }
  }
  std::optional<bool> inside = calendar_.insideAllowWholeMinute(minute);
  if (!inside) return calendar_.insideAllow(t);
  std::lock_guard<std::mutex> lock(table_->mutex);
  if (table_->inside.size() >= kMaxAnswers) table_->inside.clear();
  table_->inside.emplace(minute, *inside);
  recent = Recent{table_->serial, minute, *inside ? 1 : 0};
  return *inside;
}

}  // namespace pipelang::plan
