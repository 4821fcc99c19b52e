// printable() and hasControl() live in the shared plan library (plan/Printable.h),
// whose reader quotes plan text with them; the runtime names them as before.
#pragma once

#include "plan/Printable.h"

namespace pipelang::runtime {

using planformat::hasControl;
using planformat::printable;

}  // namespace pipelang::runtime
