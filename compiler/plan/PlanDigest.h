// Moved to the shared plan library: plan/PlanDigest.h.
#pragma once

#include "plan/PlanDigest.h"
