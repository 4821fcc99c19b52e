// Hand-built resolved models for the plan tests (the resolve phase is not needed).
#pragma once

#include "compiler/sema/Model.h"

#include <memory>

namespace pipelang::plantest {

// Two regions (r1: 2% of traffic, zones a1 a2; r2: 30%, zones b1 b2 b3; 10 hosts
// per zone), gamma in r1, wave 1 = r1 (one-box 10% / 1h, bake 12h), wave 2 = r2
// (bake 4h); rolling batches of 33%; windows Mon-Thu 09:00-12:00 UTC with
// off-hours bakes doubled; rollback on `fault_rate > 1% for 3 of 5 every 1m`.
struct TwoWaveFixture {
  model::Topology topology;
  model::Policy policy;
  model::Pipeline pipeline;

  TwoWaveFixture() {
    topology.name = "test";
    topology.regions.push_back({"r1", 0.02, 10, {"a1", "a2"}, {}});
    topology.regions.push_back({"r2", 0.30, 10, {"b1", "b2", "b3"}, {}});

    policy.name = "strict";
    policy.maxBatch = model::Located<double>{0.33, {}};
    policy.maxTimeToGlobal = model::Located<int64_t>{7LL * 86400 * 1000, {}};
    policy.maxRecovery = model::Located<int64_t>{15LL * 60 * 1000, {}};

    model::Pipeline& p = pipeline;
    p.name = "Svc";
    p.artifact = "svc";
    p.topology = &topology;
    p.policy = &policy;
    p.deploy.run = "deploy.sh";
    p.deploy.timeoutMs = 600'000;
    p.metrics.push_back({"fault_rate", "prometheus", "rate(errors[1m])", model::MetricUnit::Percent, {}});
    model::AlarmExpr cond;
    cond.op = model::AlarmExpr::Op::Cond;
    cond.metric = "fault_rate";
    cond.cmp = ">";
    cond.value = 0.01;
    cond.m = 3;
    cond.n = 5;
    cond.periodMs = 60'000;
    p.alarms.push_back({"high_faults", cond, {}});
    model::AlarmExpr ref;
    ref.op = model::AlarmExpr::Op::Ref;
    ref.alarm = "high_faults";
    p.rollbackOn = ref;
    p.blockOn = {"high_faults"};

    model::Windows windows;
    windows.timezone = "UTC";
    model::WindowRule core;
    core.name = "core";
    core.days = std::vector<int>{0, 1, 2, 3};  // mon..thu
    core.hours = std::pair<int, int>{9 * 60, 12 * 60};
    windows.allow.push_back(core);
    windows.offHoursBake = 2.0;
    p.windows = windows;

    model::Stage gamma;
    gamma.name = "gamma";
    gamma.regions.value = {"r1"};
    gamma.bakeMs.value = 3600'000;
    gamma.tests.push_back({"integration", "tests/integ.sh", 20 * 60'000, {}});
    p.stages.push_back(gamma);

    model::Onebox onebox;
    onebox.traffic.value = 0.1;
    onebox.bakeMs.value = 3600'000;
    model::Rolling rolling;
    rolling.batch.value = 0.33;
    rolling.minHealthy.value = 0.66;

    model::Prod prod;
    model::Wave wave1;
    wave1.number = 1;
    wave1.regions.value = {"r1"};
    wave1.bakeMs.value = 12 * 3600'000LL;
    wave1.minTraffic = model::TrafficCondition{"requests", ">=", 100, {}};
    wave1.onebox = onebox;
    wave1.rolling = rolling;
    model::Wave wave2 = wave1;
    wave2.number = 2;
    wave2.regions.value = {"r2"};
    wave2.bakeMs.value = 4 * 3600'000LL;
    wave2.minTraffic.reset();
    prod.waves = {wave1, wave2};
    p.prod = prod;
  }
};

}  // namespace pipelang::plantest
