#include "runtime/metrics/BatchedQuery.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

namespace pipelang::runtime {

namespace {

const std::string kPlaceholder = "{scope}";

struct Token {
  enum class Kind { Ident, Scope, String, Number, Punct } kind;
  size_t begin = 0, end = 0;  // offsets in the query
  std::string text;           // identifiers and punctuation only
};

bool identStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}
bool identChar(char c) {
  return identStart(c) || std::isdigit(static_cast<unsigned char>(c));
}

// PromQL's tokens, as far as grouping needs them. False when the text does not
// lex (an unterminated string, a comment): such a query is asked per scope.
bool lex(const std::string& q, std::vector<Token>& out, std::string& whyNot) {
  for (size_t i = 0; i < q.size();) {
    char c = q[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (q.compare(i, kPlaceholder.size(), kPlaceholder) == 0) {
      out.push_back({Token::Kind::Scope, i, i + kPlaceholder.size(), ""});
      i += kPlaceholder.size();
    } else if (c == '"' || c == '\'' || c == '`') {
      size_t j = i + 1;
      while (j < q.size() && q[j] != c) j += (q[j] == '\\' && c != '`') ? 2 : 1;
      if (j >= q.size()) {
        whyNot = "the query has an unterminated string";
        return false;
      }
      out.push_back({Token::Kind::String, i, j + 1, ""});
      i = j + 1;
    } else if (c == '#') {
      whyNot = "the query has a comment";
      return false;
    } else if (identStart(c)) {
      size_t j = i;
      while (j < q.size() && identChar(q[j])) ++j;
      out.push_back({Token::Kind::Ident, i, j, q.substr(i, j - i)});
      i = j;
    } else if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      size_t j = i;  // numbers and durations: 0.99, 1e3, 5m, 1h30m, 0x1f
      while (j < q.size() && (std::isalnum(static_cast<unsigned char>(q[j])) || q[j] == '.' ||
                              ((q[j] == '+' || q[j] == '-') && (q[j - 1] == 'e' || q[j - 1] == 'E'))))
        ++j;
      out.push_back({Token::Kind::Number, i, j, ""});
      i = j;
    } else {
      out.push_back({Token::Kind::Punct, i, i + 1, std::string(1, c)});
      ++i;
    }
  }
  return true;
}

const std::set<std::string> kAggregations = {"sum",   "avg",    "min",    "max",     "count",
                                             "group", "stddev", "stdvar", "quantile"};
// Each of these makes the batched answer differ from the per-scope ones.
const std::set<std::string> kRefused = {
    "without", "on",           "ignoring", "group_left",    "group_right", "topk",
    "bottomk", "count_values", "limitk",   "limit_ratio",   "absent",      "absent_over_time",
    "scalar",  "vector",       "time",     "label_replace", "label_join"};
const std::set<std::string> kKeywords = {"by",    "bool", "and", "or",  "unless", "offset", "atan2",
                                         "start", "end",  "inf", "nan", "Inf",    "NaN"};

bool isPunct(const std::vector<Token>& t, size_t i, char c) {
  return i < t.size() && t[i].kind == Token::Kind::Punct && t[i].text[0] == c;
}

// Index of the token closing the bracket opened at `open`, or t.size().
size_t matching(const std::vector<Token>& t, size_t open) {
  char o = t[open].text[0], c = o == '(' ? ')' : o == '{' ? '}' : ']';
  int depth = 0;
  for (size_t i = open; i < t.size(); ++i) {
    if (isPunct(t, i, o)) ++depth;
    if (isPunct(t, i, c) && --depth == 0) return i;
  }
  return t.size();
}

struct Edit {
  size_t at;
  std::string text;
};

// Adds LABELS to the `by (...)` list opened at `open`.
bool extendBy(const std::vector<Token>& t, size_t open, const std::vector<std::string>& labels,
              std::vector<Edit>& edits) {
  size_t close = matching(t, open);
  if (close == t.size()) return false;
  std::set<std::string> present;
  for (size_t i = open + 1; i < close; ++i)
    if (t[i].kind == Token::Kind::Ident) present.insert(t[i].text);
  std::string add;
  bool empty = close == open + 1;
  for (const auto& label : labels)
    if (!present.count(label)) {
      add += (empty && add.empty()) ? label : ", " + label;
    }
  if (!add.empty()) edits.push_back({t[close].begin, add});
  return true;
}

}  // namespace

std::vector<std::string> scopeLabelNames(Scope::Kind kind) {
  switch (kind) {
    case Scope::Kind::Host:
      return {"region", "zone", "host"};
    case Scope::Kind::Zone:
      return {"region", "zone"};
    case Scope::Kind::Region:
      break;
  }
  return {"region"};
}

std::vector<std::string> scopeLabelValues(const Scope& scope) {
  switch (scope.kind) {
    case Scope::Kind::Host:
      return {scope.region, scope.zone, scope.host};
    case Scope::Kind::Zone:
      return {scope.region, scope.zone};
    case Scope::Kind::Region:
      break;
  }
  return {scope.region};
}

std::string promqlStringEscape(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out;
}

std::string regexQuote(const std::string& value) {
  static const std::string meta = "\\.+*?()|[]{}^$";
  std::string out;
  for (char c : value) {
    if (meta.find(c) != std::string::npos) out += '\\';
    out += c;
  }
  return out;
}

