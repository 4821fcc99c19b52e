// Moved to the shared plan library: plan/TimeZones.h.
#pragma once

#include "plan/TimeZones.h"
