// writePlan (plan/PlanWriter.h) straight from the model (issue 18): the same
// bytes as writePlanText(planToJson(plan)), without the json::Value, the
// canonical string and the sorted copies of every object. One description
// of the document (emitPlan) is walked twice: once hashing the canonical form
// as it goes (keys sorted, compact, "digest" blank: plan/PlanDigest.h), once
// laying out the text (keys in the format's order, flat objects on one line:
// plan/PlanText.h) with the digest in place.
#include "plan/FieldKey.h"
#include "plan/PlanDigest.h"
#include "plan/PlanText.h"
#include "plan/PlanWriter.h"
#include "plan/Sha256.h"

#include <llvm/ADT/STLExtras.h>
#include <llvm/Support/JSON.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <tuple>
#include <vector>

namespace pipelang::planformat {
namespace {

// One member of an object. `nested`: the value is an object, or an array
// holding an object or an array, so the object cannot be written on one line.
struct Field {
  std::string_view key;
  bool nested;
  llvm::function_ref<void()> write;
  std::string_view quoted = {};  // the key as written, when known in advance; empty: escape `key`
};

// A member as the document describes it; object() lends it to the writer as
// a Field for the duration of the call.
template <typename Write>
struct Member {
  std::string_view key;
  bool nested;
  Write write;
};

template <typename Write>
Member<Write> member(std::string_view key, bool nested, Write write) {
  return {key, nested, std::move(write)};
}

// llvm::json::Value::getAsInteger of a double: integral and within int64.
bool integral(double d, int64_t& out) {
  double whole = d;
  if (!(std::modf(whole, &whole) == 0.0 && whole >= double(std::numeric_limits<int64_t>::min()) &&
        whole <= double(std::numeric_limits<int64_t>::max())))
    return false;
  out = static_cast<int64_t>(whole);
  return true;
}

// Bytes a JSON string holds as they are: printable ASCII but `"` and `\`.
constexpr std::array<bool, 256> kPlainBytes = [] {
  std::array<bool, 256> plain{};
  for (int c = 0x20; c < 0x80; ++c) plain[static_cast<size_t>(c)] = c != '"' && c != '\\';
  return plain;
}();

// Writes into a std::string from its start through a cursor, so that a
// character costs a compare and a store: std::string::push_back was not
// inlined and was about a twentieth of `plan -o` (issue 18). The string's
// current bytes are room to overwrite (a buffer reused from plan to plan is
// neither zeroed nor reallocated again); done() cuts it to the bytes written.
class Bytes {
 public:
  explicit Bytes(std::string& storage)
      : storage_(storage), at_(storage.data()), end_(storage.data() + storage.size()) {}
  Bytes(const Bytes&) = delete;
  Bytes& operator=(const Bytes&) = delete;

  LLVM_ATTRIBUTE_ALWAYS_INLINE void operator+=(char c) {
    if (LLVM_UNLIKELY(at_ == end_)) reserve(size(), 1);
    *at_++ = c;
  }
  LLVM_ATTRIBUTE_ALWAYS_INLINE void operator+=(std::string_view text) { append(text.data(), text.size()); }
  LLVM_ATTRIBUTE_ALWAYS_INLINE void append(const char* data, size_t size) {
    if (LLVM_UNLIKELY(static_cast<size_t>(end_ - at_) < size)) reserve(this->size(), size);
    std::memcpy(at_, data, size);
    at_ += size;
  }
  void append(size_t count, char c) {
    if (LLVM_UNLIKELY(static_cast<size_t>(end_ - at_) < count)) reserve(size(), count);
    std::memset(at_, c, count);
    at_ += count;
  }
  size_t size() const { return static_cast<size_t>(at_ - storage_.data()); }
  std::string_view view() const { return {storage_.data(), size()}; }
  void clear() { at_ = storage_.data(); }
  void done() { storage_.resize(size()); }

 private:
  // Room for `more` bytes after the first `used`.
  LLVM_ATTRIBUTE_NOINLINE void reserve(size_t used, size_t more) {
    storage_.resize(std::max({storage_.capacity(), used + more, 2 * storage_.size(), size_t{1} << 12}));
    at_ = storage_.data() + used;
    end_ = storage_.data() + storage_.size();
  }
  std::string& storage_;
  char* at_ = nullptr;
  char* end_ = nullptr;
};

// The last numbers formatted, by their bits: a plan's exposures and traffic
// shares repeat from plan to plan (services of one organisation share their
// regions and, mostly, their fleet sizes), and %.17g is the slowest thing
// the canonical form writes (issue 18). One per form and thread.
class Reals {
 public:
  // `format(value, digits, end)` writes the form into [digits, end) and returns its end.
  template <typename Format>
  std::string_view form(double value, Format format) {
    uint64_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    Entry& entry = entries_[(bits * 0x9E3779B97F4A7C15ULL) >> (64 - kBits)];
    if (entry.length == 0 || entry.bits != bits) {
      entry.bits = bits;
      entry.length = static_cast<unsigned char>(format(value, entry.text, entry.text + sizeof entry.text) - entry.text);
    }
    return {entry.text, entry.length};
  }

