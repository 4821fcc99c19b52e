#include "compiler/plan/PlanGraph.h"

#include "compiler/plan/PlanDiffSyntax.h"

#include <fmt/format.h>

#include <map>
#include <vector>

namespace pipelang::plan {
namespace {

struct Node {
  std::string name;   // n<index>
  std::string label;  // the step id without its stage, and what it does
  std::vector<std::string> after;
};

struct Cluster {
  std::string stage;
  std::vector<size_t> nodes;
};

std::string str(const llvm::json::Object* object, llvm::StringRef key) {
  auto value = object ? object->getString(key) : llvm::None;
  return value ? value->str() : "";
}

// Steps grouped by stage, in plan order; edges by node name.
std::pair<std::vector<Node>, std::vector<Cluster>> collect(const llvm::json::Value& plan) {
  std::vector<Node> nodes;
  std::vector<Cluster> clusters;
  std::map<std::string, std::string> names;
  const auto* root = plan.getAsObject();
  const auto* steps = root ? root->getArray("steps") : nullptr;
  for (size_t i = 0; steps && i < steps->size(); ++i) {
    const auto* step = (*steps)[i].getAsObject();
    std::string id = str(step, "id"), stage = str(step, "stage"), type = str(step, "type");
    std::string shortId = id.rfind(stage + "/", 0) == 0 ? id.substr(stage.size() + 1) : id;
    Node node{fmt::format("n{}", i), shortId, {}};
    if (const auto* hosts = step ? step->getArray("hosts") : nullptr; hosts && !hosts->empty())
      node.label += fmt::format(" ({} host{})", hosts->size(), hosts->size() == 1 ? "" : "s");
    // Durations as `.pipe` writes them (`1h`, `12h`, `1h30m`), never raw seconds.
    if (auto bake = step ? step->getNumber("bake_s") : llvm::None; bake && type == "bake")
      node.label += " " + pipeDuration(*bake);
    else if (bake && *bake > 0)
      node.label += ", bake " + pipeDuration(*bake);
    if (const auto* after = step ? step->getArray("after") : nullptr)
      for (const auto& before : *after)
        if (auto name = names.find(before.getAsString().getValueOr("").str()); name != names.end())
          node.after.push_back(name->second);
    names[id] = node.name;
    if (clusters.empty() || clusters.back().stage != stage) clusters.push_back({stage, {}});
    clusters.back().nodes.push_back(nodes.size());
    nodes.push_back(std::move(node));
  }
  return {std::move(nodes), std::move(clusters)};
}

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '"')
      out += "\\\"";
    else if (c == '\\')
      out += "\\\\";
    else
      out += c;
  }
  return out;
}

}  // namespace

std::string graphMermaid(const llvm::json::Value& plan) {
  auto [nodes, clusters] = collect(plan);
  std::string out = "flowchart TD\n";
  for (const Cluster& cluster : clusters) {
    out += fmt::format("  subgraph {}[\"{}\"]\n", cluster.stage, cluster.stage);
    for (size_t index : cluster.nodes) out += fmt::format("    {}[\"{}\"]\n", nodes[index].name, nodes[index].label);
    out += "  end\n";
  }
  for (const Node& node : nodes)
    for (const std::string& before : node.after) out += fmt::format("  {} --> {}\n", before, node.name);
  return out;
}

std::string graphDot(const llvm::json::Value& plan) {
  auto [nodes, clusters] = collect(plan);
  const auto* root = plan.getAsObject();
  std::string name = root && root->getString("pipeline") ? root->getString("pipeline")->str() : "plan";
  std::string out = fmt::format("digraph \"{}\" {{\n  rankdir=TB;\n  node [shape=box];\n", escape(name));
  for (const Cluster& cluster : clusters) {
    out +=
        fmt::format("  subgraph \"cluster_{}\" {{\n    label=\"{}\";\n", escape(cluster.stage), escape(cluster.stage));
    for (size_t index : cluster.nodes)
      out += fmt::format("    {} [label=\"{}\"];\n", nodes[index].name, escape(nodes[index].label));
    out += "  }\n";
  }
  for (const Node& node : nodes)
    for (const std::string& before : node.after) out += fmt::format("  {} -> {};\n", before, node.name);
  out += "}\n";
  return out;
}

}  // namespace pipelang::plan
