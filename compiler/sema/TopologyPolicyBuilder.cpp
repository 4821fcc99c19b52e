// Topologies (language.md §5.1) and policies (checks.md §3) into the model.
#include "compiler/sema/Builder.h"

#include <map>

namespace pipelang::sema {

model::Topology buildTopology(const ResolvedDecl& decl, DiagnosticSink& sink) {
  ValueReader reader(decl, sink);
  model::Topology topology;
  topology.name = decl.decl().name;
  topology.origin = {decl.decl().nameRange, {}};
  std::map<std::string, SourceRange> zoneOwners;  // zones are unique across the topology
  for (const MergedBlock* block : decl.body->children("region")) {
    model::Region region;
    region.id = block->label;
    region.origin = reader.originOf(*block);
    if (auto traffic = reader.percent(block, "traffic")) region.traffic = traffic->value;
    if (auto hosts = reader.integer(block, "hosts_per_zone")) region.hostsPerZone = hosts->value;
    std::vector<SourceRange> ranges;
    if (auto zones = reader.names(block, "zones", &ranges)) {
      for (size_t i = 0; i < zones->value.size(); ++i) {
        auto [it, inserted] = zoneOwners.emplace(zones->value[i], ranges[i]);
        if (!inserted) {
          Diagnostic& d =
              sink.report(DiagCode::R102, ranges[i],
                          "zone `" + zones->value[i] + "` is listed twice in topology `" + topology.name + "`");
          d.notes.push_back({"first listed here", it->second});
          continue;
        }
        region.zones.push_back(zones->value[i]);
      }
    } else if (!block->attr("zones")) {
      sink.report(DiagCode::R108, region.origin.range, "region `" + region.id + "` has no `zones`");
    }
    topology.regionIndex.emplace(region.id, topology.regions.size());
    topology.regions.push_back(std::move(region));
  }
  return topology;
}

model::Policy buildPolicy(const ResolvedDecl& decl, DiagnosticSink& sink) {
  ValueReader reader(decl, sink);
  model::Policy policy;
  policy.name = decl.decl().name;
  policy.origin = {decl.decl().nameRange, {}};
  const MergedBlock* body = decl.body.get();
  // A threshold's origin spans the whole `name = value`, so notes point at the line's start.
  auto widen = [&](auto located, const char* name) {
    if (located) {
      if (const MergedAttr* a = body->attr(name); a && a->attr) located->origin.range.begin = a->attr->nameRange.begin;
    }
    return located;
  };
  policy.oneboxMaxTraffic = widen(reader.percent(body, "onebox_max_traffic"), "onebox_max_traffic");
  policy.maxBatch = widen(reader.percent(body, "max_batch"), "max_batch");
  policy.minHealthy = widen(reader.percent(body, "min_healthy"), "min_healthy");
  policy.maxZonesPerRegion = widen(reader.integer(body, "max_zones_per_region"), "max_zones_per_region");
  policy.firstWaveMaxRegions = widen(reader.integer(body, "first_wave_max_regions"), "first_wave_max_regions");
  policy.minBakeOnebox = widen(reader.duration(body, "min_bake_onebox"), "min_bake_onebox");
  policy.minBakeFirstWave = widen(reader.duration(body, "min_bake_first_wave"), "min_bake_first_wave");
  policy.minBakeWave = widen(reader.duration(body, "min_bake_wave"), "min_bake_wave");
  policy.maxTimeToGlobal = widen(reader.duration(body, "max_time_to_global"), "max_time_to_global");
  policy.maxRecovery = widen(reader.duration(body, "max_recovery"), "max_recovery");
  policy.minVersionsPerWeek = widen(reader.integer(body, "min_versions_per_week"), "min_versions_per_week");
  policy.requirePreprod = widen(reader.names(body, "require_preprod"), "require_preprod");
  policy.fridayCutoff = widen(reader.time(body, "friday_cutoff"), "friday_cutoff");
  policy.latestStart = widen(reader.time(body, "latest_start"), "latest_start");
  return policy;
}

}  // namespace pipelang::sema
