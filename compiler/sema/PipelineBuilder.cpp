// A merged pipeline or template into model::Pipeline (language.md §5.2–5.6).
#include "compiler/sema/Builder.h"

#include "compiler/plan/TimeZones.h"
#include "compiler/sema/Ranges.h"
#include "compiler/sema/Schema.h"
#include "compiler/util/Spelling.h"
#include "plan/NotifyRules.h"

#include <algorithm>
#include <set>

namespace pipelang::sema {

namespace {

class PipelineBuilder {
 public:
  PipelineBuilder(const ResolvedDecl& decl, const model::Program& program, const Namespace& names, DiagnosticSink& sink)
      : decl_(decl), program_(program), names_(names), sink_(sink), reader_(decl, sink), body_(decl.body.get()) {}

  model::Pipeline build() {
    const ast::Declaration& d = decl_.decl();
    p_.name = d.name;
    p_.isTemplate = d.kind == ast::DeclKind::Template;
    p_.origin = {d.nameRange, {}};
    if (auto artifact = reader_.string(body_, "artifact"))
      p_.artifact = artifact->value;
    else
      required("artifact", "attribute", "`artifact = \"registry.example/my-service\"`");
    if (auto kind = reader_.name(body_, "kind")) p_.kind = kind->value;
    if (auto mode = reader_.name(body_, "execution_mode")) p_.executionMode = mode->value;
    topology();
    policy();
    if (auto hosts = reader_.integer(body_, "hosts_per_zone")) p_.hostsPerZone = hosts->value;
    if (auto url = reader_.string(body_, "prometheus_url")) p_.prometheusUrl = url->value;
    if (auto url = reader_.string(body_, "alertmanager_url")) p_.alertmanagerUrl = url->value;
    deploy();
    metrics();
    buildAlarms(reader_, p_);
    windows();
    emergency();
    notify();
    prod();  // before the stages: a stage's default regions are the first wave's
    stages();
    hostCount();
    return std::move(p_);
  }

 private:
  void required(const std::string& what, const char* noun, const std::string& example) {
    if (p_.isTemplate || !decl_.ok) return;  // templates may be partial
    Diagnostic& d =
        sink_.report(DiagCode::R108, decl_.decl().nameRange, "pipeline `" + p_.name + "` has no " + what + " " + noun);
    d.help = "add " + example + " here or in the template it extends";
  }

  // The plan lists every host: a topology of more than kMaxHostsPerPipeline
  // hosts (zones x hosts_per_zone) is R112, never a plan of billions of names.
  void hostCount() {
    if (p_.isTemplate || !p_.topology) return;
    int64_t total = 0;
    for (const model::Region& r : p_.topology->regions) total += static_cast<int64_t>(r.zones.size()) * p_.hostsIn(r);
    if (total <= kMaxHostsPerPipeline) return;
    Diagnostic& d =
        sink_.report(DiagCode::R112, decl_.decl().nameRange,
                     "pipeline `" + p_.name + "` would deploy " + std::to_string(total) + " hosts of topology `" +
                         p_.topology->name + "`: at most " + std::to_string(kMaxHostsPerPipeline));
    d.help = "use fewer zones or a smaller `hosts_per_zone`";
  }

  // A name that must be a declaration of one kind (topology, policy).
  const ast::Declaration* declRef(const model::Located<std::string>& ref, ast::DeclKind kind, const char* word) {
    // Only what the file that names it imports (issue 12 §5); after a failed import, quiet.
    FileId from = ref.origin.range.file;
    const ast::Declaration* target = names_.findFrom(ref.value, from);
    if (target && target->kind == kind) return target;
    if (!target && names_.hasFailedImport(from)) return nullptr;
    Diagnostic& d = target ? sink_.report(DiagCode::R109, ref.origin.range,
                                          "`" + ref.value + "` is a " + declKindWord(target->kind) + ", not a " + word)
                           : sink_.report(DiagCode::R101, ref.origin.range,
                                          std::string("unknown ") + word + " `" + ref.value + "`");
    d.notes = ref.origin.via;
    if (std::string help = target ? "" : names_.importHelp(ref.value, from); !help.empty())
      d.help = help;
    else if (!target)
      if (auto guess = closestSpelling(ref.value, names_.namesOf(kind))) {
        d.message += " (did you mean `" + *guess + "`?)";
        d.fixes.push_back({"replace with `" + *guess + "`", ref.origin.range, *guess});
      }
    return nullptr;
  }

