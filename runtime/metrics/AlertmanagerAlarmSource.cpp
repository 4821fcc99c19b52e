#include "runtime/metrics/AlertmanagerAlarmSource.h"

#include "compiler/plan/BoundedJson.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <vector>

namespace pipelang::runtime {
namespace {

size_t appendBody(char* data, size_t size, size_t count, void* body) {
  auto* text = static_cast<std::string*>(body);
  if (text->size() > (8u << 20)) return 0;  // a bounded answer: more is not an alert list we can trust
  text->append(data, size * count);
  return size * count;
}

// `org-event{region="us-east-1",env="prod"}` -> alertname="org-event", region="us-east-1", env="prod".
std::vector<std::string> matchersOf(const std::string& name) {
  size_t brace = name.find('{');
  std::string alertname = name.substr(0, brace);
  std::vector<std::string> out{"alertname=\"" + alertname + "\""};
  if (brace == std::string::npos || name.back() != '}') return out;
  std::string inner = name.substr(brace + 1, name.size() - brace - 2);
  std::string current;
  bool quoted = false;
  for (size_t i = 0; i < inner.size(); ++i) {
    char c = inner[i];
    if (c == '\\' && quoted && i + 1 < inner.size()) {
      current += c;
      current += inner[++i];
      continue;
    }
    if (c == '"') quoted = !quoted;
    if (c == ',' && !quoted) {
      if (!current.empty()) out.push_back(current);
      current.clear();
      continue;
    }
    current += c;
  }
  if (!current.empty()) out.push_back(current);
  return out;
}

}  // namespace

std::optional<bool> AlertmanagerAlarmSource::query(const std::string& url, const std::string& name, long timeoutMs,
                                                   std::string& error) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  CURL* curl = curl_easy_init();
  if (!curl) {
    error = "could not initialise libcurl";
    return std::nullopt;
  }
  std::string address = url + "/api/v2/alerts?active=true&silenced=false&inhibited=false&unprocessed=true";
  for (const auto& matcher : matchersOf(name)) {
    char* encoded = curl_easy_escape(curl, matcher.c_str(), static_cast<int>(matcher.size()));
    address += std::string("&filter=") + (encoded ? encoded : "");
    curl_free(encoded);
  }
  std::string body;
  curl_easy_setopt(curl, CURLOPT_URL, address.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeoutMs);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeoutMs);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, appendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  CURLcode code = curl_easy_perform(curl);
  long http = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &http);
  curl_easy_cleanup(curl);
  if (code != CURLE_OK) {
    error = fmt::format("alertmanager unreachable at {}: {}", url, curl_easy_strerror(code));
    return std::nullopt;
  }
  if (http != 200) {
    error = fmt::format("alertmanager answered HTTP {}", http);
    return std::nullopt;
  }
  auto parsed = planformat::parseBoundedJson(body);
  if (!parsed || !parsed->getAsArray()) {
    if (!parsed) llvm::consumeError(parsed.takeError());
    error = "alertmanager answered something that is not a JSON array of alerts";
    return std::nullopt;
  }
  return !parsed->getAsArray()->empty();
}

AlertmanagerAlarmSource::AlertmanagerAlarmSource(std::string url, int periodMs)
    : url_(std::move(url)), periodMs_(periodMs) {
  while (!url_.empty() && url_.back() == '/') url_.pop_back();
  poller_ = std::thread([this] { poll(); });
}

AlertmanagerAlarmSource::~AlertmanagerAlarmSource() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  stop_.notify_all();
  poller_.join();
}

std::optional<bool> AlertmanagerAlarmSource::firing(const std::string& name, Instant) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto it = states_.find(name); it != states_.end()) return it->second;
  }
  std::string error;
  auto state = query(url_, name, 2000, error);
  std::lock_guard<std::mutex> lock(mutex_);
  states_[name] = state;
  return state;
}

void AlertmanagerAlarmSource::poll() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    stop_.wait_for(lock, std::chrono::milliseconds(periodMs_), [this] { return stopping_; });
    if (stopping_) return;
    std::vector<std::string> names;
    for (const auto& [name, state] : states_) names.push_back(name);
    lock.unlock();
    std::map<std::string, std::optional<bool>> fresh;
    for (const auto& name : names) {
      std::string error;
      fresh[name] = query(url_, name, std::max(200, periodMs_), error);
    }
    lock.lock();
    for (auto& [name, state] : fresh) states_[name] = state;
  }
}

}  // namespace pipelang::runtime