 private:
  static constexpr int kBits = 10;
  struct Entry {
    uint64_t bits = 0;
    unsigned char length = 0;  // 0: empty
    char text[32];
  };
  std::array<Entry, size_t{1} << kBits> entries_{};
};

// `text` as llvm::json writes a string: invalid UTF-8 replaced (as llvm::json
// keeps strings), then quoted and escaped (appendJsonString). The usual
// string, plain bytes only, is checked and copied in one scan (issue 18).
template <typename Out>  // std::string or Bytes
void appendJsonText(Out& out, llvm::StringRef text) {
  const char* data = text.data();
  size_t size = text.size(), i = 0;
  // Eight bytes at a time while none is a control byte, non-ASCII, `"` or `\`
  // (exact SWAR tests: a word that fails is scanned byte by byte below).
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  auto hasZero = [](uint64_t v) { return (v - kOnes) & ~v & kHigh; };
  for (; i + 8 <= size; i += 8) {
    uint64_t word;
    std::memcpy(&word, data + i, 8);
    if ((word & kHigh) | ((word - 0x20 * kOnes) & ~word & kHigh) | hasZero(word ^ ('"' * kOnes)) |
        hasZero(word ^ ('\\' * kOnes)))
      break;
  }
  while (i < size && kPlainBytes[static_cast<unsigned char>(data[i])]) ++i;
  if (LLVM_LIKELY(i == size)) {
    out += '"';
    out.append(data, size);
    out += '"';
    return;
  }
  std::string escaped;
  if (llvm::json::isUTF8(text))
    appendJsonString(escaped, text);
  else
    appendJsonString(escaped, llvm::json::fixUTF8(text));
  out += escaped;
}

// The names of a HostRange, as appendJsonText(appendHostName(...)) would
// write them: the zone is escaped once per range, not once per host (the
// suffix `-hNN` is plain, and UTF-8 repair never crosses a plain byte).
class HostNames {
 public:
  void append(Bytes& out, const HostRange& range, std::int64_t number) {
    if (&range != range_) {
      range_ = &range;
      quoted_.clear();
      appendJsonText(quoted_, range.zone);
      quoted_.pop_back();  // the closing quote
    }
    // appendHostName (plan/Plan.h) into `out`: zone, "-h", the number zero-padded to `width`.
    char digits[24];
    auto result = std::to_chars(digits, digits + sizeof digits, number);
    size_t length = static_cast<size_t>(result.ptr - digits);
    out += quoted_;
    out.append("-h", 2);
    if (number >= 0 && length < static_cast<size_t>(range.width))
      out.append(static_cast<size_t>(range.width) - length, '0');
    out.append(digits, length);
    out += '"';
  }

 private:
  const HostRange* range_ = nullptr;
  std::string quoted_;  // `"` and the escaped zone
};

// The canonical bytes (PlanDigest.cpp's CanonicalWriter, field for field),
// hashed in chunks as they are produced.
class CanonicalOut {
 public:
  static constexpr bool kCanonical = true;

  // The chunk buffer is the thread's: reused from plan to plan, never faulted in again.
  CanonicalOut() : storage_(threadBuffer()), buffer_(storage_) {}
  // Writes into `part` (its bytes replaced) and hashes nothing: the bytes of a
  // part to keep (RepeatedParts); finish() cuts `part` to them.
  explicit CanonicalOut(std::string& part) : storage_(part), buffer_(storage_), hashing_(false) {}
  void finish() { buffer_.done(); }

  // The canonical order of two keys of one object.
  static bool before(std::string_view a, std::string_view b) { return a < b; }

  void object(llvm::MutableArrayRef<Field> fields) {
    // Insertion sort: objects here have at most a few dozen keys.
    for (size_t i = 1; i < fields.size(); ++i)
      for (size_t j = i; j > 0 && fields[j].key < fields[j - 1].key; --j) std::swap(fields[j], fields[j - 1]);
    objectInOrder(fields);
  }
  // `fields` already in the order of before().
  void objectInOrder(llvm::ArrayRef<Field> fields) {
    buffer_ += '{';
    for (size_t i = 0; i < fields.size(); ++i) {
      if (i) buffer_ += ',';
      key(fields[i]);
      buffer_ += ':';
      fields[i].write();
    }
    buffer_ += '}';
  }
  template <typename Element>
  void array(size_t size, bool /*nested*/, Element&& element) {
    buffer_ += '[';
    for (size_t i = 0; i < size; ++i) {
      if (i) buffer_ += ',';
      element(i);
    }
    buffer_ += ']';
    spill();
  }
  void string(llvm::StringRef text) { appendJsonText(buffer_, text); }
  void key(const Field& field) {
    if (field.quoted.empty()) return string(field.key);
    buffer_ += field.quoted;
  }
  void host(const HostRange& range, std::int64_t number) { hostNames_.append(buffer_, range, number); }
  void integer(int64_t value) {
    char digits[24];
    auto [end, error] = std::to_chars(digits, digits + sizeof digits, value);
    buffer_.append(digits, static_cast<size_t>(end - digits));
  }
  void real(double value) {
    int64_t whole = 0;
    bool negativeZero = value == 0 && std::signbit(value);
    if (integral(value, whole) && whole > -100'000'000'000'000'000 && whole < 100'000'000'000'000'000 &&
        !negativeZero) {
      integer(whole);
    } else {
      // %.17g as llvm::json prints it; to_chars with a precision is specified as printf's, without its cost.
      buffer_ += threadReals().form(value, [](double v, char* digits, char* end) {
        return std::to_chars(digits, end, v, std::chars_format::general, std::numeric_limits<double>::max_digits10).ptr;
      });
    }
  }
  void null() { buffer_ += "null"; }
  void boolean(bool value) { buffer_ += value ? "true" : "false"; }
  // Bytes of this form written before (RepeatedParts).
  void raw(std::string_view bytes) {
    buffer_ += bytes;
    spill();
  }