  void topology() {
    auto ref = reader_.name(body_, "topology");
    if (!ref) {
      if (!body_->attr("topology")) required("`topology`", "attribute", "`topology = aws` (with `import \"std/aws\"`)");
      return;
    }
    if (!declRef(*ref, ast::DeclKind::Topology, "topology")) return;
    for (const model::Topology& t : program_.topologies)
      if (t.name == ref->value) p_.topology = &t;
  }

  void policy() {
    auto ref = reader_.name(body_, "policy");
    model::Located<std::string> chosen{"strict", {}};
    if (ref) {
      chosen = *ref;
      if (!declRef(chosen, ast::DeclKind::Policy, "policy")) return;
    }
    for (const model::Policy& policy : program_.policies)
      if (policy.name == chosen.value) p_.policy = &policy;
    p_.policyOrigin = chosen.origin;
  }

  void deploy() {
    const MergedBlock* block = body_->child("deploy");
    if (!block) return required("`deploy`", "block", "`deploy { run = \"scripts/deploy.sh\" }`");
    p_.deploy.origin = reader_.originOf(*block);
    if (auto run = reader_.string(block, "run"))
      p_.deploy.run = run->value;
    else
      required("`deploy.run`", "attribute", "`deploy { run = \"scripts/deploy.sh\" }`");
    p_.deploy.rollback = p_.deploy.run;
    if (auto rollback = reader_.string(block, "rollback")) p_.deploy.rollback = rollback->value;
    if (auto v = reader_.duration(block, "timeout")) p_.deploy.timeoutMs = v->value;
    if (auto v = reader_.duration(block, "expected")) p_.deploy.expectedMs = v->value;
    if (auto v = reader_.duration(block, "rollback_time")) p_.deploy.rollbackTimeMs = v->value;
  }

  void metrics() {
    const MergedBlock* block = body_->child("metrics");
    if (!block) return;
    for (const auto& [name, attr] : block->attrs) {
      const MergedAttr* writer = nullptr;
      const ast::Expr* e = reader_.value(&attr, &writer);
      if (!e || e->kind != ast::ExprKind::Call || e->args.empty() || !e->args[0] ||
          e->args[0]->kind != ast::ExprKind::String)
        continue;
      model::Metric metric;
      metric.name = name;
      metric.source = e->text;
      metric.query = e->args[0]->text;
      if (e->args.size() > 1 && e->args[1] && e->args[1]->path.size() == 1) {
        const std::string& unit = e->args[1]->path[0];
        metric.unit = unit == "percent"    ? model::MetricUnit::Percent
                      : unit == "duration" ? model::MetricUnit::Duration
                      : unit == "count"    ? model::MetricUnit::Count
                                           : model::MetricUnit::None;
      }
      metric.origin = {writer->attr->nameRange, decl_.via(writer->level)};
      p_.metrics.push_back(std::move(metric));
    }
  }

  void windows() {
    const MergedBlock* block = body_->child("windows");
    if (!block) return;
    model::Windows w;
    w.origin = reader_.originOf(*block);
    if (auto tz = reader_.string(block, "timezone"); tz && planformat::isKnownTimeZone(tz->value))
      w.timezone = tz->value;  // else R113 (Schema.cpp)
    if (auto bake = reader_.percent(block, "off_hours_bake")) w.offHoursBake = bake->value;
    for (const auto& child : block->blocks) {
      if (child->type != "allow" && child->type != "deny") continue;
      model::WindowRule rule;
      rule.name = child->label;
      rule.origin = reader_.originOf(*child);
      if (const ast::Expr* days = reader_.value(child->attr("days"))) rule.days = dayList(*days);
      if (const ast::Expr* hours = reader_.value(child->attr("hours"));
          hours && hours->kind == ast::ExprKind::Range && hours->args.size() == 2 && hours->args[0] && hours->args[1] &&
          hours->args[0]->kind == ast::ExprKind::Time && hours->args[1]->kind == ast::ExprKind::Time)
        rule.hours = std::make_pair(hours->args[0]->minutes, hours->args[1]->minutes);
      if (const ast::Expr* dates = reader_.value(child->attr("dates"))) rule.dates = dateList(*dates);
      (child->type == "allow" ? w.allow : w.deny).push_back(std::move(rule));
    }
    p_.windows = std::move(w);
  }

