// Moved to the shared plan library: plan/WindowCalendar.h.
#pragma once

#include "plan/WindowCalendar.h"