  std::string digest() {
    sha_.update(buffer_.view());
    return sha_.hexDigest();
  }

 private:
  static constexpr size_t kChunk = 1u << 16;
  static std::string& threadBuffer() {
    thread_local std::string buffer;
    return buffer;
  }
  static Reals& threadReals() {
    thread_local Reals reals;
    return reals;
  }
  void spill() {
    if (buffer_.size() < kChunk || !hashing_) return;
    sha_.update(buffer_.view());
    buffer_.clear();
  }
  std::string& storage_;
  Bytes buffer_;
  Sha256 sha_;
  HostNames hostNames_;
  bool hashing_ = true;
};

// The text (PlanText.cpp's Writer, rule for rule): keys in the format's order,
// user-named maps (metrics, alarms) sorted by name and one entry per line.
class TextOut {
 public:
  static constexpr bool kCanonical = false;

  // `indent`: the depth of the value written first (0: a whole document).
  explicit TextOut(Bytes& out, int indent = 0) : out_(out), indent_(indent) {}

  // The format's order of two keys of one object (not a map of user names).
  static bool before(std::string_view a, std::string_view b) { return before(planKeyRank(a), a, planKeyRank(b), b); }

  void object(llvm::MutableArrayRef<Field> fields) {
    bool byName = byName_;
    byName_ = false;
    if (byName) {
      llvm::sort(fields, [](const Field& a, const Field& b) { return a.key < b.key; });
      return layout(fields, false);
    }
    ranks_.clear();
    for (const Field& field : fields) ranks_.push_back(planKeyRank(field.key));
    // Usually already in order: the description lists keys as the format does.
    for (size_t i = 1; i < fields.size(); ++i)
      for (size_t j = i; j > 0 && before(ranks_[j], fields[j].key, ranks_[j - 1], fields[j - 1].key); --j) {
        std::swap(fields[j], fields[j - 1]);
        std::swap(ranks_[j], ranks_[j - 1]);
      }
    layout(fields, llvm::none_of(fields, [](const Field& field) { return field.nested; }));
  }
  // `fields` already in the order of before(); the value of a key named like a
  // map of user names (byName_) is still sorted by object(), as PlanText does.
  void objectInOrder(llvm::ArrayRef<Field> fields) {
    if (byName_) {  // the value of a key named "metrics" or "alarms", even a user's: sorted by name
      std::vector<Field> copy(fields.begin(), fields.end());
      return object(copy);
    }
    layout(fields, llvm::none_of(fields, [](const Field& field) { return field.nested; }));
  }

 private:
  // One line when `flat`, else one member per line.
  void layout(llvm::ArrayRef<Field> fields, bool flat) {
    if (fields.empty()) {
      out_ += "{}";
      return;
    }
    out_ += '{';
    for (size_t i = 0; i < fields.size(); ++i) {
      if (i) out_ += flat ? ", " : ",";
      if (!flat) newline(indent_ + 1);
      if (fields[i].quoted.empty())
        string(fields[i].key);
      else
        out_ += fields[i].quoted;
      out_ += ": ";
      ++indent_;
      byName_ = fields[i].key == "metrics" || fields[i].key == "alarms";
      fields[i].write();
      byName_ = false;
      --indent_;
    }
    if (!flat) newline(indent_);
    out_ += '}';
  }

 public:
  template <typename Element>
  void array(size_t size, bool nested, Element&& element) {
    byName_ = false;
    if (size == 0) {
      out_ += "[]";
      return;
    }
    out_ += '[';
    for (size_t i = 0; i < size; ++i) {
      if (i) out_ += nested ? "," : ", ";
      if (nested) newline(indent_ + 1);
      ++indent_;
      element(i);
      --indent_;
    }
    if (nested) newline(indent_);
    out_ += ']';
  }
  void string(llvm::StringRef text) { appendJsonText(out_, text); }
  void host(const HostRange& range, std::int64_t number) { hostNames_.append(out_, range, number); }
  void integer(int64_t value) {
    char digits[24];
    auto [end, error] = std::to_chars(digits, digits + sizeof digits, value);
    out_.append(digits, static_cast<size_t>(end - digits));
  }
  void real(double value) {
    int64_t whole = 0;
    if (integral(value, whole)) return integer(whole);
    out_ +=
        threadReals().form(value, [](double v, char* digits, char* end) { return std::to_chars(digits, end, v).ptr; });
  }
  void null() { out_ += "null"; }
  void boolean(bool value) { out_ += value ? "true" : "false"; }
  // Bytes of this form written before at this depth (RepeatedParts).
  void raw(std::string_view bytes) { out_ += bytes; }

