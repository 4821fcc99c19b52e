#include "runtime/cli/ServerClient.h"

#include "compiler/plan/BoundedJson.h"

#include "runtime/cli/Commands.h"
#include "runtime/text/Printable.h"

#include <curl/curl.h>
#include <llvm/Support/JSON.h>
#include <llvm/Support/raw_ostream.h>

#include <mutex>

namespace pipelang::runtime::cli {

namespace {

constexpr long kCallTimeoutMs = 30000, kConnectTimeoutMs = 5000;

size_t toSink(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<const std::function<bool(const char*, size_t)>*>(user);
  return (*sink)(data, size * count) ? size * count : 0;  // 0 ends the transfer
}

// The lines of a text/event-stream, one event per blank line (the SSE format).
class EventParser {
 public:
  using OnEvent = std::function<bool(const std::string&, const std::string&, const std::string&)>;
  explicit EventParser(const OnEvent& onEvent) : onEvent_(onEvent) {}
  bool feed(const char* data, size_t size) {
    buffer_.append(data, size);
    size_t end;
    while ((end = buffer_.find('\n')) != std::string::npos) {
      std::string line = buffer_.substr(0, end);
      buffer_.erase(0, end + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) {
        bool go = data_.empty() || onEvent_(id_, type_.empty() ? "message" : type_, data_);
        id_.clear(), type_.clear(), data_.clear();
        if (!go) return false;
      } else if (line.rfind("id: ", 0) == 0) {
        id_ = line.substr(4);
      } else if (line.rfind("event: ", 0) == 0) {
        type_ = line.substr(7);
      } else if (line.rfind("data: ", 0) == 0) {
        data_ += (data_.empty() ? "" : "\n") + line.substr(6);
      }  // ": comment" (heartbeats) and "retry:" need nothing
    }
    return true;
  }

 private:
  const OnEvent& onEvent_;
  std::string buffer_, id_, type_, data_;
};

}  // namespace

ServerClient::ServerClient(std::string base, std::string token) : base_(std::move(base)), token_(std::move(token)) {
  while (!base_.empty() && base_.back() == '/') base_.pop_back();
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string ServerClient::escape(const std::string& text) {
  char* escaped = curl_easy_escape(nullptr, text.c_str(), static_cast<int>(text.size()));
  std::string result = escaped ? escaped : "";
  curl_free(escaped);
  return result;
}

HttpAnswer ServerClient::perform(const std::string& method, const std::string& path, const std::string& body,
                                 const std::function<bool(const char*, size_t)>& sink, long timeoutMs) const {
  HttpAnswer answer;
  CURL* curl = curl_easy_init();
  if (!curl) return {0, "", "cannot start libcurl"};
  std::string url = base_ + path;
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Accept: application/json, text/event-stream");
  if (!token_.empty()) headers = curl_slist_append(headers, ("Authorization: Bearer " + token_).c_str());
  if (method == "POST") headers = curl_slist_append(headers, "Content-Type: application/json");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, kConnectTimeoutMs);
  if (timeoutMs > 0) curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeoutMs);
  // The token goes to this server only: never follow a redirect elsewhere.
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  if (method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  bool streaming = false;
  std::function<bool(const char*, size_t)> write = [&](const char* data, size_t size) {
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    char* type = nullptr;
    curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type);
    if (sink && status == 200 && type && llvm::StringRef(type).startswith("text/event-stream")) {
      streaming = true;
      return sink(data, size);
    }
    answer.body.append(data, size);
    return answer.body.size() < (1u << 26);
  };
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, toSink);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &write);
  CURLcode code = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &answer.status);
  // A stream that onEvent ended (a write error) or that the server cut when it
  // stopped (a partial chunked answer) has simply ended: not a failure.
  if (code != CURLE_OK && !streaming) {
    answer.failure = curl_easy_strerror(code);
    if (answer.status >= 200 && answer.status < 300) answer.status = 0;  // cut off mid-answer
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return answer;
}

HttpAnswer ServerClient::get(const std::string& path) const {
  return perform("GET", path, "", nullptr, kCallTimeoutMs);
}

HttpAnswer ServerClient::post(const std::string& path, const std::string& jsonBody) const {
  return perform("POST", path, jsonBody, nullptr, kCallTimeoutMs);
}

HttpAnswer ServerClient::stream(
    const std::string& path,
    const std::function<bool(const std::string&, const std::string&, const std::string&)>& onEvent) const {
  EventParser parser(onEvent);
  return perform(
      "GET", path, "", [&](const char* data, size_t size) { return parser.feed(data, size); }, 0);
}

int reportFailure(const ServerClient& client, const HttpAnswer& answer) {
  if (answer.status >= 200 && answer.status < 300) return kDeployed;
  if (answer.status == 0) {
    llvm::errs() << "piperun: cannot reach the server at " << printable(client.base()) << ": " << answer.failure
                 << "\n";
    return kRuntimeError;
  }
  std::string text = "no error text";
  auto body = planformat::parseBoundedJson(answer.body);
  if (!body)
    llvm::consumeError(body.takeError());
  else if (const auto* object = body->getAsObject())
    if (auto error = object->getString("error")) text = error->str();
  if (answer.status >= 500) {
    llvm::errs() << "piperun: the server at " << printable(client.base()) << " failed (HTTP " << answer.status
                 << "): " << printable(text) << "\n";
    return kRuntimeError;
  }
  llvm::errs() << "piperun: " << printable(text) << " (HTTP " << answer.status << ")\n";
  if (answer.status == 401) llvm::errs() << "piperun: the token comes from the environment variable PIPERUN_TOKEN\n";
  return answer.status == 400 ? kUsageError : kRuntimeError;
}

}  // namespace pipelang::runtime::cli
