// One Prometheus query for many scopes (docs/runtime.md "One query per metric
// per period"): a user's `prometheus(QUERY)` is rewritten so that `{scope}`
// matches every watched scope of one kind and fleet at once and each
// aggregation is grouped `by` the scope's labels; the answer's series are then
// split back per scope. Only text here: the HTTP side is PrometheusMetricSource.
#pragma once

#include "runtime/alarm/Scope.h"

#include <optional>
#include <string>
#include <vector>

namespace pipelang::runtime {

// The labels that tell scopes of a kind apart: {"region"}, {"region", "zone"}
// or {"region", "zone", "host"} (the stage matcher is the same for a whole batch).
std::vector<std::string> scopeLabelNames(Scope::Kind kind);
// The scope's values of scopeLabelNames(scope.kind), in that order.
std::vector<std::string> scopeLabelValues(const Scope& scope);

// VALUE as a PromQL double-quoted string's contents: `\`, `"` and newline escaped.
std::string promqlStringEscape(const std::string& value);
// VALUE as a literal in Prometheus's (RE2, fully anchored) regex syntax: every
// metacharacter `\.+*?()|[]{}^$` is preceded by `\`.
std::string regexQuote(const std::string& value);

// The matchers for every scope of SCOPES (all of one kind and one fleet; at
// least one): `region=~"a|b",zone=~"a\\.1|b",stage=~"|prod"`, each value
// regex-quoted then string-escaped, each distinct value once.
std::string batchMatchers(const std::vector<Scope>& scopes);

// QUERY with each aggregation (`sum`, `avg`, `min`, `max`, `count`, `group`,
// `stddev`, `stdvar`, `quantile`) grouped by LABELS as well (added to its `by`
// list, or a `by (...)` inserted), `{scope}` left in place. None, with `whyNot`
// set, when the answer could not be split back per scope exactly as the
// per-scope queries would answer: a vector selector without `{scope}`,
// `without`, `on`/`ignoring`/`group_left`/`group_right`, functions that
// invent or rewrite series or labels (`topk`, `bottomk`, `count_values`,
// `limitk`, `limit_ratio`, `absent`, `absent_over_time`, `scalar`, `vector`,
// `time`, `label_replace`, `label_join`), a comment, unbalanced brackets, or
// text that does not lex.
// A query without `{scope}` is returned unchanged (one answer for every scope).
std::optional<std::string> groupedByScope(const std::string& query, const std::vector<std::string>& labels,
                                          std::string& whyNot);

// QUERY (already groupedByScope) with every `{scope}` replaced by batchMatchers(scopes).
std::string fillBatchScope(const std::string& groupedQuery, const std::vector<Scope>& scopes);

}  // namespace pipelang::runtime