  static int dayIndex(const ast::Expr& e) {
    if (e.kind != ast::ExprKind::Ref || e.path.size() != 1) return -1;
    auto it = std::find(kDayNames.begin(), kDayNames.end(), e.path[0]);
    return it == kDayNames.end() ? -1 : static_cast<int>(it - kDayNames.begin());
  }

  static std::vector<int> dayList(const ast::Expr& e) {
    std::set<int> days;
    auto add = [&](const ast::Expr& item) {
      if (item.kind == ast::ExprKind::Range && item.args.size() == 2 && item.args[0] && item.args[1]) {
        int from = dayIndex(*item.args[0]), to = dayIndex(*item.args[1]);
        if (from < 0 || to < 0) return;
        // mon..thu; a wrapping range (fri..mon) runs through the weekend.
        for (int d = from;; d = (d + 1) % 7) {
          days.insert(d);
          if (d == to) break;
        }
      } else if (int d = dayIndex(item); d >= 0) {
        days.insert(d);
      }
    };
    if (e.kind == ast::ExprKind::List) {
      for (const auto& item : e.args)
        if (item) add(*item);
    } else {
      add(e);
    }
    return {days.begin(), days.end()};
  }

  static std::vector<std::pair<std::string, std::string>> dateList(const ast::Expr& e) {
    std::vector<std::pair<std::string, std::string>> dates;
    auto add = [&](const ast::Expr& item) {
      if (item.kind == ast::ExprKind::String)
        dates.emplace_back(item.text, item.text);
      else if (item.kind == ast::ExprKind::Range && item.args.size() == 2 && item.args[0] && item.args[1] &&
               item.args[0]->kind == ast::ExprKind::String && item.args[1]->kind == ast::ExprKind::String)
        dates.emplace_back(item.args[0]->text, item.args[1]->text);
    };
    if (e.kind == ast::ExprKind::List) {
      for (const auto& item : e.args)
        if (item) add(*item);
    } else {
      add(e);
    }
    return dates;
  }

  void emergency() {
    const MergedBlock* block = body_->child("emergency");
    if (!block) return;
    model::Emergency e;
    e.origin = reader_.originOf(*block);
    e.approversOrigin = e.origin;
    e.minBakeOrigin = e.origin;
    if (auto approvers = reader_.names(block, "approvers")) {
      e.approvers = approvers->value;
      e.approversOrigin = approvers->origin;
    }
    if (auto bake = reader_.percent(block, "bake")) e.bake = bake->value;
    if (auto minBake = reader_.duration(block, "min_bake")) {
      e.minBakeMs = minBake->value;
      e.minBakeOrigin = minBake->origin;
    }
    p_.emergency = std::move(e);
  }

  // Named targets merge like stages: a child's `notify oncall` overrides the
  // parent's attribute by attribute, a new name adds a target.
  void notify() {
    for (const MergedBlock* block : body_->children("notify")) {
      model::NotifyTarget target;
      target.name = block->label;
      target.origin = reader_.originOf(*block);
      if (const ast::Expr* events = reader_.value(block->attr("events")); events && events->kind == ast::ExprKind::List)
        for (const auto& item : events->args)
          if (item && item->kind == ast::ExprKind::Ref && item->path.size() == 1 &&
              planformat::isNotifyEvent(item->path[0]))
            target.events.push_back(item->path[0]);  // else R115 (Schema.cpp)
      if (auto after = reader_.duration(block, "blocked_after")) target.blockedAfterMs = after->value;
      if (auto url = reader_.string(block, "webhook"); url && planformat::isWebhookUrl(url->value))
        target.webhook = url->value;  // else R116
      if (auto run = reader_.string(block, "run"); run && planformat::hasCommand(run->value))
        target.run = run->value;  // else R117
      if (!p_.isTemplate && decl_.ok) {
        if (!block->attr("events")) {
          Diagnostic& d =
              sink_.report(DiagCode::R108, target.origin.range, "notify target `" + target.name + "` has no `events`");
          d.help = "add e.g. `events = [rolled_back, blocked]`";
          d.notes = target.origin.via;
        }
        if (!block->attr("webhook") && !block->attr("run")) {
          Diagnostic& d = sink_.report(DiagCode::R108, target.origin.range,
                                       "notify target `" + target.name + "` has neither `webhook` nor `run`");
          d.help = "add `webhook = \"https://...\"` or `run = \"scripts/notify.sh\"`";
          d.notes = target.origin.via;
        }
      }
      p_.notify.push_back(std::move(target));
    }
  }