 private:
  static bool before(size_t rankA, std::string_view a, size_t rankB, std::string_view b) {
    return rankA != rankB ? rankA < rankB : a < b;
  }
  static Reals& threadReals() {
    thread_local Reals reals;
    return reals;
  }
  void newline(int indent) {
    out_ += '\n';
    out_.append(static_cast<size_t>(indent) * 2, ' ');
  }
  Bytes& out_;
  int indent_ = 0;
  bool byName_ = false;  // the next object is a map keyed by user names
  std::vector<size_t> ranks_;
  HostNames hostNames_;
};

// A part's bytes in both forms (RepeatedParts).
struct PartBytes {
  std::string canonical, text;
  const std::string& of(bool canonicalForm) const { return canonicalForm ? canonical : text; }
};

// The document of docs/plan-format.md, as planToJson builds it.
template <typename Out>
class Emitter {
 public:
  Emitter(Out& out, llvm::StringRef digest) : out_(out), digest_(digest) {}

  // The "steps" and "analysis" values to write as these bytes (null: write them).
  void reuse(const PartBytes* steps, const PartBytes* analysis) {
    stepsPart_ = steps;
    analysisPart_ = analysis;
  }
  // One part's value alone, for the bytes RepeatedParts keeps.
  void stepsOf(const Plan& plan) { steps(plan); }
  void analysisOf(const AnalysisFigures& figures) { analysis(figures); }

  void plan(const Plan& plan) {
    const std::string& schema = plan.schema.empty() ? kSchemaV1Text : plan.schema;
    auto members = std::make_tuple(
        member("schema", false, [&] { out_.string(schema); }), member("digest", false, [&] { out_.string(digest_); }),
        member("pipeline", false, [&] { out_.string(plan.pipeline); }),
        member("artifact", false, [&] { out_.string(plan.artifact); }),
        member("kind", false, [&] { out_.string(plan.kind); }),
        member("execution_mode", false, [&] { out_.string(plan.executionMode); }),
        member("policy", false, [&] { out_.string(plan.policy); }), member("topology", true, [&] { topology(plan); }),
        member("prometheus_url", false, [&] { plan.prometheusUrl ? out_.string(*plan.prometheusUrl) : out_.null(); }),
        member("deploy", true, [&] { deploy(plan); }), member("metrics", true, [&] { metrics(plan); }),
        member("alarms", true, [&] { alarms(plan); }),
        member("rollback_on", plan.hasRollbackOn, [&] { plan.hasRollbackOn ? alarm(plan.rollbackOn) : out_.null(); }),
        member("block_on", false, [&] { strings(plan.blockOn); }),
        member("windows", plan.windows.has_value(), [&] { windows(plan.windows); }),
        member("emergency", plan.emergency.has_value(), [&] { emergency(plan.emergency); }),
        member("stages", !plan.stages.empty(), [&] { stages(plan); }),
        member("steps", !plan.steps.empty(), [&] { steps(plan); }));
    auto alertmanager = member("alertmanager_url", false, [&] { out_.string(*plan.alertmanagerUrl); });
    auto notify = member("notify", !plan.notify.empty(), [&] { notifyTargets(plan.notify); });
    auto analysisMember = member("analysis", true, [&] { analysis(*plan.analysis); });
    // Optional keys (written only when set, as planToJson does) go last: the
    // writers order every object themselves.
    std::vector<Field> fields;
    std::apply([&](auto&... m) { (fields.push_back(Field{m.key, m.nested, m.write}), ...); }, members);
    if (plan.alertmanagerUrl) fields.push_back(Field{alertmanager.key, alertmanager.nested, alertmanager.write});
    if (!plan.notify.empty()) fields.push_back(Field{notify.key, notify.nested, notify.write});
    if (plan.analysis) fields.push_back(Field{analysisMember.key, analysisMember.nested, analysisMember.write});
    out_.object(llvm::MutableArrayRef<Field>(fields));
  }

  void notifyTargets(const std::vector<NotifyTarget>& targets) {
    out_.array(targets.size(), true, [&](size_t i) {
      const NotifyTarget& target = targets[i];
      object(member("name", false, [&] { out_.string(target.name); }),
             member("events", false, [&] { strings(target.events); }),
             member("blocked_after_s", false, [&] { out_.integer(target.blockedAfterS); }),
             member("webhook", false, [&] { orNull(target.webhook); }),
             member("run", false, [&] { orNull(target.run); }));
    });
  }

  void throughput(const ThroughputFigures& figures) {
    object(member("bottleneck", false, [&] { out_.string(figures.bottleneck); }),
           member("versions_per_week", false,
                  [&] { figures.versionsPerWeek ? out_.real(*figures.versionsPerWeek) : out_.null(); }),
           member("busy_time_to_global_s", false,
                  [&] { figures.busyTimeToGlobalS ? out_.integer(*figures.busyTimeToGlobalS) : out_.null(); }),
           member("occupancy", !figures.occupancy.empty(), [&] {
             out_.array(figures.occupancy.size(), true, [&](size_t i) {
               const StageOccupancyFigure& stage = figures.occupancy[i];
               object(member("stage", false, [&] { out_.string(stage.stage); }),
                      member("occupancy_s", false, [&] { out_.integer(stage.occupancyS); }));
             });
           }));
  }

