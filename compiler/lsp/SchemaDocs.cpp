#include "compiler/lsp/SchemaDocs.h"

namespace pipelang::lsp {

const std::vector<SchemaEntry>& schemaEntries() {
  static const std::vector<SchemaEntry> entries = {
      {"pipeline", "artifact", false, "string, required: what is deployed (image, package, config set)"},
      {"pipeline", "kind", false, "`code`, `config`, `infrastructure`, `os` or `tools` (default `code`)"},
      {"pipeline", "topology", false, "ref, required: the topology whose regions the pipeline deploys to"},
      {"pipeline", "policy", false, "ref, default `strict`: the thresholds the checks enforce"},
      {"pipeline", "hosts_per_zone", false, "int: overrides the topology's hosts per zone for this service"},
      {"pipeline", "rollback_on", false, "alarm expression, required for prod: the aggregate rollback alarm"},
      {"pipeline", "block_on", false, "list of alarms that stop a new stage from starting while firing"},
      {"pipeline", "deploy", true, "required: the command the runtime calls per batch (`run`, `rollback`, `timeout`)"},
      {"pipeline", "metrics", true, "named metrics: `NAME = prometheus(QUERY [, UNIT])` or `command(CMD [, UNIT])`"},
      {"pipeline", "alarms", true, "named alarms: `NAME = METRIC CMP VALUE [for M of N [every PERIOD]]`"},
      {"pipeline", "windows", true, "when a stage may start: `allow` and `deny` blocks, `timezone`"},
      {"pipeline", "emergency", true, "expedited mode: shorter bakes with approvals, never skipped stages"},
      {"pipeline", "stage", true, "a pre-production stage (`alpha`, `beta`, `gamma`...), in order"},
      {"pipeline", "prod", true, "required for a pipeline: the production phase, in waves of regions"},
      {"deploy", "run", false, "string: the command run for each batch"},
      {"deploy", "rollback", false, "string: the rollback command (default: `run` with the last good version)"},
      {"deploy", "timeout", false, "duration: a batch that takes longer fails"},
      {"deploy", "expected", false, "duration, default 5m: what a batch usually takes (plan analysis)"},
      {"deploy", "rollback_time", false, "duration, default 2m: what a rollback usually takes (plan analysis)"},
      {"windows", "timezone", false, "string: IANA time zone of the windows, e.g. \"America/Los_Angeles\""},
      {"windows", "allow", true, "a window in which a stage may start: `days`, `hours`"},
      {"windows", "deny", true, "a window in which no stage may start: `dates`, `days`, `hours`"},
      {"windows", "off_hours_bake", false, "percent: bake multiplier for a stage that starts outside every allow"},
      {"allow", "days", false, "range or list of days, e.g. `mon..thu`"},
      {"allow", "hours", false, "range of times of day, e.g. `09:00..16:00`"},
      {"deny", "dates", false, "list of date ranges, e.g. `[\"2026-12-24\"..\"2027-01-02\"]`"},
      {"deny", "days", false, "range or list of days"},
      {"deny", "hours", false, "range of times of day"},
      {"emergency", "approvers", false, "list of strings, required, non-empty: who may approve"},
      {"emergency", "bake", false, "percent: every bake is scaled by this"},
      {"emergency", "min_bake", false, "duration: the floor of a scaled bake; never zero (S210)"},
      {"stage", "regions", false, "list of regions (default: the first wave's regions)"},
      {"stage", "bake", false, "duration: how long the stage bakes while alarms are watched"},
      {"stage", "onebox", true, "a one-box first: `traffic`, `bake`"},
      {"stage", "test", true, "a test run after the deployment: `run`, `timeout`"},
      {"test", "run", false, "string: the test command"},
      {"test", "timeout", false, "duration: a test that takes longer fails"},
      {"prod", "onebox", true, "the one-box every wave starts with (default for every wave)"},
      {"prod", "rolling", true, "hosts replaced in batches: `batch`, `min_healthy`"},
      {"prod", "canary", true, "traffic shifted in steps: `steps`, `bake` (config and feature flags)"},
      {"prod", "wave", true, "`wave N`: a group of regions deployed together, in order of N"},
      {"wave", "regions", false, "list of regions, or `rest` (only in the last wave)"},
      {"wave", "bake", false, "duration: bake after the whole wave"},
      {"wave", "zone_bake", false, "duration, default 0: bake after each zone step"},
      {"wave", "min_traffic", false, "condition the bake must also meet, e.g. `requests >= 100`"},
      {"wave", "parallel_zones", false, "int, default 1: zones per region deployed at a time"},
      {"wave", "onebox", true, "overrides the prod one-box for this wave"},
      {"wave", "rolling", true, "overrides the prod rolling settings for this wave"},
      {"wave", "canary", true, "overrides the prod canary settings for this wave"},
      {"onebox", "traffic", false, "percent: the one-box's share of the zone's requests"},
      {"onebox", "bake", false, "duration: how long the one-box bakes"},
      {"rolling", "batch", false, "percent: max share of a zone's hosts replaced at once"},
      {"rolling", "min_healthy", false, "percent: share of capacity always serving"},
      {"canary", "steps", false, "list of percents; the last must be 100%"},
      {"canary", "bake", false, "duration: bake per step"},
      {"topology", "region", true, "`region ID { zones = [...] traffic = N% hosts_per_zone = N }`"},
      {"region", "zones", false, "list of zone IDs, required, unique across the topology"},
      {"region", "traffic", false, "percent of global requests (blast-radius analysis)"},
      {"region", "hosts_per_zone", false, "int, default 10"},
  };
  return entries;
}

const SchemaEntry* findSchemaEntry(std::string_view context, std::string_view name) {
  for (const SchemaEntry& entry : schemaEntries())
    if (entry.context == context && entry.name == name) return &entry;
  return nullptr;
}

}  // namespace pipelang::lsp