  std::optional<model::Onebox> onebox(const MergedBlock* own, const MergedBlock* fallback) {
    if (!own && !fallback) return std::nullopt;
    model::Onebox box;
    box.origin = reader_.originOf(own ? *own : *fallback);
    // A wave's own `onebox` overrides the prod default attribute by attribute.
    auto traffic = own ? reader_.percent(own, "traffic") : std::nullopt;
    if (!traffic && fallback) traffic = reader_.percent(fallback, "traffic");
    if (traffic) box.traffic = *traffic;
    auto bake = own ? reader_.duration(own, "bake") : std::nullopt;
    if (!bake && fallback) bake = reader_.duration(fallback, "bake");
    if (bake) box.bakeMs = *bake;
    return box;
  }

  std::optional<model::Rolling> rolling(const MergedBlock* own, const MergedBlock* fallback) {
    if (!own && !fallback) return std::nullopt;
    model::Rolling r;
    r.origin = reader_.originOf(own ? *own : *fallback);
    r.batch = {1.0 / 3, {}};  // unset: a third, the strict default
    r.minHealthy = {2.0 / 3, {}};
    auto batch = own ? reader_.percent(own, "batch") : std::nullopt;
    if (!batch && fallback) batch = reader_.percent(fallback, "batch");
    if (batch) r.batch = *batch;
    auto healthy = own ? reader_.percent(own, "min_healthy") : std::nullopt;
    if (!healthy && fallback) healthy = reader_.percent(fallback, "min_healthy");
    if (healthy) r.minHealthy = *healthy;
    return r;
  }

  std::optional<model::Canary> canary(const MergedBlock* own, const MergedBlock* fallback) {
    if (!own && !fallback) return std::nullopt;
    model::Canary c;
    c.origin = reader_.originOf(own ? *own : *fallback);
    for (const MergedBlock* block : {own, fallback}) {
      if (!block) continue;
      if (c.steps.value.empty())
        if (const MergedAttr* a = block->attr("steps")) {
          const MergedAttr* writer = nullptr;
          if (const ast::Expr* e = reader_.value(a, &writer); e && e->kind == ast::ExprKind::List) {
            c.steps.origin = reader_.originOf(*writer, *e);
            for (const auto& item : e->args)
              if (item && item->kind == ast::ExprKind::Percent && inRange(*valueRange("canary", "steps"), item->number))
                c.steps.value.push_back(item->number);  // else R112
          }
        }
      if (!c.bakeMs.origin.range.valid())
        if (auto bake = reader_.duration(block, "bake")) c.bakeMs = *bake;
    }
    return c;
  }

  void regionRefs(const std::vector<std::string>& regions, const std::vector<SourceRange>& ranges,
                  const model::Origin& origin, DiagCode code) {
    if (!p_.topology) return;
    std::vector<std::string> known;  // for "did you mean", only once a region is unknown
    for (size_t i = 0; i < regions.size() && i < ranges.size(); ++i) {
      if (p_.topology->findRegion(regions[i])) continue;
      if (known.empty())
        for (const model::Region& r : p_.topology->regions) known.push_back(r.id);
      Diagnostic& d =
          sink_.report(code, ranges[i], "region `" + regions[i] + "` is not in topology `" + p_.topology->name + "`");
      if (auto guess = closestSpelling(regions[i], known)) {
        d.message += " (did you mean `" + *guess + "`?)";
        d.fixes.push_back({"replace with `" + *guess + "`", ranges[i], *guess});
      }
      d.notes = origin.via;
    }
  }

