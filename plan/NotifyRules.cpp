#include "plan/NotifyRules.h"

#include <algorithm>
#include <cctype>

namespace pipelang::planformat {

const std::vector<std::string>& notifyEventNames() {
  static const std::vector<std::string> names = {"run_started", "stage_started",    "stage_done",  "approval_needed",
                                                 "blocked",     "rollback_started", "rolled_back", "deployed",
                                                 "failed",      "failed_readings"};
  return names;
}

bool isNotifyEvent(std::string_view name) {
  const auto& names = notifyEventNames();
  return std::find(names.begin(), names.end(), name) != names.end();
}

bool isWebhookUrl(std::string_view url) {
  auto startsWith = [&](std::string_view prefix) {
    if (url.size() < prefix.size()) return false;
    for (size_t i = 0; i < prefix.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(url[i])) != prefix[i]) return false;
    return true;
  };
  size_t rest = startsWith("https://") ? 8 : startsWith("http://") ? 7 : 0;
  if (rest == 0) return false;
  // A host: something before the path that is not blank or a control character.
  std::string_view host = url.substr(rest, url.find_first_of("/?#", rest) - rest);
  if (host.empty()) return false;
  return std::none_of(url.begin(), url.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u <= ' ' || u == 0x7f;
  });
}

bool hasCommand(std::string_view command) {
  return std::any_of(command.begin(), command.end(),
                     [](char c) { return !std::isspace(static_cast<unsigned char>(c)); });
}

}  // namespace pipelang::planformat