 private:
  static inline const std::string kSchemaV1Text = kSchemaV1;

  template <typename... Write>
  void object(Member<Write>... members) {
    objectOf(sizeof...(Write), std::move(members)...);
  }
  // The first `count` members only (optional trailing keys). Each call site
  // is its own instantiation (its lambdas are its own types) and names the
  // same literal keys on every call, so the order the writer wants (Out::before)
  // is worked out once per call site and count, not sorted for every object
  // (issue 18: the steps' objects, about 700 a plan, twice each).
  template <typename... Write>
  void objectOf(size_t count, Member<Write>... members) {
    constexpr size_t kSize = sizeof...(Write);
    Field fields[] = {Field{members.key, members.nested, members.write}...};
    using Order = std::array<unsigned char, kSize>;
    static const std::array<Order, kSize + 1> orders = [&] {
      std::array<Order, kSize + 1> all{};
      for (size_t n = 0; n <= kSize; ++n) {
        for (size_t i = 0; i < kSize; ++i) all[n][i] = static_cast<unsigned char>(i);
        std::sort(all[n].begin(), all[n].begin() + static_cast<std::ptrdiff_t>(n),
                  [&](unsigned char a, unsigned char b) { return Out::before(fields[a].key, fields[b].key); });
      }
      return all;
    }();
    static const std::array<std::string, kSize> quoted = [&] {  // keys as JSON strings
      std::array<std::string, kSize> all;
      for (size_t i = 0; i < kSize; ++i) appendJsonText(all[i], fields[i].key);
      return all;
    }();
    const Order& order = orders[count];
    Field ordered[kSize];
    for (size_t i = 0; i < count; ++i) {
      ordered[i] = fields[order[i]];
      ordered[i].quoted = quoted[order[i]];
    }
    out_.objectInOrder(llvm::ArrayRef<Field>(ordered, count));
  }

  void orNull(const std::string& text) { text.empty() ? out_.null() : out_.string(text); }

  void strings(const std::vector<std::string>& items) {
    out_.array(items.size(), false, [&](size_t i) { out_.string(items[i]); });
  }

  // Step::hosts, then the names of Step::hostRange.
  void hosts(const Step& step) {
    const HostRange& range = step.hostRange;
    size_t listed = step.hosts.size();
    size_t count = listed + static_cast<size_t>(std::max<std::int64_t>(0, range.count));
    out_.array(count, false, [&](size_t i) {
      if (i < listed) return out_.string(step.hosts[i]);
      out_.host(range, range.first + static_cast<std::int64_t>(i - listed));
    });
  }

  void topology(const Plan& plan) {
    object(member("name", false, [&] { out_.string(plan.topologyName); }),
           member("regions", !plan.regions.empty(),
                  [&] { out_.array(plan.regions.size(), true, [&](size_t i) { region(plan.regions[i]); }); }));
  }

  void region(const RegionTopology& region) {
    object(member("id", false, [&] { out_.string(region.id); }),
           member("traffic", false, [&] { out_.real(region.traffic); }), member("zones", !region.zones.empty(), [&] {
             out_.array(region.zones.size(), true, [&](size_t i) {
               const ZoneTopology& zone = region.zones[i];
               object(member("id", false, [&] { out_.string(zone.id); }),
                      member("hosts", false, [&] { out_.integer(zone.hosts); }));
             });
           }));
  }

  void deploy(const Plan& plan) {
    const DeploySpec& deploy = plan.deploy;
    object(member("run", false, [&] { out_.string(deploy.run); }),
           member("rollback", false, [&] { out_.string(deploy.rollback.empty() ? deploy.run : deploy.rollback); }),
           member("timeout_s", false, [&] { out_.integer(deploy.timeoutS); }),
           member("expected_s", false, [&] { out_.integer(deploy.expectedS); }),
           member("rollback_time_s", false, [&] { out_.integer(deploy.rollbackTimeS); }),
           member("rollback_batch", false, [&] { out_.real(deploy.rollbackBatch); }));
  }

  // The maps keyed by user names: one writer per entry, alive while the map is written.
  struct MetricWriter {
    Emitter* self;
    const MetricDef* metric;
    void operator()() const {
      Out& out = self->out_;
      self->object(member("source", false, [&] { out.string(metric->source); }),
                   member("query", false, [&] { out.string(metric->query); }),
                   member("unit", false, [&] { metric->unit.empty() ? out.null() : out.string(metric->unit); }));
    }
  };
  struct AlarmWriter {
    Emitter* self;
    const AlarmExpr* expr;
    void operator()() const { self->alarm(*expr); }
  };

  void metrics(const Plan& plan) {
    std::vector<MetricWriter> writers;
    writers.reserve(plan.metrics.size());
    for (const auto& entry : plan.metrics) writers.push_back({this, &entry.second});
    std::vector<Field> fields;
    fields.reserve(plan.metrics.size());
    size_t i = 0;
    for (const auto& entry : plan.metrics) fields.push_back({entry.first, true, writers[i++]});
    out_.object(fields);
  }

