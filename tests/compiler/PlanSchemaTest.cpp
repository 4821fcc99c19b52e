// Every plan the examples and golden files produce validates against
// docs/plan.schema.json. The validator covers the subset of JSON Schema the
// file uses: type, required, properties, additionalProperties, items, enum,
// const, anyOf and local $ref (pattern is checked only for the digest).
#include "compiler/driver/Frontend.h"
#include "compiler/plan/PlanBuilder.h"
#include "compiler/plan/PlanWriter.h"
#include "compiler/sema/Model.h"

#include <gtest/gtest.h>

#include <llvm/ADT/iterator.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using namespace pipelang;
using llvm::json::Object;
using llvm::json::Value;

namespace {

fs::path sourceDir() {
  const char* dir = std::getenv("PIPE_SOURCE_DIR");
  return dir ? fs::path(dir) : fs::path(PIPE_SOURCE_DIR);
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool hasType(const Value& value, llvm::StringRef type) {
  switch (value.kind()) {
    case Value::Null:
      return type == "null";
    case Value::Boolean:
      return type == "boolean";
    case Value::String:
      return type == "string";
    case Value::Array:
      return type == "array";
    case Value::Object:
      return type == "object";
    case Value::Number:
      return type == "number" || (type == "integer" && value.getAsInteger().hasValue());
  }
  return false;
}

class Validator {
 public:
  explicit Validator(const Value& root) : root_(root) {}

  void check(const Value& value, const Value& schemaValue, const std::string& path, std::vector<std::string>& errors) {
    const Object* schema = schemaValue.getAsObject();
    if (!schema) return;
    if (auto ref = schema->getString("$ref")) {  // "#/$defs/NAME"
      const Value* target = root_.getAsObject()->getObject("$defs")->get(ref->substr(ref->rfind('/') + 1));
      return check(value, *target, path, errors);
    }
    if (const Value* type = schema->get("type")) {
      bool ok = false;
      if (auto single = type->getAsString()) ok = hasType(value, *single);
      if (const auto* list = type->getAsArray())
        for (const Value& item : *list) ok |= hasType(value, *item.getAsString());
      if (!ok) return errors.push_back(path + ": wrong type");
    }
    if (const Value* constant = schema->get("const"); constant && !(*constant == value))
      errors.push_back(path + ": not the constant");
    if (const auto* options = schema->getArray("enum")) {
      bool found = false;
      for (const Value& option : *options) found |= option == value;
      if (!found) errors.push_back(path + ": not one of the enum");
    }
    if (const auto* anyOf = schema->getArray("anyOf")) {
      bool matched = false;
      for (const Value& option : *anyOf) {
        std::vector<std::string> sub;
        check(value, option, path, sub);
        matched |= sub.empty();
      }
      if (!matched) errors.push_back(path + ": matches no anyOf branch");
    }
    if (const Object* object = value.getAsObject()) {
      if (const auto* required = schema->getArray("required"))
        for (const Value& key : *required)
          if (!object->get(*key.getAsString())) errors.push_back(path + ": missing " + key.getAsString()->str());
      const Object* properties = schema->getObject("properties");
      const Value* additional = schema->get("additionalProperties");
      for (const auto& [key, child] : *object) {
        if (properties && properties->get(key))
          check(child, *properties->get(key), path + "." + key.str(), errors);
        else if (additional)
          check(child, *additional, path + "." + key.str(), errors);
      }
    }
    if (const auto* array = value.getAsArray(); array && schema->get("items"))
      for (size_t i = 0; i < array->size(); ++i)
        check((*array)[i], *schema->get("items"), path + "[" + std::to_string(i) + "]", errors);
  }

 private:
  const Value& root_;
};

}  // namespace

TEST(PlanSchema, EveryExamplePlanValidates) {
  auto schema = llvm::json::parse(readFile(sourceDir() / "docs/plan.schema.json"));
  ASSERT_TRUE(bool(schema)) << llvm::toString(schema.takeError());
  Validator validator(*schema);
  size_t plans = 0;
  for (const char* dir : {"examples/services", "tests/golden/plan/lib/family"}) {
    FrontendOptions options;
    options.inputs.push_back(sourceDir() / dir);
    options.root = sourceDir() / fs::path(dir).parent_path();
    auto compilation = Frontend::run(options);
    ASSERT_TRUE(compilation->program);
    for (const model::Pipeline& pipeline : llvm::make_pointee_range(compilation->program->pipelines)) {
      // Validate what a reader sees: the written file, parsed back.
      auto parsed = llvm::json::parse(plan::writePlanText(plan::buildPlanJson(pipeline)));
      ASSERT_TRUE(bool(parsed));
      std::vector<std::string> errors;
      validator.check(*parsed, *schema, pipeline.name, errors);
      EXPECT_TRUE(errors.empty()) << errors.front();
      ++plans;
    }
  }
  EXPECT_GE(plans, 7u);
}
