// The plan reader is the shared plan library's (plan/PlanReader.h).
#pragma once

#include "plan/PlanReader.h"
#include "runtime/plan/Plan.h"

namespace pipelang::runtime {

using planformat::parsePlan;
using planformat::readPlanFile;

}  // namespace pipelang::runtime