  void alarms(const Plan& plan) {
    std::vector<AlarmWriter> writers;
    writers.reserve(plan.alarms.size());
    for (const auto& entry : plan.alarms) writers.push_back({this, &entry.second});
    std::vector<Field> fields;
    fields.reserve(plan.alarms.size());
    size_t i = 0;
    for (const auto& entry : plan.alarms) fields.push_back({entry.first, true, writers[i++]});
    out_.object(fields);
  }

  void alarm(const AlarmExpr& expr) {
    switch (expr.op) {
      case AlarmExpr::Op::Cond: {
        return object(member("op", false, [&] { out_.string("cond"); }),
                      member("metric", false, [&] { out_.string(expr.metric); }),
                      member("cmp", false, [&] { out_.string(expr.cmp); }),
                      member("value", false, [&] { out_.real(expr.value); }),
                      member("m", false, [&] { out_.integer(expr.m); }),
                      member("n", false, [&] { out_.integer(expr.n); }),
                      member("period_s", false, [&] { out_.integer(expr.periodS); }));
      }
      case AlarmExpr::Op::Ref: {
        return object(member("op", false, [&] { out_.string("ref"); }),
                      member("alarm", false, [&] { out_.string(expr.name); }));
      }
      case AlarmExpr::Op::External: {
        return object(member("op", false, [&] { out_.string("external"); }),
                      member("name", false, [&] { out_.string(expr.name); }));
      }
      case AlarmExpr::Op::Not: {
        return object(member("op", false, [&] { out_.string("not"); }), member("arg", !expr.args.empty(), [&] {
                        expr.args.empty() ? out_.null() : alarm(expr.args.front());
                      }));
      }
      case AlarmExpr::Op::And:
      case AlarmExpr::Op::Or: {
        return object(member("op", false, [&] { out_.string(expr.op == AlarmExpr::Op::And ? "and" : "or"); }),
                      member("args", !expr.args.empty(),
                             [&] { out_.array(expr.args.size(), true, [&](size_t i) { alarm(expr.args[i]); }); }));
      }
    }
    out_.null();
  }

  void clock(int minutes) { out_.string(fmt::format("{:02}:{:02}", minutes / 60, minutes % 60)); }
  void date(int yyyymmdd) {
    out_.string(fmt::format("{:04}-{:02}-{:02}", yyyymmdd / 10000, yyyymmdd / 100 % 100, yyyymmdd % 100));
  }
  void fromTo(llvm::function_ref<void()> from, llvm::function_ref<void()> to) {
    Field pair[2] = {Field{"from", false, from}, Field{"to", false, to}};
    out_.object(pair);
  }

