// The runtime reads the one plan model of the shared plan library
// (plan/Plan.h) and names its types here as runtime::Plan, runtime::Step...
#pragma once

#include "plan/Plan.h"

namespace pipelang::runtime {

using Instant = std::int64_t;  // unix seconds

using planformat::AlarmExpr;
using planformat::DeploySpec;
using planformat::EmergencySpec;
using planformat::MetricDef;
using planformat::MinTraffic;
using planformat::NotifyTarget;
using planformat::Plan;
using planformat::RegionTopology;
using planformat::Stage;
using planformat::Step;
using planformat::TestSpec;
using planformat::ZoneTopology;

}  // namespace pipelang::runtime
