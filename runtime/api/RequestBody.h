// The JSON bodies of the mutating routes (docs/openapi.yaml) read into the
// requests of ServiceApi.h. Strict: a body that is not a JSON object, a field
// of the wrong type, an unknown field or a missing required field is refused
// with one sentence naming the field (the API answers 400 with it).
#pragma once

#include "runtime/service/ServiceApi.h"

#include <string>
#include <variant>

namespace pipelang::runtime::api {

// Each reader takes the pipeline (from the path) and the raw body; an empty
// body reads as {}. On refusal the string is the sentence for {"error": ...}.
std::variant<service::SubmitRequest, std::string> readSubmit(const std::string& pipeline, const std::string& body);
std::variant<service::ApproveRequest, std::string> readApprove(const std::string& pipeline, const std::string& body);
std::variant<service::OverrideRequest, std::string> readOverride(const std::string& pipeline, const std::string& body);
std::variant<service::RollbackRequest, std::string> readRollback(const std::string& pipeline, const std::string& body);

}  // namespace pipelang::runtime::api