  void rule(const WindowRule& rule) {
    static const char* days[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
    object(member("name", false, [&] { out_.string(rule.name); }),
           member("days", false,
                  [&] {
                    if (!rule.days) return out_.null();
                    const std::vector<int>& list = *rule.days;
                    out_.array(list.size(), false, [&](size_t i) { out_.string(days[((list[i] % 7) + 7) % 7]); });
                  }),
           member("hours", rule.hours.has_value(),
                  [&] {
                    if (!rule.hours) return out_.null();
                    fromTo([&] { clock(rule.hours->fromMinute); }, [&] { clock(rule.hours->toMinute); });
                  }),
           member("dates", rule.dates && !rule.dates->empty(), [&] {
             if (!rule.dates) return out_.null();
             const std::vector<DateRange>& list = *rule.dates;
             out_.array(list.size(), true,
                        [&](size_t i) { fromTo([&] { date(list[i].from); }, [&] { date(list[i].to); }); });
           }));
  }

  void windows(const std::optional<WindowSpec>& windows) {
    if (!windows) return out_.null();
    auto rules = [&](const std::vector<WindowRule>& list) {
      out_.array(list.size(), true, [&](size_t i) { rule(list[i]); });
    };
    object(member("timezone", false, [&] { out_.string(windows->timezone); }),
           member("allow", !windows->allow.empty(), [&] { rules(windows->allow); }),
           member("deny", !windows->deny.empty(), [&] { rules(windows->deny); }),
           member("off_hours_bake", false, [&] { out_.real(windows->offHoursBake); }));
  }

  void emergency(const std::optional<EmergencySpec>& emergency) {
    if (!emergency) return out_.null();
    object(member("approvers", false, [&] { strings(emergency->approvers); }),
           member("bake", false, [&] { out_.real(emergency->bake); }),
           member("min_bake_s", false, [&] { out_.integer(emergency->minBakeS); }));
  }

  void stages(const Plan& plan) {
    out_.array(plan.stages.size(), true, [&](size_t i) {
      const Stage& stage = plan.stages[i];
      object(member("id", false, [&] { out_.string(stage.id); }),
             member("kind", false, [&] { out_.string(stage.kind); }),
             member("regions", false, [&] { strings(stage.regions); }),
             member("bake_s", false, [&] { out_.integer(stage.bakeS); }),
             member("min_traffic", stage.minTraffic.has_value(),
                    [&] {
                      if (!stage.minTraffic) return out_.null();
                      const MinTraffic& floor = *stage.minTraffic;
                      object(member("metric", false, [&] { out_.string(floor.metric); }),
                             member("cmp", false, [&] { out_.string(floor.cmp); }),
                             member("value", false, [&] { out_.real(floor.value); }));
                    }),
             member("tests", !stage.tests.empty(), [&] {
               out_.array(stage.tests.size(), true, [&](size_t t) {
                 const TestSpec& test = stage.tests[t];
                 object(member("name", false, [&] { out_.string(test.name); }),
                        member("run", false, [&] { out_.string(test.run); }),
                        member("timeout_s", false, [&] { out_.integer(test.timeoutS); }));
               });
             }));
    });
  }

  void steps(const Plan& plan) {
    if (stepsPart_) return out_.raw(stepsPart_->of(Out::kCanonical));
    out_.array(plan.steps.size(), true, [&](size_t i) {
      const Step& step = plan.steps[i];
      // "run" and "timeout_s" only for test steps.
      objectOf(
          step.type == "test" ? 11 : 9, member("id", false, [&] { out_.string(step.id); }),
          member("stage", false, [&] { out_.string(step.stage); }),
          member("type", false, [&] { out_.string(step.type); }), member("region", false, [&] { orNull(step.region); }),
          member("zone", false, [&] { orNull(step.zone); }), member("hosts", false, [&] { hosts(step); }),
          member("traffic", false, [&] { step.traffic ? out_.real(*step.traffic) : out_.null(); }),
          member("bake_s", false, [&] { step.bakeS ? out_.integer(*step.bakeS) : out_.null(); }),
          member("after", false, [&] { strings(step.after); }), member("run", false, [&] { out_.string(step.run); }),
          member("timeout_s", false, [&] { out_.integer(step.timeoutS); }));
    });
  }

  void analysis(const AnalysisFigures& figures) {
    if (analysisPart_) return out_.raw(analysisPart_->of(Out::kCanonical));
    objectOf(
        figures.throughput ? 12 : 11,
        member("time_to_global_s", false,
               [&] { figures.timeToGlobalS ? out_.integer(*figures.timeToGlobalS) : out_.null(); }),
        member("time_to_global_business_days", false,
               [&] { figures.timeToGlobalBusinessDays ? out_.real(*figures.timeToGlobalBusinessDays) : out_.null(); }),
        member("regions_in_no_wave", false, [&] { strings(figures.regionsInNoWave); }),
        member("traffic_in_no_wave", false, [&] { out_.real(figures.trafficInNoWave); }),
        member("final_exposure", false, [&] { out_.real(figures.finalExposure); }),
        member("detection_s", false, [&] { out_.integer(figures.detectionS); }),
        member("rollback_s", false, [&] { out_.integer(figures.rollbackS); }),
        member("worst_recovery_s", false, [&] { out_.integer(figures.worstRecoveryS); }),
        member("max_exposure_before_wave2", false, [&] { out_.real(figures.maxExposureBeforeWave2); }),
        member("exposure", !figures.exposure.empty(),
               [&] {
                 out_.array(figures.exposure.size(), true, [&](size_t i) {
                   const ExposureFigure& entry = figures.exposure[i];
                   object(member("step", false, [&] { out_.string(entry.step); }),
                          member("global_traffic", false, [&] { out_.real(entry.globalTraffic); }));
                 });
               }),
        member("schedule", !figures.schedule.empty(),
               [&] {
                 out_.array(figures.schedule.size(), true, [&](size_t i) {
                   const StageTimeFigure& time = figures.schedule[i];
                   object(member("stage", false, [&] { out_.string(time.stage); }),
                          member("start_s", false, [&] { out_.integer(time.startS); }),
                          member("end_s", false, [&] { out_.integer(time.endS); }));
                 });
               }),
        member("throughput", true, [&] { throughput(*figures.throughput); }));
  }

  Out& out_;
  llvm::StringRef digest_;
  const PartBytes* stepsPart_ = nullptr;
  const PartBytes* analysisPart_ = nullptr;
};

// Every double of the steps (FieldKey), and most of what tells two apart:
// each step's id (which names its stage, region and zone), bake, hosts and test.
FieldKey keyOf(const std::vector<Step>& steps) {
  FieldKey key;
  key.add(uint64_t(steps.size()));
  for (const Step& step : steps) {
    key.add(step.id);
    key.add(uint64_t(step.after.size()) << 32 | uint64_t(step.hosts.size()));
    key.add(uint64_t(step.hostRange.first) << 32 ^ uint64_t(step.hostRange.count) << 8 ^
            uint64_t(step.hostRange.width));
    key.add(step.traffic);
    key.add(uint64_t(step.bakeS.value_or(-1)) << 32 ^ uint64_t(step.timeoutS));
    if (!step.run.empty()) key.add(step.run);
  }
  return key;
}

// Every double of the figures (FieldKey), and every time.
FieldKey keyOf(const AnalysisFigures& figures) {
  FieldKey key;
  key.add(uint64_t(figures.timeToGlobalS.value_or(-1)));
  key.add(figures.timeToGlobalBusinessDays);
  key.add(figures.trafficInNoWave);
  key.add(figures.finalExposure);
  key.add(figures.maxExposureBeforeWave2);
  key.add(uint64_t(figures.detectionS) << 32 ^ uint64_t(figures.rollbackS));
  key.add(uint64_t(figures.worstRecoveryS));
  key.add(uint64_t(figures.regionsInNoWave.size()));
  key.add(uint64_t(figures.exposure.size()));
  for (const ExposureFigure& entry : figures.exposure) key.add(entry.globalTraffic);
  for (const StageTimeFigure& time : figures.schedule) key.add(uint64_t(time.startS) << 32 ^ uint64_t(time.endS));
  if (figures.throughput) {
    key.add(figures.throughput->versionsPerWeek);
    key.add(uint64_t(figures.throughput->busyTimeToGlobalS.value_or(-1)));
    for (const StageOccupancyFigure& stage : figures.throughput->occupancy) key.add(uint64_t(stage.occupancyS));
  }
  return key;
}

template <typename Value>
struct KeptPart {
  FieldKey key;
  Value value;
  PartBytes bytes;
};

template <typename Value>
using KeptList = std::vector<std::shared_ptr<const KeptPart<Value>>>;  // oldest first

// The kept part equal to `value`; else, when its kind was seen before
// (`seen`), a new one rendered by `render(emitter)` in both forms (the text
// at depth 1: both parts are members of the document) and kept; else null
// (the caller writes the value itself). Rendered outside the lock; a part
// dropped from the list lives on while a writer holds it.
template <typename Value, typename Render>
std::shared_ptr<const KeptPart<Value>> keptOrNew(std::mutex& mutex, KeptList<Value>& kept, SecondSighting& seen,
                                                 const Value& value, uint64_t& reused, Render render) {
  FieldKey key = keyOf(value);
  {
    std::lock_guard<std::mutex> lock(mutex);
    for (size_t i = kept.size(); i-- > 0;)
      if (kept[i]->key == key && kept[i]->value == value) {
        ++reused;
        return kept[i];
      }
    if (!seen.seenBefore(key.hash())) return nullptr;
  }
  auto part = std::make_shared<KeptPart<Value>>(KeptPart<Value>{std::move(key), value, {}});
  CanonicalOut canonical(part->bytes.canonical);
  Emitter<CanonicalOut> canonicalEmitter(canonical, "");
  render(canonicalEmitter);
  canonical.finish();
  Bytes text(part->bytes.text);
  TextOut textOut(text, 1);
  Emitter<TextOut> textEmitter(textOut, "");
  render(textEmitter);
  text.done();
  std::lock_guard<std::mutex> lock(mutex);
  if (kept.size() == RepeatedParts::kKept) kept.erase(kept.begin());
  kept.push_back(part);
  return part;
}

}  // namespace

struct RepeatedParts::Kept {
  std::mutex mutex;  // guards the lists and `reused`, not the parts (never changed once kept)
  KeptList<std::vector<Step>> steps;
  KeptList<AnalysisFigures> analyses;
  SecondSighting seenSteps, seenAnalyses;
  uint64_t reused = 0;
};

RepeatedParts::RepeatedParts() : kept_(std::make_unique<Kept>()) {}
RepeatedParts::~RepeatedParts() = default;
uint64_t RepeatedParts::reused() const {
  std::lock_guard<std::mutex> lock(kept_->mutex);
  return kept_->reused;
}

std::string writePlan(const Plan& plan) {
  std::string text;
  writePlan(plan, text);
  return text;
}

void writePlan(const Plan& plan, std::string& text) {
  writePlan(plan, text, nullptr);
}

void writePlan(const Plan& plan, std::string& text, RepeatedParts* repeated) {
  std::shared_ptr<const KeptPart<std::vector<Step>>> keptSteps;
  std::shared_ptr<const KeptPart<AnalysisFigures>> keptAnalysis;
  if (repeated) {
    RepeatedParts::Kept& kept = *repeated->kept_;
    keptSteps = keptOrNew(kept.mutex, kept.steps, kept.seenSteps, plan.steps, kept.reused,
                          [&](auto& emitter) { emitter.stepsOf(plan); });
    if (plan.analysis)
      keptAnalysis = keptOrNew(kept.mutex, kept.analyses, kept.seenAnalyses, *plan.analysis, kept.reused,
                               [&](auto& emitter) { emitter.analysisOf(*plan.analysis); });
  }
  const PartBytes* steps = keptSteps ? &keptSteps->bytes : nullptr;
  const PartBytes* analysis = keptAnalysis ? &keptAnalysis->bytes : nullptr;
  CanonicalOut canonical;
  Emitter<CanonicalOut> canonicalEmitter(canonical, "");
  canonicalEmitter.reuse(steps, analysis);
  canonicalEmitter.plan(plan);
  std::string digest = canonical.digest();
  Bytes bytes(text);
  TextOut out(bytes);
  Emitter<TextOut> textEmitter(out, digest);
  textEmitter.reuse(steps, analysis);
  textEmitter.plan(plan);
  bytes += '\n';
  bytes.done();
}

}  // namespace pipelang::planformat