std::string batchMatchers(const std::vector<Scope>& scopes) {
  const Scope& first = scopes.front();
  std::vector<std::string> names = scopeLabelNames(first.kind);
  std::string matchers;
  for (size_t n = 0; n < names.size(); ++n) {
    std::vector<std::string> values;
    std::set<std::string> seen;
    for (const auto& scope : scopes) {
      std::string value = scopeLabelValues(scope)[n];
      if (seen.insert(value).second) values.push_back(promqlStringEscape(regexQuote(value)));
    }
    matchers += fmt::format("{}{}=~\"{}\"", n ? "," : "", names[n], fmt::join(values, "|"));
  }
  // The stage matcher of the per-scope queries (PrometheusMetricSource's scopeMatchers).
  bool prod = first.fleet.empty() || first.fleet == "prod";
  matchers += prod ? std::string(",stage=~\"|prod\"") : fmt::format(",stage=\"{}\"", promqlStringEscape(first.fleet));
  return matchers;
}

std::optional<std::string> groupedByScope(const std::string& query, const std::vector<std::string>& labels,
                                          std::string& whyNot) {
  std::vector<Token> t;
  if (!lex(query, t, whyNot)) return std::nullopt;
  if (std::none_of(t.begin(), t.end(), [](const Token& k) { return k.kind == Token::Kind::Scope; })) return query;
  // Unbalanced brackets: Prometheus's parse error would name a position in the
  // batched text; asked per scope, it names the user's own.
  for (char open : {'(', '{', '['}) {
    char close = open == '(' ? ')' : open == '{' ? '}' : ']';
    long depth = 0;
    for (size_t i = 0; i < t.size() && depth >= 0; ++i) depth += isPunct(t, i, open) - isPunct(t, i, close);
    if (depth != 0) {
      whyNot = "the query's brackets are unbalanced";
      return std::nullopt;
    }
  }
  std::vector<Edit> edits;
  for (size_t i = 0; i < t.size(); ++i) {
    if (isPunct(t, i, '{')) {  // a selector's matchers: `{scope}` must be among them
      size_t close = matching(t, i);
      bool scoped = false;
      for (size_t k = i + 1; k < close; ++k) scoped = scoped || t[k].kind == Token::Kind::Scope;
      if (close == t.size() || !scoped) {
        whyNot = "a vector selector has no {scope}";
        return std::nullopt;
      }
      i = close;
      continue;
    }
    if (t[i].kind == Token::Kind::Scope) continue;  // `x{scope}`: the braces are the placeholder's
    if (isPunct(t, i, '[')) {                       // a range or subquery: durations only
      i = matching(t, i);
      continue;
    }
    if (t[i].kind != Token::Kind::Ident) continue;
    const std::string& word = t[i].text;
    if (word == "by" && isPunct(t, i + 1, '(')) {  // `sum(...) by (le)`: extended with its aggregation
      i = matching(t, i + 1);
      continue;
    }
    if (kRefused.count(word)) {
      whyNot = fmt::format("the query uses `{}`", word);
      return std::nullopt;
    }
    if (kAggregations.count(word) && i + 1 < t.size() && t[i + 1].text == "without") {
      whyNot = "the query uses `without`";
      return std::nullopt;
    }
    if (kAggregations.count(word) && (isPunct(t, i + 1, '(') || (i + 1 < t.size() && t[i + 1].text == "by"))) {
      if (t[i + 1].text == "by") {
        if (!isPunct(t, i + 2, '(') || !extendBy(t, i + 2, labels, edits)) {
          whyNot = fmt::format("`{} by` has no label list", word);
          return std::nullopt;
        }
        i = matching(t, i + 2);
        continue;
      }
      size_t close = matching(t, i + 1);
      if (close + 1 < t.size() && t[close + 1].text == "by") {
        if (!isPunct(t, close + 2, '(') || !extendBy(t, close + 2, labels, edits)) {
          whyNot = fmt::format("`{}(...) by` has no label list", word);
          return std::nullopt;
        }
      } else if (close + 1 < t.size() && t[close + 1].text == "without") {
        whyNot = "the query uses `without`";
        return std::nullopt;
      } else {
        edits.push_back({t[i].end, fmt::format(" by ({})", fmt::join(labels, ", "))});
      }
      continue;
    }
    if (isPunct(t, i + 1, '(') || kKeywords.count(word)) continue;  // a function, or a keyword
    if (i > 0 && isPunct(t, i - 1, '@')) continue;                  // `@ start()`
    // A metric name: its selector must carry `{scope}`.
    if (!(i + 1 < t.size() && (t[i + 1].kind == Token::Kind::Scope || isPunct(t, i + 1, '{')))) {
      whyNot = fmt::format("the vector selector `{}` has no {{scope}}", word);
      return std::nullopt;
    }
  }
  std::sort(edits.begin(), edits.end(), [](const Edit& a, const Edit& b) { return a.at < b.at; });
  std::string out;
  size_t from = 0;
  for (const auto& edit : edits) {
    out += query.substr(from, edit.at - from) + edit.text;
    from = edit.at;
  }
  return out + query.substr(from);
}

std::string fillBatchScope(const std::string& groupedQuery, const std::vector<Scope>& scopes) {
  std::string matchers = batchMatchers(scopes);
  std::string out;
  size_t from = 0;
  for (size_t at; (at = groupedQuery.find(kPlaceholder, from)) != std::string::npos; from = at + kPlaceholder.size())
    out += groupedQuery.substr(from, at - from) + matchers;
  return out + groupedQuery.substr(from);
}

}  // namespace pipelang::runtime
