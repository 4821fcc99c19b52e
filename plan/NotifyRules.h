// The vocabulary of a pipeline's `notify` targets (language.md "Notifications",
// plan-format.md "Notify"), shared so that what pipec accepts and what piperun
// reads and delivers cannot drift apart.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pipelang::planformat {

// The events a `notify` target may ask for, in the order the docs list them.
// Each is one of the runtime's event kinds (docs/runtime.md "Notifications"):
// run_started, stage_started, stage_done, approval_needed, blocked,
// rollback_started, rolled_back, deployed, failed, failed_readings.
const std::vector<std::string>& notifyEventNames();
bool isNotifyEvent(std::string_view name);

// True for an absolute http:// or https:// URL with a host (scheme matched
// without regard to case, as URLs are); anything else is refused (R116):
// piperun POSTs to it with libcurl, which would otherwise also speak
// file://, ftp:// or smtp://.
bool isWebhookUrl(std::string_view url);

// True when a `run` command has something to run (not empty, not only blanks).
bool hasCommand(std::string_view command);

// `blocked_after` when a target does not say: 30 minutes, in seconds.
inline constexpr int kDefaultBlockedAfterS = 30 * 60;

}  // namespace pipelang::planformat
