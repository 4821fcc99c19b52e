#include "runtime/service/RelayCodec.h"

#include <llvm/Support/raw_ostream.h>

namespace pipelang::runtime::service {
namespace json = llvm::json;
namespace {

std::optional<json::Object> object(const std::string& text) {
  auto parsed = json::parse(text);
  if (!parsed) {
    llvm::consumeError(parsed.takeError());
    return std::nullopt;
  }
  if (auto* o = parsed->getAsObject()) return std::move(*o);
  return std::nullopt;
}

std::string str(const json::Object& o, const char* key) {
  auto v = o.getString(key);
  return v ? v->str() : "";
}

bool flag(const json::Object& o, const char* key) {
  auto v = o.getBoolean(key);
  return v && *v;
}

}  // namespace

std::string encodeBody(const json::Value& body) {
  std::string text;
  llvm::raw_string_ostream out(text);
  out << body;
  return out.str();
}

json::Value decodeBody(const std::string& text) {
  auto parsed = json::parse(text);
  if (parsed) return std::move(*parsed);
  llvm::consumeError(parsed.takeError());
  return json::Object{{"error", "the instance running the pipeline gave an unreadable answer"}};
}

std::string encodeRequest(const SubmitRequest& r) {
  return encodeBody(json::Object{{"pipeline", r.pipeline},
                                 {"version", r.version},
                                 {"first_deploy", r.firstDeploy},
                                 {"retry_failed", r.retryFailed},
                                 {"reason", r.reason}});
}

std::string encodeRequest(const ApproveRequest& r) {
  return encodeBody(json::Object{{"pipeline", r.pipeline}, {"version", r.version}, {"stage", r.stage}});
}

std::string encodeRequest(const OverrideRequest& r) {
  return encodeBody(json::Object{{"pipeline", r.pipeline},
                                 {"target", r.target},
                                 {"reason", r.reason},
                                 {"version", r.version},
                                 {"stage", r.stage}});
}

std::string encodeRequest(const RollbackRequest& r) {
  return encodeBody(
      json::Object{{"pipeline", r.pipeline}, {"reason", r.reason}, {"version", r.version}, {"all", r.all}});
}

std::optional<SubmitRequest> decodeSubmit(const std::string& text) {
  auto o = object(text);
  if (!o) return std::nullopt;
  return SubmitRequest{str(*o, "pipeline"), str(*o, "version"), flag(*o, "first_deploy"), flag(*o, "retry_failed"),
                       str(*o, "reason")};
}

std::optional<ApproveRequest> decodeApprove(const std::string& text) {
  auto o = object(text);
  if (!o) return std::nullopt;
  return ApproveRequest{str(*o, "pipeline"), str(*o, "version"), str(*o, "stage")};
}

std::optional<OverrideRequest> decodeOverride(const std::string& text) {
  auto o = object(text);
  if (!o) return std::nullopt;
  return OverrideRequest{str(*o, "pipeline"), str(*o, "target"), str(*o, "reason"), str(*o, "version"),
                         str(*o, "stage")};
}

std::optional<RollbackRequest> decodeRollback(const std::string& text) {
  auto o = object(text);
  if (!o) return std::nullopt;
  return RollbackRequest{str(*o, "pipeline"), str(*o, "reason"), str(*o, "version"), flag(*o, "all")};
}

}  // namespace pipelang::runtime::service
