// One delivery attempt on each channel of a `notify` target (docs/runtime.md
// "Notifications"): a JSON POST to a webhook, or a command run without a
// shell. Both are bounded by `timeoutMs` and never throw.
#pragma once

#include "runtime/notify/Notification.h"

#include <string>

namespace pipelang::runtime::notify {

struct AttemptResult {
  bool delivered = false;
  std::string detail;  // "HTTP 200", "HTTP 500", "timed out after 5s", "exit 3: ...", "cannot start: ..."
};

// POSTs notification.json() to `url` (http or https only, redirects not
// followed); delivered on any 2xx answer.
AttemptResult postWebhook(const std::string& url, const Notification& notification, int timeoutMs);

// Runs `command` (split like deploy commands: runtime/deploy/CommandLine.h)
// with notification.environment() added; delivered when it exits 0. A command
// still running after `timeoutMs` is killed with its process group.
AttemptResult runCommand(const std::string& command, const Notification& notification, int timeoutMs);

}  // namespace pipelang::runtime::notify
