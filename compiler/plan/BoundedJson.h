// Moved to the shared plan library: plan/BoundedJson.h.
#pragma once

#include "plan/BoundedJson.h"