  void prod() {
    const MergedBlock* block = body_->child("prod");
    if (!block) return required("`prod`", "block", "`prod { wave 1 { regions = [...]  bake = 12h } }`");
    model::Prod prod;
    prod.origin = reader_.originOf(*block);
    const MergedBlock* defaultOnebox = block->child("onebox");
    const MergedBlock* defaultRolling = block->child("rolling");
    const MergedBlock* defaultCanary = block->child("canary");
    std::vector<const MergedBlock*> waves = block->children("wave");
    auto number = [](const MergedBlock* w) {
      const std::string& label = w->label;
      if (label.empty() || label.size() > 9 || !std::all_of(label.begin(), label.end(), ::isdigit)) return int64_t{-1};
      int64_t value = std::stoll(label);
      return inRange(kWaveNumberRange, static_cast<double>(value)) ? value : int64_t{-1};  // else R112
    };
    std::stable_sort(waves.begin(), waves.end(),
                     [&](const MergedBlock* a, const MergedBlock* b) { return number(a) < number(b); });
    std::set<std::string> named;
    for (size_t i = 0; i < waves.size(); ++i) {
      const MergedBlock* w = waves[i];
      if (number(w) < 0) continue;
      model::Wave wave;
      wave.number = number(w);
      wave.origin = reader_.originOf(*w);
      const MergedAttr* writer = nullptr;
      if (const ast::Expr* regions = reader_.value(w->attr("regions"), &writer)) {
        wave.regions.origin = reader_.originOf(*writer, *regions);
        if (regions->kind == ast::ExprKind::Rest) {
          wave.isRest = true;
          if (i + 1 != waves.size()) {
            Diagnostic& d = sink_.report(DiagCode::R109, regions->range, "only the last wave may use `rest`");
            d.notes = wave.regions.origin.via;
          }
        } else if (auto list = reader_.names(w, "regions", &wave.regionRanges)) {
          regionRefs(list->value, wave.regionRanges, list->origin, DiagCode::S208);
          for (size_t r = 0; r < list->value.size(); ++r) {
            if (p_.topology && !p_.topology->findRegion(list->value[r])) {
              ++wave.unknownRegions;
              continue;
            }
            wave.regions.value.push_back(list->value[r]);
          }
          // Keep the ranges parallel to the regions that remain.
          std::vector<SourceRange> kept;
          for (size_t r = 0; r < list->value.size() && r < wave.regionRanges.size(); ++r)
            if (!p_.topology || p_.topology->findRegion(list->value[r])) kept.push_back(wave.regionRanges[r]);
          wave.regionRanges = kept;
        }
      }
      if (wave.isRest && p_.topology) {
        for (const model::Region& r : p_.topology->regions)
          if (!named.count(r.id)) wave.regions.value.push_back(r.id);
      }
      for (const std::string& r : wave.regions.value) named.insert(r);
      if (auto bake = reader_.duration(w, "bake")) wave.bakeMs = *bake;
      if (auto zoneBake = reader_.duration(w, "zone_bake")) wave.zoneBakeMs = *zoneBake;
      if (auto parallel = reader_.integer(w, "parallel_zones")) wave.parallelZones = *parallel;
      if (const MergedAttr* a = w->attr("min_traffic")) wave.minTraffic = minTraffic(*a);
      wave.onebox = onebox(w->child("onebox"), defaultOnebox);
      const MergedBlock* ownCanary = w->child("canary");
      const MergedBlock* ownRolling = w->child("rolling");
      // A wave that picks its own strategy drops the prod default of the other one.
      // When `prod` has both defaults, the one written by the more derived
      // declaration wins: a child cannot delete its parent's block, only add one.
      const MergedBlock* useRolling = defaultRolling;
      const MergedBlock* useCanary = defaultCanary;
      if (defaultRolling && defaultCanary) {
        if (defaultRolling->level > defaultCanary->level) useCanary = nullptr;
        if (defaultCanary->level > defaultRolling->level) useRolling = nullptr;
      }
      if (!ownCanary) wave.rolling = rolling(ownRolling, ownRolling || !useCanary ? useRolling : nullptr);
      if (!ownRolling) wave.canary = canary(ownCanary, ownCanary || !useRolling ? useCanary : nullptr);
      prod.waves.push_back(std::move(wave));
    }
    p_.prod = std::move(prod);
  }

