// Which pipelines share their parent's plan shape. A service that extends a
// template and only says what it deploys (artifact, kind, deploy commands,
// Prometheus URL) or how waiting versions queue (execution_mode) gets the
// same stages, regions, steps, windows, timings and alarms as every sibling
// that does the same: the plan analysis (S218, S219) of all of them is one
// computation. Anything else in the body — a bake, a wave, hosts_per_zone,
// an alarm — makes the shape its own.
#include "compiler/sema/Builder.h"

#include <algorithm>
#include <string_view>

namespace pipelang::sema {
namespace {

bool isAttribute(const ast::Member& member, std::initializer_list<std::string_view> names) {
  return member.attribute && std::find(names.begin(), names.end(), member.attribute->name) != names.end();
}

bool namesOnlyDeployCommands(const ast::Block& block) {
  return block.type == "deploy" && block.label.kind == ast::LabelKind::None &&
         std::all_of(block.body.members.begin(), block.body.members.end(), [](const ast::Member& member) {
           return isAttribute(member, {"run", "rollback"});
         });
}

}  // namespace

const void* planShapeOf(const ResolvedDecl& resolved) {
  if (resolved.chain.size() < 2) return nullptr;
  const auto& members = resolved.decl().body.members;
  bool neutral = std::all_of(members.begin(), members.end(), [](const ast::Member& member) {
    return isAttribute(member, {"artifact", "kind", "execution_mode", "prometheus_url", "alertmanager_url"}) ||
           (member.block && namesOnlyDeployCommands(*member.block));
  });
  return neutral ? resolved.chain[resolved.chain.size() - 2] : nullptr;
}

}  // namespace pipelang::sema
