#include "runtime/notify/Channels.h"

#include "runtime/deploy/ChildProcess.h"
#include "runtime/deploy/CommandLine.h"
#include "runtime/text/Printable.h"

#include <curl/curl.h>
#include <fmt/format.h>

namespace pipelang::runtime::notify {
namespace {

size_t discard(char*, size_t size, size_t count, void*) {
  return size * count;
}

std::string firstLine(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  if (line.size() > 200) line = line.substr(0, 200) + "...";
  return printable(line);
}

}  // namespace

AttemptResult postWebhook(const std::string& url, const Notification& notification, int timeoutMs) {
  CURL* curl = curl_easy_init();
  if (!curl) return {false, "cannot start an HTTP request"};
  std::string body = notification.json();
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  // The plan's URL never reaches another protocol (file://, smtp://...), even through a redirect.
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "piperun");
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeoutMs));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeoutMs));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  CURLcode code = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (code == CURLE_OPERATION_TIMEDOUT) return {false, fmt::format("no answer within {:g}s", timeoutMs / 1000.0)};
  if (code != CURLE_OK) return {false, printable(error[0] ? error : curl_easy_strerror(code))};
  return {status >= 200 && status < 300, fmt::format("HTTP {}", status)};
}

AttemptResult runCommand(const std::string& command, const Notification& notification, int timeoutMs) {
  auto argv = splitCommandLine(command);
  if (!argv) return {false, "cannot run: " + printable(llvm::toString(argv.takeError()))};
  if (argv->empty()) return {false, "cannot run: an empty command"};
  CommandOutcome outcome = pipelang::runtime::runCommand(*argv, notification.environment(), timeoutMs);
  if (outcome.exitCode && *outcome.exitCode == 0) return {true, "exit 0"};
  // "exit 3: <stderr>", "timed out after 5000ms" or why it could not start.
  return {false, firstLine(outcome.error)};
}

}  // namespace pipelang::runtime::notify