  std::optional<model::TrafficCondition> minTraffic(const MergedAttr& attr) {
    const MergedAttr* writer = nullptr;
    const ast::Expr* e = reader_.value(&attr, &writer);
    if (!e || e->kind == ast::ExprKind::Error) return std::nullopt;
    if (e->kind != ast::ExprKind::Compare || e->args.size() != 2 || !e->args[0] || !e->args[1] ||
        e->args[0]->kind != ast::ExprKind::Ref || e->args[0]->path.size() != 1) {
      Diagnostic& d = sink_.report(
          DiagCode::R109, e->range,
          "`min_traffic` must be a condition like `requests >= 100`, but " + describeValue(*e) + " is not");
      d.notes = decl_.via(writer->level);
      return std::nullopt;
    }
    model::TrafficCondition c;
    c.metric = e->args[0]->path[0];
    c.cmp = e->text;
    c.origin = reader_.originOf(*writer, *e);
    const model::Metric* metric = p_.findMetric(c.metric);
    if (!metric) {
      if (p_.isTemplate && p_.metrics.empty()) return c;
      std::vector<std::string> known;
      for (const model::Metric& m : p_.metrics) known.push_back(m.name);
      Diagnostic& d = sink_.report(DiagCode::R101, e->args[0]->range, "unknown metric `" + c.metric + "`");
      if (auto guess = closestSpelling(c.metric, known)) d.message += " (did you mean `" + *guess + "`?)";
      d.notes = c.origin.via;
      return std::nullopt;
    }
    const ast::Expr& v = *e->args[1];
    switch (v.kind) {
      case ast::ExprKind::Integer:
        c.value = static_cast<double>(v.integer);
        break;
      case ast::ExprKind::Number:
      case ast::ExprKind::Percent:
        c.value = v.number;
        break;
      case ast::ExprKind::Duration:
        c.value = v.millis / 1000.0;
        break;
      default:
        break;
    }
    return c;
  }

  void stages() {
    for (const MergedBlock* block : body_->children("stage")) {
      model::Stage stage;
      stage.name = block->label;
      stage.origin = reader_.originOf(*block);
      std::vector<SourceRange> ranges;
      if (auto regions = reader_.names(block, "regions", &ranges)) {
        regionRefs(regions->value, ranges, regions->origin, DiagCode::R101);
        stage.regions = *regions;
      } else if (p_.prod && !p_.prod->waves.empty()) {
        stage.regions.value = p_.prod->waves.front().regions.value;
      }
      stage.onebox = onebox(block->child("onebox"), nullptr);
      if (auto bake = reader_.duration(block, "bake")) stage.bakeMs = *bake;
      for (const MergedBlock* t : block->children("test")) {
        model::Test test;
        test.name = t->label;
        test.origin = reader_.originOf(*t);
        if (auto run = reader_.string(t, "run"))
          test.run = run->value;
        else if (!p_.isTemplate && decl_.ok) {
          Diagnostic& d = sink_.report(DiagCode::R108, test.origin.range, "test `" + test.name + "` has no `run`");
          d.notes = test.origin.via;
        }
        if (auto timeout = reader_.duration(t, "timeout")) test.timeoutMs = timeout->value;
        stage.tests.push_back(std::move(test));
      }
      p_.stages.push_back(std::move(stage));
    }
  }

  const ResolvedDecl& decl_;
  const model::Program& program_;
  const Namespace& names_;
  DiagnosticSink& sink_;
  ValueReader reader_;
  const MergedBlock* body_;
  model::Pipeline p_;
};

}  // namespace

model::Pipeline buildPipeline(const ResolvedDecl& decl, const model::Program& program, const Namespace& names,
                              DiagnosticSink& sink) {
  model::Pipeline pipeline = PipelineBuilder(decl, program, names, sink).build();
  pipeline.planShapeOf = planShapeOf(decl);
  return pipeline;
}

}  // namespace pipelang::sema
