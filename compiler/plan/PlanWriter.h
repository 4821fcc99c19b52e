// The plan's text layout lives in the shared plan library (plan/PlanText.h);
// compiler code names it plan::writePlanText as before.
#pragma once

#include "plan/PlanText.h"

namespace pipelang::plan {

using planformat::writePlanText;

}  // namespace pipelang::plan
