#include "runtime/api/RequestBody.h"

#include "compiler/plan/BoundedJson.h"
#include "runtime/text/Printable.h"

#include <llvm/Support/JSON.h>

#include <map>
#include <optional>

namespace pipelang::runtime::api {

namespace {

constexpr unsigned kMaxBodyDepth = 8;

enum class Kind { Identifier, Text, Bool };

struct Field {
  Kind kind;
  bool required;
};

using Fields = std::map<std::string, Field>;
using Values = std::map<std::string, llvm::json::Value>;

std::string known(const Fields& fields) {
  std::string list;
  for (const auto& [name, field] : fields) list += (list.empty() ? "" : ", ") + name;
  return list;
}

// The body's fields checked against `fields`: the values, or the refusal.
std::variant<Values, std::string> readFields(const std::string& body, const Fields& fields) {
  llvm::json::Value parsed = llvm::json::Object{};
  if (!llvm::StringRef(body).trim().empty()) {
    // Request bodies are flat: a deep one is refused before it can recurse.
    auto value = planformat::parseBoundedJson(body, kMaxBodyDepth);
    if (!value) return "the body is not JSON: " + printable(llvm::toString(value.takeError()));
    parsed = std::move(*value);
  }
  const llvm::json::Object* object = parsed.getAsObject();
  if (!object) return std::string("the body must be a JSON object");
  Values values;
  for (const auto& [key, value] : *object) {
    auto field = fields.find(key.str());
    if (field == fields.end()) return "unknown field \"" + printable(key.str()) + "\" (known: " + known(fields) + ")";
    const std::string& name = field->first;
    if (field->second.kind == Kind::Bool) {
      if (!value.getAsBoolean()) return "field \"" + name + "\" must be true or false";
    } else {
      auto text = value.getAsString();
      if (!text) return "field \"" + name + "\" must be a string";
      if (field->second.kind == Kind::Identifier && (text->empty() || hasControl(*text) || text->size() > 256))
        return "field \"" + name + "\" must be a non-empty identifier without control characters, not \"" +
               printable(*text) + "\"";
      if (field->second.kind == Kind::Text && llvm::StringRef(*text).trim().empty())
        return "field \"" + name + "\" must not be empty";
    }
    values.emplace(name, value);
  }
  for (const auto& [name, field] : fields)
    if (field.required && !values.count(name)) return "field \"" + name + "\" is required";
  return values;
}

std::string text(const Values& values, const std::string& name) {
  auto it = values.find(name);
  return it == values.end() ? "" : it->second.getAsString()->str();
}

bool flag(const Values& values, const std::string& name) {
  auto it = values.find(name);
  return it != values.end() && *it->second.getAsBoolean();
}

}  // namespace

std::variant<service::SubmitRequest, std::string> readSubmit(const std::string& pipeline, const std::string& body) {
  auto read = readFields(body, {{"version", {Kind::Identifier, true}},
                                {"first_deploy", {Kind::Bool, false}},
                                {"retry_failed", {Kind::Bool, false}},
                                {"reason", {Kind::Text, false}}});
  if (auto* refusal = std::get_if<std::string>(&read)) return *refusal;
  const Values& values = std::get<Values>(read);
  service::SubmitRequest request{pipeline, text(values, "version"), flag(values, "first_deploy"),
                                 flag(values, "retry_failed"), text(values, "reason")};
  if (request.retryFailed && request.reason.empty())
    return std::string("field \"reason\" is required with retry_failed");
  return request;
}

std::variant<service::ApproveRequest, std::string> readApprove(const std::string& pipeline, const std::string& body) {
  auto read = readFields(body, {{"version", {Kind::Identifier, false}}, {"stage", {Kind::Identifier, false}}});
  if (auto* refusal = std::get_if<std::string>(&read)) return *refusal;
  const Values& values = std::get<Values>(read);
  return service::ApproveRequest{pipeline, text(values, "version"), text(values, "stage")};
}

std::variant<service::OverrideRequest, std::string> readOverride(const std::string& pipeline, const std::string& body) {
  auto read = readFields(body, {{"target", {Kind::Identifier, true}},
                                {"reason", {Kind::Text, true}},
                                {"version", {Kind::Identifier, false}},
                                {"stage", {Kind::Identifier, false}}});
  if (auto* refusal = std::get_if<std::string>(&read)) return *refusal;
  const Values& values = std::get<Values>(read);
  return service::OverrideRequest{pipeline, text(values, "target"), text(values, "reason"), text(values, "version"),
                                  text(values, "stage")};
}

std::variant<service::RollbackRequest, std::string> readRollback(const std::string& pipeline, const std::string& body) {
  auto read = readFields(
      body, {{"reason", {Kind::Text, true}}, {"version", {Kind::Identifier, false}}, {"all", {Kind::Bool, false}}});
  if (auto* refusal = std::get_if<std::string>(&read)) return *refusal;
  const Values& values = std::get<Values>(read);
  return service::RollbackRequest{pipeline, text(values, "reason"), text(values, "version"), flag(values, "all")};
}

}  // namespace pipelang::runtime::api
